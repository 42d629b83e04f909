/**
 * `npm run bench:quantise [-- --json]`: the quality cost of weight-only int8/int4 quantisation
 * (MatMulNBits) on the conformance twin — small random FLUX checkpoints in the official release's
 * layout. For each component (fed the float32 model's inputs, so each figure is its own error)
 * and for a whole 3-step edit: max and mean |quantised − float32|, next to the float32 output's
 * largest magnitude, and the bytes of the built graphs' weights. Random weights are a harsh case
 * for quantisation (no outliers to spare, no structure); these figures are not FLUX.1's.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QUANTISE_MODES, QUANTISE_SETTINGS } from '../../engine/quantise/modes'
import { errorFigures, twinOutputs, writeTwin, TWIN_PARTS, TWIN_STEPS } from '../../test/support/quantiseTwins'

const json = process.argv.includes('--json')

/** Bytes of every cached graph's weights file (cacheDir/<key>/<component>.weights). */
const weightBytes = (cacheDir: string): number =>
  readdirSync(cacheDir).reduce(
    (sum, key) =>
      sum +
      readdirSync(join(cacheDir, key))
        .filter((f) => f.endsWith('.weights'))
        .reduce((s, f) => s + statSync(join(cacheDir, key, f)).size, 0),
    0,
  )

const dir = mkdtempSync(join(tmpdir(), 'kontext-bench-quantise-'))
try {
  const ck = writeTwin(join(dir, 'twin'))
  const float = await twinOutputs(ck, null, join(dir, 'float'))
  const floatBytes = weightBytes(join(dir, 'float'))
  const rows: { mode: string; part: string; max: number; mean: number; scale: number }[] = []
  const sizes: Record<string, number> = { float32: floatBytes }
  for (const mode of QUANTISE_MODES) {
    const cache = join(dir, mode)
    const got = await twinOutputs(ck, QUANTISE_SETTINGS[mode], cache, float)
    sizes[mode] = weightBytes(cache)
    for (const part of TWIN_PARTS) rows.push({ mode, part, ...errorFigures(float[part], got[part]) })
  }
  if (json) console.log(JSON.stringify({ steps: TWIN_STEPS, rows, weightBytes: sizes }))
  else {
    console.log(`quantisation on the FLUX twin (random weights; edit = ${TWIN_STEPS} steps, 48×32), against float32:`)
    console.log('| mode | output | max abs error | mean abs error | float32 max magnitude |')
    console.log('|---|---|---|---|---|')
    for (const r of rows)
      console.log(`| ${r.mode} | ${r.part} | ${r.max.toExponential(2)} | ${r.mean.toExponential(2)} | ${r.scale.toFixed(2)} |`)
    console.log('ae-encode/ae-decode are convolutions (no MatMul weights) and stay float32, hence 0.')
    console.log(
      `graph weights (the twin's are mostly CLIP/T5 embedding tables, which stay float32): ${Object.entries(sizes)
        .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KiB`)
        .join(', ')}`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
