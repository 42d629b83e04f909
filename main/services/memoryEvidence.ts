/**
 * Evidence that memory ran out, for telling an out-of-memory kill from another SIGKILL (see
 * engineExit.ts): the cgroup v2 `oom_kill` counter of the host's cgroup (the engine child lives
 * in it), and free memory as a share of the total, sampled while a job runs.
 */
import { readFileSync } from 'node:fs'
import { freemem, totalmem } from 'node:os'
export { LOW_FREE_SHARE } from '../../engine/memoryPressure'

/** The cgroup's OOM kills so far, or null where there is no cgroup v2 (macOS, Windows, v1). */
export function oomKillCount(): number | null {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'))
    if (!line) return null
    const dir = line.slice(3).trim()
    // Only the counter is read: the path comes from the kernel, confined under the cgroup mount.
    if (dir.includes('..')) return null
    const events = readFileSync(`/sys/fs/cgroup${dir === '/' ? '' : dir}/memory.events`, 'utf8')
    const match = /^oom_kill (\d+)$/m.exec(events)
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

export const freeMemoryShare = (): number => freemem() / totalmem()
