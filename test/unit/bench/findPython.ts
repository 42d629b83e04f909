/**
 * Finds a Python interpreter that can import the given modules: `python3` on PATH first, then
 * the system's /usr/bin/python3 (Debian's python3-torch lives there while PATH may point at another).
 * Returns null with the reason when none can.
 */
import { spawnSync } from 'node:child_process'

const CANDIDATES = ['python3', '/usr/bin/python3']

export function findPython(modules: readonly string[]): { python: string | null; why: string } {
  const code = modules.map((m) => `import ${m}`).join('; ')
  for (const python of CANDIDATES) {
    const r = spawnSync(python, ['-c', code], { stdio: 'ignore', timeout: 60_000 })
    if (r.status === 0) return { python, why: '' }
  }
  return { python: null, why: `no Python among ${CANDIDATES.join(', ')} imports ${modules.join(', ')}` }
}
