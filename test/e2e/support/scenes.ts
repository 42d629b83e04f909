/** KontextBench-mini-style scenes (64×64, 16-px cells) the bundled model understands. */
import sharp from 'sharp'

export async function navySceneWithRedCircle(): Promise<Uint8Array> {
  const circle = Buffer.from('<svg width="16" height="16"><circle cx="8" cy="8" r="7" fill="rgb(235,40,40)"/></svg>')
  return new Uint8Array(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 20, g: 20, b: 120 } } })
      .composite([{ input: circle, left: 16, top: 16 }])
      .png()
      .toBuffer(),
  )
}
