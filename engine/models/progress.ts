/**
 * Download progress in the words a user reads: per file and in total, with a speed measured over
 * the last few seconds (not since the start, so a resumed download does not look instantly fast)
 * and the time left at that speed. Pure: the clock is passed in.
 */

import { formatBytes, formatDuration, type DownloadProgress } from '../../core/domain/modelCards'

export { formatBytes, formatDuration, type DownloadProgress }

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

/** One line: `ae.safetensors 2/9  12.0 MB / 335 MB · total 1.2 GB / 33 GB · 24.1 MB/s · 22 min left`. */
export function formatProgress(p: DownloadProgress): string {
  const speed = p.bytesPerSecond === null ? '' : ` · ${formatBytes(p.bytesPerSecond)}/s`
  const left = p.secondsLeft === null ? '' : ` · ${formatDuration(p.secondsLeft)} left`
  const verb = p.phase === 'verifying' ? 'verifying ' : ''
  return `${verb}${p.file} ${p.fileIndex + 1}/${p.fileCount}  ${formatBytes(p.fileDone)} / ${formatBytes(p.fileSize)} · total ${formatBytes(p.totalDone)} / ${formatBytes(p.totalSize)}${speed}${left}`
}
