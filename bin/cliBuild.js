// How `npx kontext` loads the TypeScript CLI. Running it through tsx costs every call the loader
// hooks and a per-module transform lookup (about 0.3–0.5 s of a 1.5 s `kontext edit` on the
// development machine). So the CLI is bundled once with esbuild (the compiler tsx itself runs
// on) into out/cli-<stamp>/, split per command so `edit` loads only what it uses, and later calls
// import that build while none of its source files has changed (size and mtime of every input,
// from esbuild's metafile). A changed file means a rebuild (a fraction of a second); anything
// that goes wrong — no esbuild, a read-only checkout — falls back to tsx from source, as before.
// KONTEXT_CLI_FROM_SOURCE=1 always runs from source.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const entry = join(root, 'engine', 'cli', 'main.ts')
// Two levels below the root, as engine/cli/ is: modules that find assets/ from their own URL
// (engine/cli/modelDirs.ts, engine/tokenizers/bundled.ts) resolve the same paths from the build.
const outParent = join(root, 'out')
const pointer = join(outParent, 'cli.json')
const BUILD_FORMAT = 1

const stampOf = (path) => {
  const s = statSync(path)
  return `${s.size}:${s.mtimeMs}`
}

/** The build whose inputs are all unchanged, or null. */
function currentBuild() {
  try {
    const p = JSON.parse(readFileSync(pointer, 'utf8'))
    if (p.format !== BUILD_FORMAT) return null
    for (const [file, stamp] of Object.entries(p.inputs)) if (stampOf(join(root, file)) !== stamp) return null
    const main = join(outParent, p.dir, 'main.js')
    return existsSync(main) ? main : null
  } catch {
    return null
  }
}

async function rebuild() {
  const esbuild = await import('esbuild')
  const tmp = join(outParent, `cli-tmp-${process.pid}-${Date.now()}`)
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: entry },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: tmp,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  })
  const inputs = {}
  for (const file of Object.keys(result.metafile.inputs)) inputs[file] = stampOf(join(root, file))
  const dir = `cli-${createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16)}`
  try {
    renameSync(tmp, join(outParent, dir))
  } catch {
    rmSync(tmp, { recursive: true, force: true }) // another process made the same build first
  }
  const next = `${pointer}.${process.pid}`
  writeFileSync(next, JSON.stringify({ format: BUILD_FORMAT, dir, inputs }))
  renameSync(next, pointer)
  removeOldBuilds(dir)
  return join(outParent, dir, 'main.js')
}

/** Older builds, once nothing started in the last hour can still be loading chunks from them. */
function removeOldBuilds(keep) {
  for (const name of readdirSync(outParent)) {
    if (!name.startsWith('cli-') || name === keep) continue
    const path = join(outParent, name)
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true })
  }
}

/** The CLI's module (`main` and the command table): from the build when possible, else from source. */
export async function loadCli() {
  if (process.env.KONTEXT_CLI_FROM_SOURCE !== '1') {
    try {
      mkdirSync(outParent, { recursive: true })
      const main = currentBuild() ?? (await rebuild())
      process.setSourceMapsEnabled(true) // stack traces name the TypeScript files
      return await import(pathToFileURL(main).href)
    } catch {
      // fall through: run from source
    }
  }
  const { register } = await import('tsx/esm/api')
  register()
  return import(pathToFileURL(entry).href)
}
