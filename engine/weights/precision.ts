/** A component's precision in words, from the dtypes of its tensors (weighted by element count). Pure. */
import type { Dtype } from './dtypes'
import type { TensorInfo } from './safetensors'

export interface Precision {
  /** The dtype holding most elements. */
  readonly main: Dtype
  /** Elements per dtype. */
  readonly elements: Partial<Record<Dtype, number>>
  /** fp8 weights with per-tensor scale tensors (ComfyUI's `scale_weight`, `weight_scale`, `scaled_fp8`). */
  readonly fp8Scaled: boolean
  readonly label: string
}

const NAMES: Partial<Record<Dtype, string>> = {
  F32: 'fp32',
  F16: 'fp16',
  BF16: 'bf16',
  F8_E4M3: 'fp8 e4m3fn',
  F8_E5M2: 'fp8 e5m2',
  F64: 'fp64',
}
const isScale = (name: string) => /(^|\.)(scale_weight|weight_scale|input_scale|scale_input|scaled_fp8)$/.test(name)

export function precisionOf(tensors: Iterable<TensorInfo>): Precision {
  const elements: Partial<Record<Dtype, number>> = {}
  let scales = false
  let total = 0
  for (const t of tensors) {
    if (isScale(t.name)) {
      scales = true
      continue
    }
    const n = t.shape.reduce((a, b) => a * b, 1)
    elements[t.dtype] = (elements[t.dtype] ?? 0) + n
    total += n
  }
  const ranked = (Object.entries(elements) as [Dtype, number][]).sort((a, b) => b[1] - a[1])
  const main = ranked[0]?.[0] ?? 'F32'
  const fp8 = main === 'F8_E4M3' || main === 'F8_E5M2'
  let label = NAMES[main] ?? main
  if (fp8 && scales) label += ' with per-tensor scales'
  const rest = ranked.slice(1).filter(([, n]) => n / Math.max(total, 1) >= 0.005)
  if (rest.length) label += ` (also ${rest.map(([d, n]) => `${NAMES[d] ?? d} ${Math.round((100 * n) / total)}%`).join(', ')})`
  return { main, elements, fp8Scaled: fp8 && scales, label }
}
