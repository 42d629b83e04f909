/** A KontextBench-mini-like test scene: navy background, a red circle and a yellow square, 128×96. */
import sharp from 'sharp'

export async function scene(): Promise<Uint8Array> {
  const circle = Buffer.from('<svg width="30" height="30"><circle cx="15" cy="15" r="14" fill="rgb(235,40,40)"/></svg>')
  const square = Buffer.from('<svg width="24" height="24"><rect width="24" height="24" fill="rgb(250,225,40)"/></svg>')
  return new Uint8Array(
    await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 20, g: 20, b: 120 } } })
      .composite([
        { input: circle, left: 20, top: 15 },
        { input: square, left: 80, top: 50 },
      ])
      .png()
      .toBuffer(),
  )
}
