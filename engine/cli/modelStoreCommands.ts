/**
 * `kontext models list|add|import|verify|remove`: the model store from the terminal. `add` fetches
 * a catalogue model from the hub (licence and gating explained first; token from HF_TOKEN or
 * --token-file, never printed); Ctrl-C stops it and the same command resumes. `import` links a
 * folder in place (`--quantise int8|int4`: its graphs are built with MatMulNBits weights). `test`
 * runs one real step on the chosen provider and says whether it worked, why not, and how long. `verify` re-reads every file; `remove` deletes the store's folder (a linked
 * folder's own files are never touched).
 */
import { resolve } from 'node:path'
import { errorData, studioError, toErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { bundledCard, folderSize, storeCard, type ModelCard } from '../models/cards'
import { CATALOGUE, catalogueEntry } from '../models/catalogue'
import { downloadModel } from '../models/hubDownload'
import { planHubDownload } from '../models/hubPlan'
import { readHubToken, redact } from '../models/hubToken'
import { linkedIdFor, linkFolder } from '../models/linkFolder'
import { formatBytes, formatProgress } from '../models/progress'
import { checkModelId, defaultStoreRoot, ModelStore } from '../models/store'
import { testRunModel } from '../models/testRun'
import { verifyModel } from '../models/verify'
import { testRunLine } from '../../core/domain/modelTest'
import { isQuantiseMode, QUANTISE_MODES, quantiseLabel } from '../quantise/modes'
import { listProviders } from '../sessions'
import { looksLikeOnnxExport } from '../export/onnxExport'
import { EXIT, reportError, type CliContext } from './context'
import { importOnnxExportCommand } from './importExportCommand'
import { knownModelDirs } from './modelDirs'

export const STORE_SUBCOMMANDS = new Set(['list', 'add', 'import', 'verify', 'remove', 'test'])
const VALUE_FLAGS = new Set(['--precision', '--hub-url', '--token-file', '--id', '--quantise', '--provider'])
const USAGE =
  'kontext models list [--json] | add flux1-kontext-dev [--precision bf16|fp8] [--token-file F] [--hub-url URL] | import DIR [--id ID] [--provider P] [--quantise int8|int4] | verify ID | test ID [--provider P] | remove ID'

function parse(argv: string[]): { args: string[]; flags: Map<string, string>; json: boolean; bad?: string } {
  const args: string[] = []
  const flags = new Map<string, string>()
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--json') json = true
    else if (VALUE_FLAGS.has(a)) {
      const v = argv[++i]
      if (v === undefined) return { args, flags, json, bad: `${a} needs a value.` }
      flags.set(a, v)
    } else if (a.startsWith('-')) return { args, flags, json, bad: `Unknown option ${a}.` }
    else args.push(a)
  }
  return { args, flags, json }
}

export function allCards(store: ModelStore): { cards: ModelCard[]; engine: KontextEngine } {
  const engine = new KontextEngine({ modelDirs: knownModelDirs() })
  const providers = listProviders()
  const stored = store.list()
  // A store model is also in the engine's list (it runs it); its card is the store's.
  const cards = [
    ...engine
      .summaries()
      .filter((m) => !stored.some((e) => e.id === m.id))
      .map((m) => bundledCard(m, folderSize(m.dir), providers)),
    ...stored.map((e) => storeCard(store, e, providers)),
  ]
  return { cards, engine }
}

function cardText(c: ModelCard): string {
  const res = c.resolutions.length === 1 ? `${c.resolutions[0]![0]}×${c.resolutions[0]![1]}` : `${c.resolutions.length} resolutions`
  let s = `${c.id.padEnd(22)} ${c.name} — ${c.status}\n`
  s += `    ${c.purpose}\n`
  s += `    ${res} · ${formatBytes(c.sizeOnDisk)} on disk · ${c.precision} · ${c.licence.name} · providers: ${c.providers.join(', ')}\n`
  s += `    ${c.source}\n`
  if (c.vocabulary) s += `    knows ${c.vocabulary.length} words: ${c.vocabulary.join(' ')}\n`
  for (const p of c.problems) s += `    ! ${p}\n`
  return s
}

