// gifenc ships no types; these cover the part of its API the animatic export uses
// (https://github.com/mattdesl/gifenc#api).
declare module 'gifenc' {
  export type Palette = number[][]
  export interface GifWriteFrameOptions {
    palette?: Palette
    delay?: number
    repeat?: number
    transparent?: boolean
    dispose?: number
  }
  export interface GifEncoderInstance {
    writeFrame(index: Uint8Array, width: number, height: number, options?: GifWriteFrameOptions): void
    finish(): void
    bytes(): Uint8Array
  }
  export function GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): GifEncoderInstance
  export function quantize(
    rgba: Uint8Array | Uint8ClampedArray,
    maxColors: number,
    options?: { format?: 'rgb565' | 'rgb444' | 'rgba4444' },
  ): Palette
  export function applyPalette(
    rgba: Uint8Array | Uint8ClampedArray,
    palette: Palette,
    format?: 'rgb565' | 'rgb444' | 'rgba4444',
  ): Uint8Array
}
