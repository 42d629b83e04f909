/**
 * Download progress in the words a user reads: per file and in total, with a speed measured over
 * the last few seconds (not since the start, so a resumed download does not look instantly fast)
 * and the time left at that speed. Pure: the clock is passed in.
 */

export interface DownloadProgress {
  readonly file: string
  readonly fileIndex: number
  readonly fileCount: number
  readonly fileDone: number
  readonly fileSize: number
  readonly totalDone: number
  readonly totalSize: number
  /** Bytes per second over the recent window; null until two samples exist. */
  readonly bytesPerSecond: number | null
  /** Seconds left at that speed; null when the speed is unknown. */
  readonly secondsLeft: number | null
  readonly phase: 'downloading' | 'verifying'
}

const WINDOW_MS = 5000

export class SpeedMeter {
  private samples: { t: number; bytes: number }[] = []

  /** Records that `bytes` have arrived in total (this session) at time `t` (ms). */
  add(t: number, bytes: number): void {
    this.samples.push({ t, bytes })
    while (this.samples.length > 2 && t - this.samples[0]!.t > WINDOW_MS) this.samples.shift()
  }

  bytesPerSecond(): number | null {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (!first || !last || last.t <= first.t) return null
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t)
  }
}

export function secondsLeft(remaining: number, bytesPerSecond: number | null): number | null {
  if (bytesPerSecond === null || bytesPerSecond <= 0) return null
  return remaining / bytesPerSecond
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

export function formatBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${UNITS[u]}`
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** One line: `ae.safetensors 2/9  12.0 MB / 335 MB · total 1.2 GB / 33 GB · 24.1 MB/s · 22 min left`. */
export function formatProgress(p: DownloadProgress): string {
  const speed = p.bytesPerSecond === null ? '' : ` · ${formatBytes(p.bytesPerSecond)}/s`
  const left = p.secondsLeft === null ? '' : ` · ${formatDuration(p.secondsLeft)} left`
  const verb = p.phase === 'verifying' ? 'verifying ' : ''
  return `${verb}${p.file} ${p.fileIndex + 1}/${p.fileCount}  ${formatBytes(p.fileDone)} / ${formatBytes(p.fileSize)} · total ${formatBytes(p.totalDone)} / ${formatBytes(p.totalSize)}${speed}${left}`
}
