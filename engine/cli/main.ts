/**
 * `kontext` — the engine headless, for scripts and batch work. Each subcommand is an entry in
 * the table below (a `CliCommand` in its own file); adding one is one import and one line.
 */
import { fileURLToPath } from 'node:url'
import { safeDisplayText } from '../../core/displayText'
import { EXIT, type CliCommand, type CliContext } from './context'
import { internalErrorLine } from './internalError'
import { batchCommand } from './batchCommand'
import { benchCommand } from './benchCommand'
import { editCommand, generateCommand } from './generateCommand'
import { modelsCommand } from './modelsCommand'
import { workerCommand } from './workerCommand'
import { tensorsCommand } from './tensorsCommand'

export const commands: Record<string, CliCommand> = {
  generate: generateCommand,
  edit: editCommand,
  models: modelsCommand,
  bench: benchCommand,
  batch: batchCommand,
  worker: workerCommand,
  tensors: tensorsCommand,
}

function help(ctx: CliContext): void {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`)
  ctx.out(
    `kontext — in-context image generation and editing\n\n${lines.join('\n')}\n\nExit codes: 0 ok, 1 failed, 2 usage, 3 file (an input image or --out), 4 model, 5 provider, 6 prompt, 130 cancelled.\n`,
  )
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(ctx)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = commands[name]
  if (!command) {
    ctx.err(
      `kontext: unknown command “${safeDisplayText(name, { maxWord: 40, maxTotal: 60 })}”. Commands: ${Object.keys(commands).join(', ')}.\n`,
    )
    return EXIT.usage
  }
  return command.run(rest, ctx)
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
