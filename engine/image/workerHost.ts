/**
 * The image worker: the one process that decodes user images (sharp, through imageIo.ts). Runs
 * as an Electron utilityProcess child (messages on `process.parentPort`) or a Node
 * `child_process.fork` child; the host only moves bytes to it and stores what it answers. A
 * decoder crash ends this process, never the studio: the host fails that request and starts a
 * new worker for the next one. Requests are independent and answered by id as each finishes.
 */
import { studioError, toErrorData, type StudioErrorData } from '../../core/result'
import { measureDrift } from './drift'
import { encodeForExport, fitPng, makeThumbnail, toRgbaFitted } from './imageIo'
import { ingestImage } from './ingest'
import { addPngText } from './pngText'
import { makeRegionMask } from './regionMask'
import { workerRequestSchema, type WorkerReply, type WorkerRequest } from './workerProtocol'
import { parentTransport } from '../childTransport'

const port = parentTransport<WorkerReply>('engine/image/workerHost.ts')
const fail = (id: number | null, error: StudioErrorData): void => port.send({ type: 'error', id, error })

async function handle(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case 'ping':
      return port.send({ type: 'pong', id: req.id })
    case 'ingest': {
      const done = await ingestImage(req.bytes, req.fileName)
      if (!done.ok) return fail(req.id, done.error)
      const { meta, png, sourceFormat, text } = done.value
      return port.send({ type: 'ingested', id: req.id, meta: { ...meta, format: 'png' }, png, sourceFormat, text })
    }
    case 'thumbnail': {
      const bytes = await makeThumbnail(req.png, req.size)
      return port.send({ type: 'encoded', id: req.id, bytes, width: req.size, height: req.size })
    }
    case 'export': {
      const encoded = await encodeForExport(req.image, req.format, req.scale)
      if (!encoded.ok) return fail(req.id, encoded.error)
      const bytes = req.format === 'png' && req.text ? addPngText(encoded.value.bytes, req.text) : encoded.value.bytes
      return port.send({ type: 'encoded', id: req.id, bytes, width: encoded.value.width, height: encoded.value.height })
    }
    case 'fit': {
      const bytes = await fitPng(req.png, req.maxSide)
      return port.send({ type: 'encoded', id: req.id, bytes, width: req.maxSide, height: req.maxSide })
    }
    case 'rgbaFitted': {
      const data = await toRgbaFitted(req.image, req.width, req.height, req.background)
      return port.send({ type: 'rgba', id: req.id, data, width: req.width, height: req.height })
    }
    case 'drift':
      return port.send({ type: 'drift', id: req.id, value: await measureDrift(req.image, req.other, req.mask) })
    case 'regionMask': {
      const made = await makeRegionMask(req.image, req.preset)
      if (!made.ok) return fail(req.id, made.error)
      return port.send({ type: 'encoded', id: req.id, bytes: made.value.png, width: made.value.width, height: made.value.height })
    }
  }
}

port.onMessage((raw) => {
  const parsed = workerRequestSchema.safeParse(raw)
  if (!parsed.success) {
    // Answer the request it was (when its id is readable), so the caller never waits.
    const id =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : null
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    return fail(
      id,
      studioError('image.badMessage', `The image worker received a malformed message: ${where}${issue?.message ?? 'unknown'}.`),
    )
  }
  const id = parsed.data.id
  // A stored image sharp cannot read (damaged blob) fails its request with a sentence, not the process.
  void handle(parsed.data).catch((e: unknown) => fail(id, toErrorData(e, 'image.failed')))
})

port.send({ type: 'ready', pid: process.pid })

// A forked child whose parent is gone has no one to serve (Electron ends utility processes itself).
process.on('disconnect', () => process.exit(0))
