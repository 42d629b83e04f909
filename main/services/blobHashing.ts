import { createHash } from 'node:crypto'
import { asBlobHash, type BlobHash } from '../../core/ids'

export const sha256 = (bytes: Uint8Array): BlobHash => asBlobHash(createHash('sha256').update(bytes).digest('hex'))
