/** The host's only sources of time and randomness, injectable so services are testable. */
import { randomBytes } from 'node:crypto'
import { createId } from '../../core/ids'

export interface HostClock {
  now(): number
  newId(): string
  newSeed(): number
}

export const systemClock: HostClock = {
  now: () => Date.now(),
  newId: () => createId((n) => randomBytes(n)),
  newSeed: () => randomBytes(4).readUInt32LE(0),
}
