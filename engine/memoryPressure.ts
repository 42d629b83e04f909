/**
 * When to give session memory back between jobs. ONNX Runtime's CPU arena keeps its peak, and a
 * FLUX-class model holds tens of GB, so an idle engine on a machine that is short of memory frees
 * its sessions (they are recreated lazily by the next job, at the cost of a reload).
 */
export interface MemoryReading {
  readonly freeBytes: number
  readonly totalBytes: number
  readonly rssBytes: number
}

/** Free memory below this share of the total counts as pressure. */
export const LOW_FREE_SHARE = 0.1

export function shouldReleaseSessions(m: MemoryReading, rssLimitBytes = Infinity): boolean {
  return m.freeBytes < m.totalBytes * LOW_FREE_SHARE || m.rssBytes > rssLimitBytes
}
