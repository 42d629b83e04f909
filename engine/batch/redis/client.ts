/**
 * Redis connections for the batch queue: ioredis (the driver BullMQ is built and tested on),
 * from the endpoint `--queue` named. `probe` answers once, quickly, whether the server can be
 * reached and accepts the credentials, so a wrong URL or password ends a command at once with
 * Redis's reason instead of retrying forever.
 */
import { Redis } from 'ioredis'
import type { RedisEndpoint } from './redisUrl'

export function openRedis(endpoint: RedisEndpoint): Redis {
  const r = new Redis({ ...endpoint, lazyConnect: true, maxRetriesPerRequest: null })
  // ioredis reconnects by itself (a Redis restart must not end a batch); BullMQ reports outages.
  r.on('error', () => undefined)
  return r
}

/** null when the server answers PING with these credentials; else why not (never the password). */
export async function probe(endpoint: RedisEndpoint): Promise<string | null> {
  const r = new Redis({ ...endpoint, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  // A refused AUTH arrives as an 'error' event before connect() fails with a bare "closed".
  let reason: string | null = null
  r.on('error', (e: Error) => (reason ??= e.message))
  try {
    await r.connect()
    await r.ping()
    return null
  } catch (e) {
    return reason ?? (e instanceof Error ? e.message : String(e))
  } finally {
    r.disconnect()
  }
}
