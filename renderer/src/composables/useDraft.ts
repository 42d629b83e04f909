/**
 * A form field's text while the designer types it. Bound with `:value` alone, a field is reset to
 * the stored value whenever its component re-renders — and any change to the project (a job that
 * finishes, an edit from another window) re-renders it — so half-typed notes would vanish. The
 * draft follows the stored value only while the field is not being edited.
 */
import { ref, watch, type Ref } from 'vue'

export interface Draft<T> {
  readonly draft: Ref<T>
  /** Call on focus: from now on the stored value does not overwrite what is typed. */
  begin(): void
  /** Call on blur: the field follows the stored value again (it catches up when the save lands). */
  end(): void
}

export function useDraft<T>(stored: () => T): Draft<T> {
  const draft = ref(stored()) as Ref<T>
  let editing = false
  let atBegin: T = draft.value
  watch(stored, (next) => {
    if (!editing) draft.value = next
  })
  return {
    draft,
    begin: () => {
      editing = true
      atBegin = draft.value
    },
    end: () => {
      editing = false
      // Left unchanged: show what is stored now (another window may have changed it meanwhile).
      // Changed: keep the typed value; its save is on the way and the watcher takes the result.
      if (draft.value === atBegin) draft.value = stored()
    },
  }
}
