import type { Redis } from 'ioredis'
/** What a batch left in --out, as file name → sha256, and the shared prompt and settings. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256Hex } from '../../../engine/batch/plan'

export const PROMPT = 'change the background to white'

export function hashes(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((n) => n.endsWith('.png'))
      .sort()
      .map((n) => [n, sha256Hex(readFileSync(join(dir, n)))]),
  )
}

export interface Summary {
  ok: boolean
  total: number
  done: number
  failed: number
  items: { name: string; key: string; ok: boolean; error?: { code: string; message: string } }[]
}

/** Every key in Redis under a prefix (SCAN, as a user would inspect it). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    out.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return out
}
