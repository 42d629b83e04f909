/**
 * A structural twin of FLUX.1 Kontext [dev]: random weights with the exact tensor names and shapes
 * of the official release (BFL transformer at hidden 3072 / 24 heads / context 4096 / vec 768 /
 * guidance embedding, the full ae.safetensors, CLIP-L, T5-XXL at d_model 4096 / d_ff 10240 /
 * 64 heads / vocab 32128), with fewer transformer blocks and T5 layers so that it fits a machine
 * with far less memory than the 12-billion-parameter model needs. The per-block cost then
 * extrapolates (bench/fluxMemory/run.ts). Written to a cache folder, never committed.
 *
 *   npx tsx bench/fluxMemory/twin.ts [--out DIR] [--double N] [--single N] [--t5-blocks N] [--dtype F32|BF16]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Dtype } from '../../engine/weights/dtypes'
import {
  bflAutoencoderSpecs,
  bflTransformerSpecs,
  clipTextSpecs,
  FULL,
  t5EncoderSpecs,
  writeCheckpoint,
  writeClipTokenizerDir,
  writeSharded,
} from '../../test/support/fluxCheckpoints'
import { writeT5TokenizerDir } from '../../test/support/fluxFolders'

export interface TwinSpec {
  readonly double: number
  readonly single: number
  readonly t5Blocks: number
  readonly dtype: Extract<Dtype, 'F32' | 'BF16'>
}

export const DEFAULT_TWIN: TwinSpec = { double: 1, single: 1, t5Blocks: 2, dtype: 'F32' }

export const defaultTwinDir = (s: TwinSpec): string =>
  resolve('.cache', `flux-twin-${s.dtype.toLowerCase()}-d${s.double}-s${s.single}-t${s.t5Blocks}`)

const STAMP = 'twin.json'

/** Writes the twin unless a complete one with the same spec is already there; returns the folder. */
export function ensureTwin(dir: string, s: TwinSpec, log: (line: string) => void = console.error): string {
  const stamp = join(dir, STAMP)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(s)) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const t0 = performance.now()
  const o = { dtype: s.dtype }
  log(`twin: writing ${s.double} double + ${s.single} single blocks at full width, ${s.t5Blocks} T5 layers, ${s.dtype}, into ${dir}`)
  writeCheckpoint(
    join(dir, 'flux1-kontext-dev.safetensors'),
    bflTransformerSpecs({ ...FULL.transformer, depth: s.double, depthSingle: s.single }),
    o,
  )
  writeCheckpoint(join(dir, 'ae.safetensors'), bflAutoencoderSpecs(FULL.ae), o)
  writeCheckpoint(join(dir, 'text_encoder/model.safetensors'), clipTextSpecs(FULL.clip), o)
  writeSharded(join(dir, 'text_encoder_2'), t5EncoderSpecs({ ...FULL.t5, blocks: s.t5Blocks }), 2, o)
  writeClipTokenizerDir(join(dir, 'tokenizer'))
  writeT5TokenizerDir(join(dir, 'tokenizer_2'))
  writeFileSync(join(dir, 'kontext.json'), JSON.stringify({ id: 'flux-twin', name: 'FLUX.1 Kontext [dev] structural twin' }))
  // Last, so an interrupted write is never taken for a twin.
  writeFileSync(stamp, JSON.stringify(s))
  log(`twin: written in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  return dir
}

export function twinSpecFromArgs(argv: string[]): {
  spec: TwinSpec
  out: string | undefined
  rest: Record<string, string | boolean | undefined>
} {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      out: { type: 'string' },
      double: { type: 'string' },
      single: { type: 'string' },
      't5-blocks': { type: 'string' },
      dtype: { type: 'string' },
    },
  })
  const int = (v: unknown, d: number) => {
    if (v === undefined) return d
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`block counts are whole numbers from 1 to 64 (got ${String(v)})`)
    return n
  }
  const dtype = String(values.dtype ?? DEFAULT_TWIN.dtype).toUpperCase()
  if (dtype !== 'F32' && dtype !== 'BF16') throw new Error('--dtype is F32 or BF16')
  const spec: TwinSpec = {
    double: int(values.double, DEFAULT_TWIN.double),
    single: int(values.single, DEFAULT_TWIN.single),
    t5Blocks: int(values['t5-blocks'], DEFAULT_TWIN.t5Blocks),
    dtype,
  }
  return { spec, out: typeof values.out === 'string' ? resolve(values.out) : undefined, rest: values }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { spec, out } = twinSpecFromArgs(process.argv.slice(2))
  console.log(ensureTwin(out ?? defaultTwinDir(spec), spec))
}
