/**
 * Where the Batch panel sends a batch: the studio's own queue, or `kontext worker`s through a
 * Redis queue. Kept in memory for this window only (never saved): the URL may carry a password.
 */
import { reactive } from 'vue'

export const batchQueue = reactive({ onWorkers: false, url: '', password: '', workers: 1 })

/**
 * The queue for a request (the password put into the URL), or undefined for the studio's queue;
 * `always`: for a batch already on workers, whether or not a new one would be.
 */
export function queueParam(always = false): { url: string } | undefined {
  if (!(always || batchQueue.onWorkers) || batchQueue.url.trim() === '') return undefined
  if (!batchQueue.password) return { url: batchQueue.url.trim() }
  try {
    const u = new URL(batchQueue.url.trim())
    u.password = batchQueue.password
    return { url: u.toString() }
  } catch {
    // The host refuses it with a message that says what a queue URL looks like.
    return { url: batchQueue.url.trim() }
  }
}

/** The server as the plan shows it: never the user name or password. */
export function queueShown(): string {
  try {
    const u = new URL(batchQueue.url.trim())
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`
  } catch {
    return 'not a redis:// URL'
  }
}
