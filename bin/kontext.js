#!/usr/bin/env node
// `npx kontext …`: registers tsx so the TypeScript CLI runs from source, then hands over to it.
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const cli = fileURLToPath(new URL('../engine/cli/main.ts', import.meta.url))
const { main } = await import(cli)
const abort = new AbortController()
process.once('SIGINT', () => abort.abort())
process.exitCode = await main(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
  signal: abort.signal,
})
