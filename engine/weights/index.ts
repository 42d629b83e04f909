/**
 * The engine's weights API for the graph builder: inspect a folder, then open the chosen
 * components' tensors by their layout-relative names (any file prefix stripped) and the folder's
 * tokenizers. Shapes are as stored (PyTorch order: Linear weights [out, in], Conv2d [out, in, kh, kw]).
 */
import { join } from 'node:path'
import type { ClipTokenizer } from '../tokenizers/clipTokenizer'
import { loadClipTokenizerDir, loadClipTokenizerFromBpeGz, loadT5TokenizerDir } from '../tokenizers/load'
import type { T5Tokenizer } from '../tokenizers/t5Tokenizer'
import type { ComponentFound, FolderInspection } from './detect'
import { TensorReader, type WeightSource } from './safetensors'

export { inspectModelFolder, classifyTensors, type ComponentFound, type FolderInspection } from './detect'
export type { ComponentKind, LayoutName } from './layouts'
export { openSafetensors, readSafetensorsHeader, SafetensorsError, type TensorInfo, type WeightSource } from './safetensors'
export { openSharded, readShardedHeader } from './sharded'
export { DTYPE_BYTES, toFloat32, fromFloat32, type Dtype } from './dtypes'
export { writeSafetensors, type TensorToWrite } from './writer'

/** A component's tensors, named as its layout names them (e.g. `img_in.weight`, not `model.diffusion_model.img_in.weight`). */
export function openComponent(c: ComponentFound): WeightSource {
  const reader = new TensorReader(c.tensors)
  return {
    tensors: c.tensors,
    metadata: {},
    readBytes: (name) => reader.readBytes(name),
    readFloat32: (name) => reader.readFloat32(name),
    close: () => reader.close(),
  }
}

/** The folder's CLIP and T5 tokenizers as detected (CLIP falls back to the bundled merges). */
export function loadFolderTokenizers(r: FolderInspection, bundledClipMerges: string): { clip?: ClipTokenizer; t5?: T5Tokenizer } {
  const clipFound = r.tokenizers.find((t) => t.kind === 'clip' && !t.problems.length)
  const t5Found = r.tokenizers.find((t) => t.kind === 't5' && !t.problems.length)
  const out: { clip?: ClipTokenizer; t5?: T5Tokenizer } = {}
  // `where` comes from the folder walk (relative, inside the folder), never from a file's contents.
  if (clipFound)
    out.clip =
      clipFound.source === 'bundled' ? loadClipTokenizerFromBpeGz(bundledClipMerges) : loadClipTokenizerDir(join(r.dir, clipFound.where))
  if (t5Found) out.t5 = loadT5TokenizerDir(join(r.dir, t5Found.where))
  return out
}
