/**
 * `npm run bench:quality` — KontextBench-mini scores of a model through the TypeScript engine
 * (not PyTorch): the benchmark set (bench/kontextbench/heldout.json: seed 20261125, 512 cases,
 * 7 kinds in turn, every case from split bucket 0, which training/ never trains on), per
 * instruction kind, per category and per object count — edit correct, PSNR, and the autoencoder
 * ceiling; the multi-turn drift table (64 chains of 6 local edits, seed 20261126, every step from
 * bucket 0); a contact sheet (context | output | expected) under bench/out/quality/. Whether the
 * model's figures are unseen-case figures or an upper bound is read from its metrics.json
 * (provenance.ts) and printed with them. Prints markdown.
 *
 * Options: --cases N (512) --chains N (64) --turns N (6) --steps N (the model's default, 28)
 * --guidance X (the model's default) --model DIR (the bundled kontext-tiny) --sheet N (28 rows)
 * --provider NAME (cpu) --threads N (onnxruntime's intra-op threads; its default) --out DIR (bench/out/quality).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultModelDir, repoRoot } from '../../engine/cli/modelDirs'
import { encodeRgbPng } from '../../engine/image/imageIo'
import { HELD_OUT, heldOutCases, heldOutChains } from '../kontextbench'
import { contactSheet } from '../../engine/caseBench/contactSheet'
import { byCategory, byKind, byObjects, scoreCases, scoreChains, type CaseResult } from './evaluate'
import { openModel } from './engineRunner'
import { splitProvenance } from './provenance'
import { chainSummary, driftTable, summaryTable } from './tables'

const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    chains: { type: 'string' },
    turns: { type: 'string' },
    steps: { type: 'string' },
    guidance: { type: 'string' },
    model: { type: 'string' },
    sheet: { type: 'string' },
    provider: { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
  },
})
const int = (v: string | undefined, fallback: number, max = Infinity) => {
  const n = v === undefined ? fallback : Number(v)
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new Error(`expected an integer in [0, ${max}], got ${v}`)
  return n
}

const modelDir = values.model ? resolve(values.model) : defaultModelDir
const model = openModel(modelDir, values.provider ?? 'cpu', values.threads ? int(values.threads, 0, 256) : undefined)
const nCases = int(values.cases, HELD_OUT.cases, HELD_OUT.cases)
const nChains = int(values.chains, HELD_OUT.chains)
const turns = int(values.turns, HELD_OUT.turns)
const settings = {
  steps: int(values.steps, model.defaultSteps),
  guidance: values.guidance ? Number(values.guidance) : model.defaultGuidance,
  seedBase: 0,
}
const outDir = resolve(values.out ?? join(repoRoot, 'bench', 'out', 'quality'))
mkdirSync(outDir, { recursive: true })

const started = performance.now()
const progress = (label: string, total: number) => (done: number) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${label} ${done}/${total}`)
  if (done === total && process.stderr.isTTY) process.stderr.write('\n')
}
const results = await scoreCases(model, heldOutCases(nCases), settings, progress('cases', nCases))
const casesS = (performance.now() - started) / 1000
const drift = nChains > 0 && turns > 0 ? await scoreChains(model, heldOutChains(nChains, turns), settings) : []
const totalS = (performance.now() - started) / 1000

// Contact sheet: an even sample across kinds (the set cycles kinds, so the first rows cover all).
const sheetRows = int(values.sheet, 28)
const sample: CaseResult[] = results.slice(0, sheetRows)
const sheet = contactSheet(
  sample.map((r) => [r.context, r.output, r.expected]),
  3,
  128,
)
const sheetPath = join(outDir, 'contact-sheet.png')
writeFileSync(
  sheetPath,
  await encodeRgbPng(sheet.rgb, sheet.width, sheet.height, {
    Software: 'Kontext Studio bench:quality',
    columns: 'context | output | expected',
    prompts: sample.map((r) => `${r.index}: ${r.prompt}`).join('\n'),
  }),
)

const kindRows = byKind(results)
const catRows = byCategory(results)
const objectRows = byObjects(results)
const provenance = splitProvenance(modelDir, HELD_OUT)
const report = [
  `## KontextBench-mini — ${model.id} through the TypeScript engine`,
  '',
  provenance.note,
  '',
  `Model ${modelDir.startsWith(repoRoot) ? modelDir.slice(repoRoot.length + 1) : modelDir}; benchmark seed ${HELD_OUT.seed}, ${nCases} cases; ${settings.steps} Euler steps, guidance ${settings.guidance}, noise seed = case index; ${values.provider ?? 'cpu'}.`,
  '',
  summaryTable('kind', kindRows),
  '',
  summaryTable('category', catRows),
  '',
  summaryTable('context objects', objectRows),
  '',
  ...(drift.length
    ? [
        `Multi-turn drift: ${nChains} chains of ${turns} local edits (seed ${HELD_OUT.chainSeed}), each output fed back as the next context.`,
        '',
        driftTable(drift, nChains),
        '',
        chainSummary(drift),
        '',
      ]
    : []),
  `Contact sheet (${sample.length} rows: context | output | expected): ${sheetPath.startsWith(repoRoot) ? sheetPath.slice(repoRoot.length + 1) : sheetPath}`,
  `Time: ${casesS.toFixed(1)} s for the cases, ${totalS.toFixed(1)} s in all.`,
].join('\n')
console.log(report)
writeFileSync(join(outDir, 'report.md'), report + '\n')
writeFileSync(
  join(outDir, 'results.json'),
  JSON.stringify(
    {
      model: model.id,
      heldOut: HELD_OUT,
      unseen: provenance.unseen,
      cases: nCases,
      settings,
      byKind: kindRows,
      byCategory: catRows,
      byObjects: objectRows,
      drift,
      perCase: results.map((r) => ({ index: r.index, kind: r.kind, objects: r.objects, ok: r.ok, psnr: r.psnr })),
    },
    null,
    1,
  ) + '\n',
)
await model.release()
