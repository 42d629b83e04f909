/**
 * Writes a small random FLUX.1 Kontext checkpoint (the official release's layout) and a stand-in
 * for the `FLUX.1-Kontext-dev-onnx` export made from it (published names, bf16 boundaries,
 * external-data weights; float32 weights behind the casts), with ae.safetensors and the
 * tokenizers copied in, to try `kontext models import` / `kontext edit --model` by hand:
 *
 *   npx tsx scripts/onnx-export-standin.ts OUT_DIR
 *   npm run kontext -- models import OUT_DIR/export
 *   npm run kontext -- edit --model OUT_DIR/export --in photo.png --prompt "a red cat" --steps 2
 *
 * Nothing it writes belongs in the repository.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TINY } from '../test/support/fluxCheckpoints'
import { writeOfficialRelease } from '../test/support/fluxFolders'
import { writeOnnxExportStandIn } from '../test/support/fluxOnnxExport'

const out = process.argv[2]
if (!out) {
  console.error('usage: npx tsx scripts/onnx-export-standin.ts OUT_DIR')
  process.exit(2)
}
const root = resolve(out)
if (existsSync(join(root, 'export'))) {
  console.error(`${join(root, 'export')} exists already; give an empty folder.`)
  process.exit(2)
}
mkdirSync(root, { recursive: true })
// The tiny heads are 16 wide: RoPE axes 4+6+6; CLIP's 16-wide hidden has 2 heads; small buckets.
const config = {
  rope: { axes: [4, 6, 6], theta: 10000 },
  clipHeads: 2,
  resolutions: [
    [48, 32],
    [32, 32],
    [32, 48],
  ],
}
const release = writeOfficialRelease(join(root, 'release'), TINY)
writeFileSync(join(release, 'kontext.json'), JSON.stringify(config))
const exported = writeOnnxExportStandIn(release, join(root, 'export'), { withAe: true, withTokenizers: true })
writeFileSync(join(exported, 'kontext.json'), JSON.stringify({ ...config, id: 'onnx-export-standin' }))
console.log(`release (safetensors): ${release}\nexport (ONNX stand-in): ${exported}`)
