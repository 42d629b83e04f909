/**
 * The weight-only quantisation a model may be imported with (`--quantise int8|int4`): the
 * MatMul weights of the graphs the engine builds become onnxruntime `MatMulNBits` (4 or 8 bits,
 * blocks of 32 inputs, a float scale and a zero point per block); activations stay float32.
 * Blocks of 32 rather than onnxruntime's quantiser default of 128: a finer scale for about
 * 1/16 more bytes at 4 bits, because the error figures (bench/quantise) favour it.
 */
import { z } from 'zod'
import type { QuantiseSettings } from './quantiseGraph'

export const QUANTISE_MODES = ['int8', 'int4'] as const
export type QuantiseMode = (typeof QUANTISE_MODES)[number]
export const quantiseModeSchema = z.enum(QUANTISE_MODES)

export const QUANTISE_SETTINGS: Record<QuantiseMode, QuantiseSettings> = {
  int8: { bits: 8, blockSize: 32 },
  int4: { bits: 4, blockSize: 32 },
}

export const isQuantiseMode = (s: string): s is QuantiseMode => (QUANTISE_MODES as readonly string[]).includes(s)

/** How a quantised model is described on its card and in `kontext models list`. */
export const quantiseLabel = (m: QuantiseMode): string =>
  `${m} weights (MatMulNBits, ${QUANTISE_SETTINGS[m].bits}-bit, blocks of ${QUANTISE_SETTINGS[m].blockSize})`
