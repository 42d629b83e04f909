/** `npm run serve` builds the renderer when its output is missing or older than its sources. */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const full = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs)
  }
  return newest
}

export function rendererIsStale(appRoot: string): boolean {
  const built = join(appRoot, 'out', 'renderer', 'index.html')
  if (!existsSync(built)) return true
  const sources = Math.max(newestMtime(join(appRoot, 'renderer')), newestMtime(join(appRoot, 'core')))
  return sources > statSync(built).mtimeMs
}

export function buildRenderer(appRoot: string, log: (line: string) => void): void {
  log('Building the studio (electron-vite build)…')
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: appRoot, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error('The build failed; the messages above say why. Fix them and run `npm run serve` again.')
}
