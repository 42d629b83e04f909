/**
 * `kontext edit` with several `--in` (or a folder): one process, one engine (sessions loaded
 * once), the items run through the same local runner as `kontext batch` (two in flight, so one
 * item's decode and PNG encode overlap the other's inference). Each result is written into
 * `--out DIR` under its input's name; an input that fails is reported with its reason and the
 * others still run (exit 1 if any failed).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import { safeDisplayText } from '../../core/domain/displayText'
import { StudioError, type StudioErrorData } from '../../core/result'
import { runLocalBatch } from '../batch/localRunner'
import { summarize, type ItemOutcome } from '../batch/outcome'
import { BatchSettings, IMAGE_EXTENSIONS, sha256Hex, type PlannedItem } from '../batch/plan'
import { EXIT, reportError, type CliContext } from './context'
import { expandInputs, planEditItems } from './editInputs'
import { checkOutPath, isError, readImageInput, usageError, type SamplingOptions } from './inputs'
import { openEngine } from './openEngine'

/** What the edit command has already checked (prompt, numbers) and what it passes on as given. */
export interface EditManyArgs {
  readonly inputs: readonly string[]
  readonly refs: readonly string[]
  readonly prompt: string
  readonly out: string | undefined
  readonly sampling: SamplingOptions
  readonly model?: string
  readonly provider?: string
  readonly json: boolean
}

const shown = (name: string): string => safeDisplayText(name, { maxWord: 80, maxTotal: 120 })

export async function runEditMany(a: EditManyArgs, ctx: CliContext): Promise<number> {
  const fail = (e: StudioErrorData) => reportError(ctx, e, a.json)
  if (a.out === undefined)
    return fail(usageError('edit with several inputs needs --out DIR (each result is written there under its input’s name).'))
  const outDir = resolve(ctx.cwd, a.out)
  // `--out result.png` with a folder of inputs is a mistake, not a request for a folder of that name.
  if (IMAGE_EXTENSIONS.has(extname(outDir).toLowerCase()) && !(existsSync(outDir) && statSync(outDir).isDirectory()))
    return fail(
      usageError(
        `With several inputs --out is a folder, not an image file (${shown(a.out)}).`,
        'Give a folder for --out, e.g. --out edited/.',
      ),
    )
  // --out is a folder here: it may exist as one, or be made (an existing file is refused).
  const unwritable = checkOutPath(join(outDir, 'result.png'), a.out)
  if (unwritable) return fail(unwritable)
  const expanded = expandInputs(a.inputs, ctx.cwd)
  if (!expanded.ok) return fail(expanded.error)
  const refs: Uint8Array[] = []
  for (const r of a.refs) {
    const bytes = await readImageInput(r, ctx.cwd, '--ref')
    if (isError(bytes)) return fail(bytes)
    refs.push(bytes)
  }

  const log = (line: string) => (a.json ? undefined : ctx.err(`${line}\n`))
  const opened = openEngine({ ...(a.model ? { model: a.model } : {}), ...(a.provider ? { provider: a.provider } : {}), cwd: ctx.cwd, log })
  if (!opened.ok) return fail(opened.error)
  const { engine, model } = opened.value
  try {
    const parsed = BatchSettings.safeParse({
      prompt: a.prompt,
      model: model.id,
      steps: a.sampling.steps ?? model.defaultSteps,
      guidance: a.sampling.guidance ?? model.defaultGuidance,
      refs: refs.map(sha256Hex),
      seed: a.sampling.seed ?? null,
    })
    if (!parsed.success)
      return fail(usageError(`The edit settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`))
    const settings = parsed.data
    const { items, refused } = await planEditItems(expanded.value, settings, ctx.cwd)
    mkdirSync(outDir, { recursive: true })
    const total = items.length + refused.length
    let finished = 0
    const report = (o: ItemOutcome) => {
      finished++
      if (a.json) return
      if (o.ok) ctx.err(`  ${shown(o.name)} → ${shown(o.out)}\n`)
      else ctx.err(`  ${shown(o.name)}: failed: ${safeDisplayText(o.error.message)}\n`)
      if (finished === total) ctx.err(`${finished}/${total}\n`)
    }
    const refusedOutcomes = refused.map((r): ItemOutcome => ({ name: r.name, key: '', ok: false, error: r.error }))
    refusedOutcomes.forEach(report)
    const ran = await runLocalBatch({
      engine,
      items,
      settings,
      refs,
      outDir,
      ...(a.sampling.size ? { size: a.sampling.size } : {}),
      signal: ctx.signal,
      onItem: report,
      // Each input is checked as a single --in is (size, header, a streamed decode) when its turn comes.
      readInput: async (item: PlannedItem) => {
        const bytes = await readImageInput(item.path, ctx.cwd, '--in')
        if (isError(bytes)) throw new StudioError(bytes)
        return bytes
      },
    })
    // Results in the order the inputs were given, refused ones at their place.
    const outcomes: ItemOutcome[] = [...ran]
    refused.forEach((r, i) => outcomes.splice(r.index, 0, refusedOutcomes[i] as ItemOutcome))
    const seeds = new Map(items.map((i) => [i.name, i.seed]))
    const summary = summarize(outcomes)
    if (a.json)
      ctx.out(
        JSON.stringify({
          ok: summary.ok,
          total: summary.total,
          done: summary.done,
          failed: summary.failed,
          outDir,
          model: settings.model,
          steps: settings.steps,
          guidance: settings.guidance,
          provider: engine.activeProvider,
          items: outcomes.map((o) =>
            o.ok
              ? { name: o.name, ok: true, out: join(outDir, o.out), seed: seeds.get(o.name) }
              : { name: o.name, ok: false, error: o.error },
          ),
        }) + '\n',
      )
    else
      ctx.out(
        `edit: ${summary.done} of ${summary.total} done, ${summary.failed} failed → ${shown(outDir)} (${settings.steps} steps on ${engine.activeProvider ?? '?'})\n`,
      )
    if (ctx.signal.aborted) return EXIT.cancelled
    return summary.ok ? EXIT.ok : EXIT.failed
  } finally {
    await engine.release()
  }
}