function list(store: ModelStore, json: boolean, ctx: CliContext): number {
  const { cards, engine } = allCards(store)
  if (json) {
    ctx.out(JSON.stringify({ ok: true, models: engine.summaries(), problems: engine.problems, cards }) + '\n')
    return EXIT.ok
  }
  if (!cards.length) ctx.out('No models installed.\n')
  for (const c of cards) ctx.out(cardText(c))
  for (const p of engine.problems) ctx.err(`unusable: ${p.dir}: ${p.message}\n`)
  const missing = CATALOGUE.filter((e) => !cards.some((c) => c.id === e.id))
  for (const e of missing) ctx.out(`\nNot installed: ${e.name} — kontext models add ${e.id}\n`)
  return EXIT.ok
}

async function add(store: ModelStore, args: string[], flags: Map<string, string>, json: boolean, ctx: CliContext): Promise<number> {
  const id = args[0]
  const entry = id ? catalogueEntry(id) : undefined
  if (!entry)
    return reportError(
      ctx,
      studioError(
        'cli.usage',
        id ? `No catalogue model “${id}”.` : 'models add needs a model.',
        `Known: ${CATALOGUE.map((e) => e.id).join(', ')}.`,
      ),
      json,
    )
  let token: string | null = null
  try {
    const tokenFile = flags.get('--token-file')
    token = readHubToken(process.env, tokenFile === undefined ? undefined : resolve(ctx.cwd, tokenFile)).token
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.token'), json)
  }
  if (!json) ctx.err(`${entry.licence.sentence}\n  ${entry.licence.url}\n${token ? '' : `${entry.gated}\n`}`)
  const hubUrl = flags.get('--hub-url')
  const access = { ...(hubUrl ? { hubUrl } : {}), accessToken: token }
  let lastFile = -1
  try {
    const plan = await planHubDownload(entry, flags.get('--precision') ?? 'bf16', access)
    const total = plan.files.reduce((s, f) => s + f.size, 0)
    if (!json)
      ctx.err(
        `${entry.name} (${plan.precision}): ${plan.files.length} files, ${formatBytes(total)}, commit ${plan.revision.slice(0, 12)}\n`,
      )
    const dir = await downloadModel(store, entry.id, entry, plan, {
      ...access,
      signal: ctx.signal,
      onCancel: 'keep',
      onProgress: (p) => {
        if (json) return
        if (ctx.isTTY) ctx.err(`\r\x1b[2K${formatProgress(p)}`)
        else if (p.fileIndex !== lastFile && p.phase === 'downloading') {
          lastFile = p.fileIndex
          ctx.err(`${formatProgress(p)}\n`)
        }
      },
    })
    if (ctx.isTTY && !json) ctx.err('\r\x1b[2K')
    if (json)
      ctx.out(JSON.stringify({ ok: true, id: entry.id, dir, revision: plan.revision, files: plan.files.length, bytes: total }) + '\n')
    else ctx.out(`${entry.id}: installed and verified (${plan.files.length} files, ${formatBytes(total)}) in ${dir}\n`)
    return EXIT.ok
  } catch (e) {
    const data = toErrorData(e, 'model.download')
    const hint =
      data.code === 'job.cancelled'
        ? `Stopped; run the same command to resume, or kontext models remove ${entry.id} to delete what was fetched.`
        : data.hint
    // Redacted again here: nothing from a hub error reaches the terminal with the token in it.
    return reportError(ctx, errorData(data.code, redact(data.message, token), hint && redact(hint, token)), json)
  }
}

