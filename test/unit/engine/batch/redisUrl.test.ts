/** The --queue URL: TLS and auth from the URL, the password never in what is shown. */
import { describe, expect, it } from 'vitest'
import { describeEndpoint, parseRedisUrl } from '../../../../engine/batch/redis/redisUrl'

describe('--queue URLs', () => {
  it('take host, port, db, user and password; rediss:// turns TLS on', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/2', {})).toEqual({ ok: true, value: { host: '10.0.0.5', port: 6380, db: 2 } })
    const tls = parseRedisUrl('rediss://worker:s%40cret@redis.example.com', {})
    expect(tls).toEqual({ ok: true, value: { host: 'redis.example.com', port: 6379, username: 'worker', password: 's@cret', tls: {} } })
  })

  it('take the password from $KONTEXT_REDIS_PASSWORD when the URL has none, and never show it', () => {
    const r = parseRedisUrl('redis://queue.local:6379', { KONTEXT_REDIS_PASSWORD: 'hunter2' })
    expect(r.ok && r.value.password).toBe('hunter2')
    expect(r.ok && describeEndpoint(r.value)).toBe('redis://queue.local:6379')
  })

  it('refuse other schemes with a hint', () => {
    expect(parseRedisUrl('http://x', {})).toMatchObject({
      ok: false,
      error: { code: 'cli.usage', hint: expect.stringContaining('rediss://') },
    })
    expect(parseRedisUrl('not a url', {})).toMatchObject({ ok: false })
  })
})
