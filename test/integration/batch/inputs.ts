/** Tiny distinct product shots for batch tests: 64×64 PNGs, each a different colour and square. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'

export async function writeInputs(dir: string, count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true })
  const names: string[] = []
  for (let i = 0; i < count; i++) {
    const square = await sharp({
      create: { width: 16, height: 16, channels: 3, background: { r: 255 - (i % 7) * 30, g: 200, b: (i * 11) % 256 } },
    })
      .png()
      .toBuffer()
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: (i * 37) % 256, g: (i * 59) % 256, b: (i * 83) % 256 } },
    })
      .composite([{ input: square, left: 4 + (i % 40), top: 4 + ((i * 3) % 40) }])
      .png()
      .toBuffer()
    const name = `shot-${String(i).padStart(4, '0')}.png`
    writeFileSync(join(dir, name), png)
    names.push(name)
  }
  return names
}