function importDir(store: ModelStore, args: string[], flags: Map<string, string>, json: boolean, ctx: CliContext): number {
  if (!args[0]) return reportError(ctx, studioError('cli.usage', 'models import needs a folder.', USAGE), json)
  const folder = resolve(ctx.cwd, args[0])
  // The ONNX export is adapted in place (boundary casts, the autoencoder from ae.safetensors).
  if (looksLikeOnnxExport(folder)) return importOnnxExportCommand(folder, flags.get('--provider'), flags.get('--id'), json, ctx)
  try {
    const quantise = flags.get('--quantise')
    if (quantise !== undefined && !isQuantiseMode(quantise))
      return reportError(
        ctx,
        studioError('cli.usage', `--quantise takes ${QUANTISE_MODES.join(' or ')}, not “${quantise.slice(0, 20)}”.`, USAGE),
        json,
      )
    const id = checkModelId(flags.get('--id') ?? linkedIdFor(folder))
    const r = linkFolder(store, id, folder, quantise ? { quantise } : {})
    if (json) ctx.out(JSON.stringify({ ok: true, id, record: r }) + '\n')
    else {
      ctx.out(`${id}: linked in place (nothing copied) — ${folder}\n`)
      for (const [k, c] of Object.entries(r.components)) ctx.out(`  ${k.padEnd(15)} ${c.files.join(', ') || c.layout} ${c.precision}\n`)
      if (r.quantise)
        ctx.out(
          `  quantised: ${quantiseLabel(r.quantise)}, applied when the engine first builds the graphs (the source files are not changed); npm run bench:quantise prints the error it costs on the test twin.\n`,
        )
    }
    return EXIT.ok
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  }
}

async function verify(store: ModelStore, id: string | undefined, json: boolean, ctx: CliContext): Promise<number> {
  if (!id) return reportError(ctx, studioError('cli.usage', 'models verify needs a model id.', USAGE), json)
  try {
    const r = await verifyModel(store, checkModelId(id), ctx.signal)
    if (json) ctx.out(JSON.stringify({ ok: r.problems.length === 0, id, ...r }) + '\n')
    else if (r.problems.length) ctx.out(`${id}: BROKEN\n${r.problems.map((p) => `  - ${p}\n`).join('')}`)
    else ctx.out(`${id}: OK — ${r.files} files, ${formatBytes(r.bytes)}, every size and hash as recorded.\n`)
    return r.problems.length ? EXIT.model : EXIT.ok
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  }
}

function remove(store: ModelStore, id: string | undefined, json: boolean, ctx: CliContext): number {
  if (!id) return reportError(ctx, studioError('cli.usage', 'models remove needs a model id.', USAGE), json)
  try {
    const linked = store.get(checkModelId(id))?.record?.source
    const r = store.remove(id)
    if (json) ctx.out(JSON.stringify({ ok: true, id, removed: r.removed }) + '\n')
    else ctx.out(`${id}: removed${linked?.kind === 'linked' ? ` (the linked folder ${linked.path} was left as it is)` : ''}.\n`)
    return EXIT.ok
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.notFound'), json)
  }
}

/** A one-step generation on the chosen provider: success or the reason, and the time. */
async function testRun(id: string | undefined, flags: Map<string, string>, json: boolean, ctx: CliContext): Promise<number> {
  if (!id) return reportError(ctx, studioError('cli.usage', 'models test needs a model id.', USAGE), json)
  const provider = flags.get('--provider')
  const engine = new KontextEngine({
    modelDirs: knownModelDirs(),
    ...(provider ? { provider } : {}),
    log: (line) => (json ? undefined : ctx.err(`${line}\n`)),
  })
  const ladder = engine.checkProvider()
  if (!ladder.ok) return reportError(ctx, ladder.error, json)
  if (!json) ctx.err(`${id}: one step on ${ladder.value.join(' → ')}…\n`)
  const r = await testRunModel(engine, id, ctx.signal)
  if (json) ctx.out(JSON.stringify(r) + '\n')
  else ctx.out(testRunLine(r) + '\n')
  return r.ok ? EXIT.ok : EXIT.model
}

export async function runStoreCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { args, flags, json, bad } = parse(argv)
  if (bad) return reportError(ctx, studioError('cli.usage', bad, USAGE), json)
  const store = new ModelStore(defaultStoreRoot())
  const [sub, ...rest] = args
  switch (sub) {
    case 'add':
      return add(store, rest, flags, json, ctx)
    case 'import':
      return importDir(store, rest, flags, json, ctx)
    case 'verify':
      return verify(store, rest[0], json, ctx)
    case 'remove':
      return remove(store, rest[0], json, ctx)
    case 'test':
      return testRun(rest[0], flags, json, ctx)
    default:
      return list(store, json, ctx)
  }
}
