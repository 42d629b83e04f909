/**
 * `--queue redis://[user:password@]host:port[/db]` or `rediss://…` (TLS) → a connection
 * endpoint. The password may instead come from $KONTEXT_REDIS_PASSWORD, so it stays out of
 * process listings and shell history. Messages name the server, never the password.
 */
import { studioError, type Result, err, ok } from '../../../core/result'
import type { ConnectionOptions as TlsOptions } from 'node:tls'

/** Where the queue lives, as ioredis and BullMQ take it. */
export interface RedisEndpoint {
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
  readonly db?: number
  /** TLS options (rediss://); the server's certificate is verified. */
  readonly tls?: TlsOptions
}

export function parseRedisUrl(raw: string, env: NodeJS.ProcessEnv = process.env): Result<RedisEndpoint> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return err(studioError('cli.usage', '--queue is not a URL.', 'Use redis://HOST:PORT or rediss://HOST:PORT (TLS).'))
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return err(
      studioError(
        'cli.usage',
        `--queue must be a redis:// or rediss:// URL, not ${url.protocol}//.`,
        'Use redis://HOST:PORT or rediss://HOST:PORT (TLS).',
      ),
    )
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0
  if (!Number.isSafeInteger(db) || db < 0) return err(studioError('cli.usage', '--queue: the database after the “/” must be a number.'))
  const password = url.password ? decodeURIComponent(url.password) : env.KONTEXT_REDIS_PASSWORD
  const username = url.username ? decodeURIComponent(url.username) : undefined
  return ok({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(db ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  })
}

/** The URL without its credentials, for messages and logs. */
export const describeEndpoint = (e: RedisEndpoint): string => `${e.tls ? 'rediss' : 'redis'}://${e.host}:${e.port}${e.db ? `/${e.db}` : ''}`
