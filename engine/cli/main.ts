/**
 * `kontext` — the engine headless, for scripts and batch work. Each subcommand is an entry in
 * the table below (a `CliCommand` in its own file); adding one is one line. A command's module
 * is loaded only when it runs (`kontext edit` does not load the model store's Hub client, the
 * Redis queue or the graph builder's CLI), which is part of every call's start-up.
 */
import { fileURLToPath } from 'node:url'
import { safeDisplayText } from '../../core/domain/displayText'
import { EXIT, type CliCommand, type CliContext } from './context'
import { internalErrorLine } from './internalError'

export const commands: Record<string, () => Promise<CliCommand>> = {
  generate: async () => (await import('./generateCommand')).generateCommand,
  edit: async () => (await import('./generateCommand')).editCommand,
  models: async () => (await import('./modelsCommand')).modelsCommand,
  bench: async () => (await import('./benchCommand')).benchCommand,
  batch: async () => (await import('./batchCommand')).batchCommand,
  worker: async () => (await import('./workerCommand')).workerCommand,
  tensors: async () => (await import('./tensorsCommand')).tensorsCommand,
}

async function help(ctx: CliContext): Promise<void> {
  const loaded = await Promise.all(Object.entries(commands).map(async ([name, load]) => [name, await load()] as const))
  const lines = loaded.map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`)
  ctx.out(
    `kontext — in-context image generation and editing\n\n${lines.join('\n')}\n\nExit codes: 0 ok, 1 failed, 2 usage, 3 file (an input image or --out), 4 model, 5 provider, 6 prompt, 130 cancelled.\n`,
  )
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await help(ctx)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const load = commands[name]
  if (!load) {
    ctx.err(
      `kontext: unknown command “${safeDisplayText(name, { maxWord: 40, maxTotal: 60 })}”. Commands: ${Object.keys(commands).join(', ')}.\n`,
    )
    return EXIT.usage
  }
  return (await load()).run(rest, ctx)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  const ctx: CliContext = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    signal: abort.signal,
  }
  main(process.argv.slice(2), ctx).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(internalErrorLine(e, process.env.KONTEXT_DEBUG === '1'))
      process.exitCode = EXIT.failed
    },
  )
}
