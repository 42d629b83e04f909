/** The Redis wire format and the --queue URL: framing across socket chunks, errors as values, TLS and auth from the URL. */
import { describe, expect, it } from 'vitest'
import { decodeText, encodeCommand, ReplyError, ReplyParser } from '../../../../engine/batch/redis/resp'
import { describeEndpoint, parseRedisUrl } from '../../../../engine/batch/redis/redisUrl'

describe('RESP', () => {
  it('encodes commands with binary-safe lengths', () => {
    expect(encodeCommand(['SET', 'k', Buffer.from([0, 13, 10])]).toString('latin1')).toBe(
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\u0000\r\n\r\n',
    )
  })

  it('parses replies split at any byte, in order, with errors as values', () => {
    const wire = Buffer.from('+OK\r\n:42\r\n$5\r\nhe\r\nl\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:7\r\n-ERR wrong\r\n')
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new ReplyParser()
      const got = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))].map(decodeText)
      expect(got.slice(0, 5)).toEqual(['OK', 42, 'he\r\nl', null, ['a', [7]]])
      expect(got[5]).toBeInstanceOf(ReplyError)
      expect((got[5] as ReplyError).message).toBe('ERR wrong')
    }
  })
})

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
