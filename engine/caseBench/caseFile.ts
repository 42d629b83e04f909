/**
 * The case file of `kontext bench`: JSON, either an array of cases or `{ "cases": [...] }`.
 *
 * ```json
 * { "cases": [
 *   { "name": "shoe-red", "context": "photos/shoe.jpg", "prompt": "make the shoe red", "expected": "photos/shoe-red.png" },
 *   { "prompt": "a large red circle on navy at row two col three", "seed": 7 }
 * ] }
 * ```
 * - `prompt` (required): the instruction.
 * - `context` (optional): the image to edit; without it the case is text-to-image.
 * - `expected` (optional): the image the edit should produce; PSNR is reported where it exists
 *   (resized to the output's size first, Lanczos, as the engine loads any image).
 * - `name` (optional, default `case-<n>`), `seed` (optional, default the command's --seed + n).
 * Paths are relative to the case file's folder.
 */
import { z } from 'zod'
import { err, ok, studioError, type Result } from '../../core/result'

const benchCase = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - (it names the output file)')
    .optional(),
  prompt: z.string().min(1),
  context: z.string().min(1).optional(),
  expected: z.string().min(1).optional(),
  seed: z.number().int().min(0).optional(),
})
export type BenchCaseEntry = z.infer<typeof benchCase>

const caseList = z.array(benchCase)
const caseObject = z.strictObject({ cases: caseList })

export function parseCaseFile(text: string, fileName: string): Result<BenchCaseEntry[]> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return err(studioError('file.badCases', `${fileName} is not JSON: ${e instanceof Error ? e.message : String(e)}`))
  }
  // Parse with the one schema the shape asks for, so the problems name real fields (not a union's).
  const parsed = Array.isArray(json) ? caseList.safeParse(json) : caseObject.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')
    return err(
      studioError(
        'file.badCases',
        `${fileName} is not a case file: ${problems}`,
        'See `kontext help`: { "cases": [{ "prompt", "context"?, "expected"?, "name"?, "seed"? }] }.',
      ),
    )
  }
  const data: BenchCaseEntry[] | { cases: BenchCaseEntry[] } = parsed.data
  const cases = Array.isArray(data) ? data : data.cases
  if (cases.length === 0) return err(studioError('file.badCases', `${fileName} has no cases.`))
  return ok(cases)
}
