/**
 * Inputs and results in Redis, content-addressed: `kontext:blob:<sha256>` holds an input or
 * reference image, `kontext:result:<key>` a result PNG. A result is written with SET NX, so under
 * one key there is only ever one result, however many times a job runs. Both expire (default
 * 7 days) so a finished batch does not hold Redis memory forever.
 */
import { BlobHash } from './plan'
import type { Redis } from 'ioredis'

export const BLOB_PREFIX = 'kontext:blob:'
export const RESULT_PREFIX = 'kontext:result:'
export const DEFAULT_TTL_S = 7 * 24 * 3600

const checked = (hash: string): string => BlobHash.parse(hash)

export class RedisBlobStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlS = DEFAULT_TTL_S,
  ) {}

  /** Uploads unless present (then only its expiry is renewed). */
  async putBlob(hash: string, bytes: Uint8Array): Promise<void> {
    const key = BLOB_PREFIX + checked(hash)
    if ((await this.redis.expire(key, this.ttlS)) === 1) return
    await this.redis.set(key, Buffer.from(bytes), 'EX', this.ttlS)
  }

  async getBlob(hash: string): Promise<Buffer | null> {
    return this.redis.getBuffer(BLOB_PREFIX + checked(hash))
  }

  /** True when this call stored the result; false when one was already there (a duplicate run). */
  async putResult(key: string, png: Uint8Array): Promise<boolean> {
    return (await this.redis.set(RESULT_PREFIX + checked(key), Buffer.from(png), 'EX', this.ttlS, 'NX')) === 'OK'
  }

  async getResult(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(RESULT_PREFIX + checked(key))
  }

  /** Which of these keys have a result, in one round trip. */
  async haveResults(keys: readonly string[]): Promise<boolean[]> {
    if (keys.length === 0) return []
    const replies = await Promise.all(keys.map((k) => this.redis.exists(RESULT_PREFIX + checked(k))))
    return replies.map((r) => r === 1)
  }
}
