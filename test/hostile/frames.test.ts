/**
 * Hostile frames on an open WebSocket: a JSON header too big, too wide or too deep is refused
 * from its length prefix or a scan, before any parsing, with close code 1009; the sender alone is
 * dropped and every other client is still answered. A valid request as large as the contract
 * allows still goes through.
 */
import { connect } from 'node:net'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeFrame } from '../../core/contract/wireCodec'
import type { TestClient } from '../integration/host/wsClient'
import { connectClient, expectServing, startHostileHost, upgradeRequest, type HostileHost } from './hostileHost'

let host: HostileHost
let bystander: TestClient
beforeAll(async () => {
  host = await startHostileHost(null)
  bystander = await connectClient(host)
})
afterAll(async () => {
  bystander?.close()
  await host?.stop()
})

/** A frame whose header is the given JSON text, exactly as a hostile client would write it. */
function rawFrame(headerJson: string, attachments = new Uint8Array(0)): Uint8Array {
  const header = new TextEncoder().encode(headerJson)
  const frame = new Uint8Array(4 + header.byteLength + attachments.byteLength)
  new DataView(frame.buffer).setUint32(0, header.byteLength, true)
  frame.set(header, 4)
  frame.set(attachments, 4 + header.byteLength)
  return frame
}

const request = (params: string): string => `{"type":"request","id":1,"name":"getProject","params":${params}}`

/** Sends one frame from a fresh connection; resolves with how the host closed it, or its answer. */
async function sendFromRogue(frame: Uint8Array): Promise<{ code: number; reason: string } | { answered: unknown }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => {
      resolve({ answered: data.byteLength })
      ws.close()
    })
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    ws.send(frame)
  })
}

describe('a request header beyond the limits', () => {
  it('of 12 MB (empty objects) is refused from its length prefix, and the others are answered', async () => {
    const big = request(`[${'{},'.repeat(4_000_000)}{}]`)
    const closed = sendFromRogue(rawFrame(big))
    // A bystander's request sent alongside the rogue frame is answered.
    const answer = bystander.request('getProject', {})
    expect(await closed).toEqual({ code: 1009, reason: expect.stringContaining('over the limit') })
    expect((await answer).nodes[host.imported.nodeId]).toBeDefined()
    await expectServing(host)
  })
  it('whose length prefix claims 4 GiB in a short frame is refused as malformed, without waiting for more', async () => {
    const frame = rawFrame(request('{}'))
    new DataView(frame.buffer).setUint32(0, 0xffffffff, true)
    expect(await sendFromRogue(frame)).toMatchObject({ code: 1007 })
    await expectServing(host)
  })
  it('of 3 MB but 1.5 million values is refused by the scan, not parsed', async () => {
    expect(await sendFromRogue(rawFrame(request(`[${'0,'.repeat(1_500_000)}0]`)))).toEqual({
      code: 1009,
      reason: expect.stringContaining('values'),
    })
    await expectServing(host)
  })
  it('nested 10,000 deep is refused by the scan', async () => {
    expect(await sendFromRogue(rawFrame(request(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)))).toEqual({
      code: 1009,
      reason: expect.stringContaining('deeper'),
    })
    await expectServing(host)
  })
  it('brackets and commas inside strings are not counted: a 3 MB string is a single value', async () => {
    const text = JSON.stringify('[{,:}]'.repeat(500_000))
    expect(await sendFromRogue(rawFrame(request(`{"note":${text}}`)))).toEqual({ answered: expect.any(Number) })
    await expectServing(host)
  })
})

describe('the WebSocket payload limit', () => {
  it('a frame whose WebSocket length field claims 300 MB is refused with 1009 from its first bytes', async () => {
    // Upgrade by hand, then write only a frame head: no client library would send this.
    const socket = connect(host.port, '127.0.0.1')
    let received = Buffer.alloc(0)
    let upgraded = false
    const closeFrame = new Promise<Buffer>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return
        if (!upgraded) {
          upgraded = true
          if (!received.toString('latin1').startsWith('HTTP/1.1 101')) return resolve(Buffer.alloc(0))
          const head = Buffer.alloc(14)
          head[0] = 0x82 // FIN, binary
          head[1] = 0x80 | 127 // masked, 64-bit length follows
          head.writeBigUInt64BE(300_000_000n, 2)
          socket.write(head) // the 4 mask bytes are zero; no payload follows
        }
        const frames = received.subarray(end + 4)
        if (frames.length >= 4) resolve(frames)
      })
    })
    socket.write(upgradeRequest('/ws'))
    const frame = await closeFrame
    socket.destroy()
    expect(frame[0]).toBe(0x88) // a close frame
    expect(frame.readUInt16BE(2)).toBe(1009)
    await expectServing(host)
  })
})

describe('frames that are not frames', () => {
  const cases: [string, Uint8Array][] = [
    ['invalid UTF-8 in the header', withHeaderBytes([0x22, 0xc3, 0x28, 0x22])],
    ['a header that is not JSON', rawFrame('{"type":"request",')],
    ['a JSON header that is not a request', rawFrame('[1,2,3]')],
    ['a binary reference past the end', rawFrame('{"type":"request","id":1,"name":"importImage","params":{"bytes":{"$bin":[0,99]}}}')],
    ['a negative binary reference', rawFrame('{"type":"request","id":1,"name":"importImage","params":{"bytes":{"$bin":[-1,1]}}}')],
    ['three bytes', new Uint8Array([1, 0, 0])],
  ]
  for (const [what, frame] of cases) {
    it(`${what}: the sender is dropped with 1007, the others served`, async () => {
      expect(await sendFromRogue(frame)).toMatchObject({ code: 1007 })
      expect((await bystander.request('getProject', {})).project).toBeDefined()
    })
  }
})

it('a text message is refused with 1003 (binary frames only), the others served', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  ws.send(request('{}'))
  expect(await closed).toBe(1003)
  expect((await bystander.request('getProject', {})).project).toBeDefined()
})

function withHeaderBytes(bytes: number[]): Uint8Array {
  const frame = new Uint8Array(4 + bytes.length)
  new DataView(frame.buffer).setUint32(0, bytes.length, true)
  frame.set(bytes, 4)
  return frame
}

describe('the largest request the contract allows', () => {
  it('passes the transport: 200 text layers of 5,000 characters reach validation and are answered', async () => {
    const layers = Array.from({ length: 200 }, (_, i) => ({
      id: `layer${i}`,
      name: 'n'.repeat(200),
      visible: true,
      locked: false,
      opacity: 1,
      transform: { x: 0, y: 0, scaleX: 1, scaleY: 1, rotation: 0 },
      kind: 'text' as const,
      text: '語'.repeat(5000),
      fontSize: 12,
      color: '#ffffff',
    }))
    const document = { nodeId: host.imported.nodeId, width: 8, height: 8, layers }
    const frame = encodeFrame({ type: 'request', id: 7, name: 'saveLayers', params: { document } })
    expect(frame.byteLength).toBeGreaterThan(3_000_000)
    const client = await connectClient(host)
    try {
      await client.request('saveLayers', { document })
      const saved = (await client.request('getProject', {})).layers[host.imported.nodeId]
      expect(saved?.layers).toHaveLength(200)
    } finally {
      client.close()
    }
  })
})
