/**
 * `kontext batch --region background` on small product cut-outs with the bundled kontext-tiny: the
 * product (every opaque pixel) comes back byte for byte, the transparent background is edited,
 * the result keys differ from the whole-image batch's, a photo with no transparency fails by
 * itself with the reason, and the same batch through Redis workers gives the same bytes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../fixtures/engine/runCli'
import { hashes, PROMPT, type Summary } from './outputs'
import { startRedis, type TestRedis } from './redisServer'
import { spawnWorker } from './workers'

const GUARD_MS = 10 * 60_000
const SIZE = 64
const dir = mkdtempSync(join(tmpdir(), 'kontext-region-batch-'))
const cutOuts = join(dir, 'cutouts')
const mixed = join(dir, 'mixed')
const NAMES = ['bottle.png', 'mug.png', 'shoe.png']

/** A product-like cut-out: an opaque coloured block (with a darker band) on a fully transparent background. */
async function cutOut(i: number): Promise<Uint8Array> {
  const data = new Uint8Array(SIZE * SIZE * 4)
  const x0 = 14 + i * 4
  const y0 = 10 + i * 3
  for (let y = y0; y < y0 + 30; y++)
    for (let x = x0; x < x0 + 22 - i * 3; x++) data.set([180 - i * 40, 60 + i * 50, 90, 255], (y * SIZE + x) * 4)
  for (let x = x0; x < x0 + 10; x++) data.set([20, 20, 20, 255], ((y0 + 5) * SIZE + x) * 4)
  return new Uint8Array(
    await sharp(data, { raw: { width: SIZE, height: SIZE, channels: 4 } })
      .png()
      .toBuffer(),
  )
}

const rgba = async (path: string) => new Uint8Array(await sharp(path).ensureAlpha().raw().toBuffer())
const batch = (input: string, out: string, ...extra: string[]) =>
  runCli(dir, 'batch', '--in', input, '--prompt', PROMPT, '--out', join(dir, out), '--steps', '2', '--provider', 'cpu', '--json', ...extra)

let whole: Summary
let region: Summary
beforeAll(async () => {
  mkdirSync(cutOuts)
  mkdirSync(mixed)
  for (const [i, name] of NAMES.entries()) writeFileSync(join(cutOuts, name), await cutOut(i))
  for (const name of NAMES) copyFileSync(join(cutOuts, name), join(mixed, name))
  writeFileSync(
    join(mixed, 'studio-shot.jpg'),
    await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#8899aa' } })
      .jpeg()
      .toBuffer(),
  )
  const w = await batch(cutOuts, 'whole')
  expect(w.code, w.err).toBe(0)
  whole = JSON.parse(w.out) as Summary
  const r = await batch(cutOuts, 'region', '--region', 'background')
  expect(r.code, r.err).toBe(0)
  region = JSON.parse(r.out) as Summary
}, GUARD_MS)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('kontext batch --region background', () => {
  it('keeps every pixel of the product byte-identical and edits the transparent background', async () => {
    expect(region).toMatchObject({ ok: true, total: 3, done: 3, failed: 0 })
    expect(readdirSync(join(dir, 'region')).sort()).toEqual(NAMES)
    for (const name of NAMES) {
      const before = await rgba(join(cutOuts, name))
      const after = await rgba(join(dir, 'region', name))
      expect(after.length).toBe(before.length)
      let product = 0
      let background = 0
      let edited = 0
      for (let p = 0; p < SIZE * SIZE; p++) {
        if ((before[p * 4 + 3] as number) >= 128) {
          product++
          for (let c = 0; c < 4; c++) expect(after[p * 4 + c], `${name} pixel ${p} channel ${c}`).toBe(before[p * 4 + c])
        } else {
          background++
          if ([0, 1, 2, 3].some((c) => after[p * 4 + c] !== before[p * 4 + c])) edited++
        }
      }
      expect(product).toBeGreaterThan(300)
      // The feather leaves a thin seam at the product's edge; the background beyond it is the edit's.
      expect(edited / background).toBeGreaterThan(0.9)
    }
  })

  it('keys each result with its mask, so the whole-image results are not reused', () => {
    expect(whole).toMatchObject({ ok: true, done: 3 })
    for (const name of NAMES) {
      const a = whole.items.find((i) => i.name === name)
      const b = region.items.find((i) => i.name === name)
      expect(b?.key).toMatch(/^[0-9a-f]{64}$/)
      expect(b?.key).not.toBe(a?.key)
    }
    const w = hashes(join(dir, 'whole'))
    const r = hashes(join(dir, 'region'))
    for (const name of NAMES) expect(r.get(name)).not.toBe(w.get(name))
  })

  it('fails a photo with no transparency by itself, with the reason, and runs the others', async () => {
    const r = await batch(mixed, 'mixed', '--region', 'background')
    expect(r.code).toBe(1)
    const s = JSON.parse(r.out) as Summary
    expect(s).toMatchObject({ ok: false, total: 4, done: 3, failed: 1 })
    const refused = s.items.find((i) => i.name === 'studio-shot.jpg')
    expect(refused?.error?.code).toBe('region.noTransparency')
    expect(refused?.error?.message).toContain('studio-shot.jpg')
    expect(hashes(join(dir, 'mixed'))).toEqual(hashes(join(dir, 'region')))
  })

  it('refuses a region preset it does not know, naming the ones it does', async () => {
    const r = await batch(cutOuts, 'nothing', '--region', 'sky')
    expect(r.code).not.toBe(0)
    expect(r.out + r.err).toContain('background')
  })
})

describe('kontext batch --region background --queue', () => {
  let redis: TestRedis
  afterAll(async () => redis?.stop())

  it(
    'gives a worker the mask with each job: the same bytes as the batch run in one process',
    async () => {
      redis = await startRedis()
      const worker = spawnWorker(redis.url)
      try {
        await worker.until((e) => e.event === 'ready')
        const q = await batch(cutOuts, 'queued', '--region', 'background', '--queue', redis.url)
        expect(q.code, q.err).toBe(0)
        const s = JSON.parse(q.out) as Summary
        expect(s.items.map((i) => i.key)).toEqual(region.items.map((i) => i.key))
        expect(hashes(join(dir, 'queued'))).toEqual(hashes(join(dir, 'region')))
        expect(worker.events.filter((e) => e.event === 'stored')).toHaveLength(3)
      } finally {
        await worker.stop()
      }
    },
    GUARD_MS,
  )
})
