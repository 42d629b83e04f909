/**
 * `kontext bench --model DIR|ID --cases FILE` — runs any model on a case file (format in
 * engine/caseBench/caseFile.ts) and writes every output, a contact sheet (context | output |
 * expected) and PSNR where an expected image exists. For the synthetic benchmark use
 * `npm run bench:quality`; this runner is for judging real photos by eye.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { studioError, toErrorData, type StudioErrorData } from '../../core/result'
import { contactSheet, type SheetTile } from '../caseBench/contactSheet'
import { parseCaseFile } from '../caseBench/caseFile'
import { psnr } from '../caseBench/psnr'
import { KontextEngine } from '../engineService'
import { decodeRgb, decodeRgbForModel, encodeRgbPng } from '../image/imageIo'
import { isError } from './inputs'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { DEFAULT_MODEL_ID, knownModelDirs, modelFolderArg } from './modelDirs'
import { parseOptions } from './options'

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  cases: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  provider: { type: 'string' },
  tile: { type: 'string' },
  json: { type: 'boolean' },
} as const

const usage = (message: string): StudioErrorData =>
  studioError(
    'cli.usage',
    message,
    'kontext bench --cases FILE [--model DIR|ID] [--out DIR] [--seed N] [--steps N] [--guidance X] [--tile PX]',
  )

function readImage(path: string, what: string): Uint8Array | StudioErrorData {
  if (!existsSync(path) || !statSync(path).isFile())
    return studioError('file.notFound', `${what} ${path}: no such file.`, 'Paths in a case file are relative to the case file.')
  return new Uint8Array(readFileSync(path))
}

interface Row {
  readonly name: string
  readonly prompt: string
  readonly output: string
  readonly psnr: number | null
  readonly ms: number
}

async function run(argv: string[], ctx: CliContext): Promise<number> {
  const given = parseOptions(argv, OPTIONS, ctx)
  if ('exit' in given) return given.exit
  const { values } = given
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  if (!values.cases) return fail(usage('--cases FILE is required.'))
  const num = (name: string, v: string | undefined, fallback: number, integer: boolean): number | StudioErrorData => {
    if (v === undefined) return fallback
    const n = Number(v)
    return (integer ? Number.isSafeInteger(n) : Number.isFinite(n)) && n >= 0
      ? n
      : usage(`--${name} must be a ${integer ? 'whole ' : ''}number ≥ 0, got “${v}”.`)
  }
  const seed = num('seed', values.seed, 0, true)
  const tile = num('tile', values.tile, 192, true)
  if (isError(seed)) return fail(seed)
  if (isError(tile)) return fail(tile)

  const casePath = resolve(ctx.cwd, values.cases)
  if (!existsSync(casePath)) return fail(studioError('file.notFound', `--cases ${values.cases}: no such file.`))
  const parsed = parseCaseFile(readFileSync(casePath, 'utf8'), values.cases)
  if (!parsed.ok) return fail(parsed.error)
  const base = dirname(casePath)

  const folder = values.model ? modelFolderArg(values.model, ctx.cwd) : null
  if (folder && !existsSync(folder)) return fail(studioError('model.notFound', `--model ${values.model}: no such folder.`))
  const engine = new KontextEngine({
    modelDirs: folder ? [folder] : knownModelDirs(),
    ...(values.provider ? { provider: values.provider } : {}),
  })
  const problem = folder ? engine.problems[0] : undefined
  if (problem) return fail(studioError('model.invalid', problem.message))
  const modelId = folder ? engine.summaries()[0]?.id : (values.model ?? DEFAULT_MODEL_ID)
  const summary = engine.summaries().find((m) => m.id === modelId)
  if (!summary) return fail(studioError('model.unknown', `No model “${values.model ?? DEFAULT_MODEL_ID}” is installed.`))
  const steps = num('steps', values.steps, summary.defaultSteps, true)
  const guidance = num('guidance', values.guidance, summary.defaultGuidance, false)
  if (isError(steps)) return fail(steps)
  if (isError(guidance)) return fail(guidance)

  const outDir = resolve(ctx.cwd, values.out ?? 'kontext-bench')
  mkdirSync(outDir, { recursive: true })
  const rows: Row[] = []
  const sheetRows: (SheetTile | null)[][] = []
  try {
    for (const [i, c] of parsed.value.entries()) {
      const name = c.name ?? `case-${i + 1}`
      const contextBytes = c.context ? readImage(resolve(base, c.context), `case ${name}: context`) : null
      if (isError(contextBytes)) return fail(contextBytes)
      const expectedBytes = c.expected ? readImage(resolve(base, c.expected), `case ${name}: expected`) : null
      if (isError(expectedBytes)) return fail(expectedBytes)
      const result = await engine.run(
        { model: summary.id, prompt: c.prompt, contexts: contextBytes ? [contextBytes] : [], seed: c.seed ?? seed + i, steps, guidance },
        { signal: ctx.signal, previews: false },
      )
      const output = join(outDir, `${name}.png`)
      writeFileSync(output, result.png)
      const out = await decodeRgb(result.png)
      // Context and expected are shown (and scored) at the output's size, as the model saw the context.
      const atOutputSize = async (bytes: Uint8Array | null, what: string): Promise<SheetTile | null> => {
        if (!bytes) return null
        const r = await decodeRgbForModel(bytes, out.width, out.height, `${name} ${what}`)
        if (!r.ok) throw r.error
        return { rgb: r.value, width: out.width, height: out.height }
      }
      const context = await atOutputSize(contextBytes, 'context')
      const expected = await atOutputSize(expectedBytes, 'expected')
      rows.push({
        name,
        prompt: c.prompt,
        output,
        psnr: expected ? psnr(out.rgb, expected.rgb) : null,
        ms: Math.round(result.timingsMs.total ?? 0),
      })
      sheetRows.push([context, out, expected])
      if (!json) ctx.err(`${name}: done (${rows.at(-1)!.ms} ms)\n`)
    }
  } catch (e) {
    return fail(isError(e) ? e : toErrorData(e, 'engine.failed'))
  } finally {
    await engine.release()
  }
  const sheet = contactSheet(sheetRows, 3, tile)
  const sheetPath = join(outDir, 'contact-sheet.png')
  writeFileSync(
    sheetPath,
    await encodeRgbPng(sheet.rgb, sheet.width, sheet.height, {
      Software: 'Kontext Studio kontext bench',
      columns: 'context | output | expected',
      model: summary.id,
    }),
  )
  const scored = rows.filter((r) => r.psnr !== null)
  const meanPsnr = scored.length ? scored.reduce((a, r) => a + r.psnr!, 0) / scored.length : null
  const report = { ok: true, model: summary.id, steps, guidance, outDir, contactSheet: sheetPath, meanPsnr, cases: rows }
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(report, null, 1) + '\n')
  if (json) ctx.out(JSON.stringify(report) + '\n')
  else {
    const table = rows.map((r) => `| ${r.name} | ${r.prompt} | ${r.psnr === null ? '–' : r.psnr.toFixed(1)} | ${r.ms} |`)
    ctx.out(
      [
        '| case | prompt | PSNR (dB) | ms |',
        '|---|---|---:|---:|',
        ...table,
        '',
        `mean PSNR ${meanPsnr === null ? '– (no expected images)' : `${meanPsnr.toFixed(2)} dB over ${scored.length}`}; contact sheet ${sheetPath}`,
        '',
      ].join('\n'),
    )
  }
  return EXIT.ok
}

export const benchCommand: CliCommand = {
  summary: 'run a model on a case file (context image, instruction, optional expected image): outputs, contact sheet, PSNR',
  usage:
    'kontext bench --cases FILE [--model DIR|ID] [--out DIR] [--seed N] [--steps N] [--guidance X] [--provider NAME] [--tile PX] [--json]',
  run,
}
