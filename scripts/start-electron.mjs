// `npm start`: builds when needed and opens the Electron window. Electron ≥42 fetches its binary
// on first use; where that cannot happen (no network) say so in one sentence, not a stack trace.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { encoding: 'utf8' })
if (probe.status !== 0) {
  console.error(
    'The Electron binary is missing and could not be downloaded: connect to the internet and run `npm start` again ' +
      '(or `npx install-electron`), set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45, or run the same studio in your browser with `npm run serve`.',
  )
  process.exit(1)
}
const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const electron = require('electron')
const child = spawn(electron, ['.', ...process.argv.slice(2)], { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 1))
