#!/usr/bin/env node
// `npx kontext …`: loads the TypeScript CLI (a cached esbuild bundle of it, or through tsx from
// source: bin/cliBuild.js says when which) and hands over to it.
import { loadCli } from './cliBuild.js'

const { main } = await loadCli()
const abort = new AbortController()
process.once('SIGINT', () => abort.abort())
process.exitCode = await main(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
  signal: abort.signal,
})
