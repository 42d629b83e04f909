/**
 * Refuses an instruction the chosen model cannot read before anything is queued: no node, no job,
 * no failed row with a pointless Retry. Only closed-vocabulary models (kontext-tiny) can be checked
 * here; the vocabulary comes from the engine's own description, read once and again after the
 * engine restarts (a restart may bring other models).
 */
import type { EngineDescription } from '../../core/domain/engineTypes'
import { shownWord, unknownPromptWords } from '../../core/domain/promptWords'
import { StudioError, studioError } from '../../core/result'

export class PromptGate {
  private described: Promise<EngineDescription | null> | null = null

  constructor(private readonly describe: () => Promise<EngineDescription>) {}

  /** Forget the description (the engine restarted). */
  invalidate(): void {
    this.described = null
  }

  /** Starts reading the engine's description now (it is awaited by the first check). */
  warm(): void {
    void this.description()
  }

  private description(): Promise<EngineDescription | null> {
    // An engine that cannot describe itself fails the job later with its own reason.
    this.described ??= this.describe().catch(() => {
      this.described = null
      return null
    })
    return this.described
  }

  /** Throws `prompt.empty` or `prompt.unknownWords` (with the known words as hint); else resolves. */
  async check(prompt: string, modelId: string): Promise<void> {
    if (!prompt.trim())
      throw new StudioError(studioError('prompt.empty', 'The instruction is empty.', 'Type what to change or what to draw.'))
    const model = (await this.description())?.models.find((m) => m.id === modelId)
    if (!model?.vocabulary) return
    const unknown = unknownPromptWords(prompt, model.vocabulary)
    if (unknown.length === 0) return
    const shown = unknown
      .slice(0, 8)
      .map((w) => `“${shownWord(w)}”`)
      .join(', ')
    throw new StudioError(
      studioError(
        'prompt.unknownWords',
        `${model.name} does not know the word${unknown.length > 1 ? 's' : ''} ${shown}${unknown.length > 8 ? ` and ${unknown.length - 8} more` : ''}.`,
        `It knows only: ${model.vocabulary.join(' ')}.`,
      ),
    )
  }
}
