/**
 * The files of a model folder that detection looks at, found by walking at most a few levels
 * (diffusers: `text_encoder_2/…`; ComfyUI: `models/text_encoders/…`). Hidden folders are skipped,
 * and symlinked folders are not followed (no loops, nothing outside the folder by accident);
 * symlinked files are used in place, as ComfyUI users keep them.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface FolderFiles {
  readonly safetensors: string[]
  readonly indexes: string[]
  readonly onnx: string[]
  readonly vocabJson: string[]
  readonly tokenizerJson: string[]
}

export const MAX_DEPTH = 4

export function walkModelFolder(root: string): FolderFiles {
  const out: FolderFiles = { safetensors: [], indexes: [], onnx: [], vocabJson: [], tokenizerJson: [] }
  const visit = (dir: string, depth: number) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && e.name !== 'node_modules') visit(p, depth + 1)
        continue
      }
      if (e.isSymbolicLink()) {
        try {
          if (!statSync(p).isFile()) continue
        } catch {
          continue
        }
      } else if (!e.isFile()) continue
      if (e.name.endsWith('.safetensors.index.json')) out.indexes.push(p)
      else if (e.name.endsWith('.safetensors') || e.name.endsWith('.sft')) out.safetensors.push(p)
      else if (e.name.endsWith('.onnx')) out.onnx.push(p)
      else if (e.name === 'vocab.json') out.vocabJson.push(p)
      else if (e.name === 'tokenizer.json') out.tokenizerJson.push(p)
    }
  }
  visit(root, 0)
  return out
}
