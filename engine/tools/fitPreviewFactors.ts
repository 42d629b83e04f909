/**
 * Fits the linear latent→RGB preview factors of a model (manifest `latent.previewRgb`) by least
 * squares over golden (context image, context latent) pairs: each latent pixel's channels predict
 * the mean colour of the image block it covers. Usage: `tsx engine/tools/fitPreviewFactors.ts <golden dir>`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { unpackTokens } from '../math/packing'

interface GoldenCase {
  context_image?: { file: string; shape: number[] }
  context_latent?: { file: string; shape: number[] }
}

const f32 = (path: string) => {
  const b = readFileSync(path)
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

/** Solves A x = b (n×n) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length
  for (let i = 0; i < n; i++) {
    let p = i
    for (let r = i + 1; r < n; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[p]![i]!)) p = r
    ;[a[i], a[p]] = [a[p]!, a[i]!]
    ;[b[i], b[p]] = [b[p]!, b[i]!]
    for (let r = i + 1; r < n; r++) {
      const f = a[r]![i]! / a[i]![i]!
      for (let c = i; c < n; c++) a[r]![c]! -= f * a[i]![c]!
      b[r]! -= f * b[i]!
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!
    for (let c = i + 1; c < n; c++) s -= a[i]![c]! * x[c]!
    x[i] = s / a[i]![i]!
  }
  return x
}

export function fitPreview(goldenDir: string, channels = 16, latentSide = 8, imageSide = 64) {
  const cases = (JSON.parse(readFileSync(join(goldenDir, 'cases.json'), 'utf8')) as { cases: GoldenCase[] }).cases
  const rows: number[][] = []
  const targets: number[][] = []
  const block = imageSide / latentSide
  for (const c of cases) {
    if (!c.context_image || !c.context_latent) continue
    const img = f32(join(goldenDir, c.context_image.file))
    const lat = unpackTokens(
      { data: f32(join(goldenDir, c.context_latent.file)), count: (latentSide / 2) ** 2, features: channels * 4 },
      channels,
      latentSide,
      latentSide,
    )
    for (let y = 0; y < latentSide; y++)
      for (let x = 0; x < latentSide; x++) {
        rows.push([...Array.from({ length: channels }, (_, ch) => lat.data[ch * latentSide * latentSide + y * latentSide + x]!), 1])
        targets.push(
          [0, 1, 2].map((k) => {
            let s = 0
            for (let dy = 0; dy < block; dy++)
              for (let dx = 0; dx < block; dx++) s += img[k * imageSide * imageSide + (y * block + dy) * imageSide + x * block + dx]!
            return s / block / block
          }),
        )
      }
  }
  const n = channels + 1
  const ridge = 1e-3 // a little regularisation: 6 images × 64 pixels is a small sample
  const weights: number[][] = Array.from({ length: channels }, () => [0, 0, 0])
  const bias = [0, 0, 0]
  for (let k = 0; k < 3; k++) {
    const ata = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? ridge : 0)),
    )
    const atb = Array.from({ length: n }, (_, i) => rows.reduce((s, r, idx) => s + r[i]! * targets[idx]![k]!, 0))
    const x = solve(ata, atb)
    for (let ch = 0; ch < channels; ch++) weights[ch]![k] = Number(x[ch]!.toFixed(5))
    bias[k] = Number(x[channels]!.toFixed(5))
  }
  return { weights, bias }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2]
  if (!dir) throw new Error('usage: fitPreviewFactors.ts <golden dir>')
  console.log(JSON.stringify(fitPreview(dir)))
}
