/**
 * Branded identifiers. A NodeId can never be passed where a FrameId is expected, even though both
 * are strings on the wire. Minting happens at the edges (host, renderer store); core only checks.
 */
export type NodeId = string & { readonly __brand: 'NodeId' }
export type FrameId = string & { readonly __brand: 'FrameId' }
export type JobId = string & { readonly __brand: 'JobId' }
export type LayerId = string & { readonly __brand: 'LayerId' }
/** sha256 of the stored bytes, lower-case hex: images are content-addressed. */
export type BlobHash = string & { readonly __brand: 'BlobHash' }

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
const HASH_PATTERN = /^[0-9a-f]{64}$/

/**
 * Minted ids are 16 letters and digits; a received one is refused when it names a member of
 * Object.prototype ("toString", "constructor", "__proto__"), which a record lookup would find.
 */
export const isId = (value: string): boolean => ID_PATTERN.test(value) && !(value in Object.prototype)
export const isBlobHash = (value: string): value is BlobHash => HASH_PATTERN.test(value)

export const asNodeId = (value: string): NodeId => value as NodeId
export const asFrameId = (value: string): FrameId => value as FrameId
export const asJobId = (value: string): JobId => value as JobId
export const asLayerId = (value: string): LayerId => value as LayerId
export const asBlobHash = (value: string): BlobHash => value as BlobHash

/** Ids are minted by the shell with a random source it passes in (tests pass a counter). */
export function createId(randomBytes: (n: number) => Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')
}
