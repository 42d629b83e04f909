/**
 * Scores a model on KontextBench-mini cases and chains (the spec's scoring): per case whether
 * the output classifies to the target scene, its PSNR against the rendered target, and the
 * autoencoder ceiling (the rendered target through decode(encode(·)), scored the same way).
 */
import { CATEGORY, editCorrect, KINDS, psnr, renderScene, type BenchCase, type Chain, type Kind } from '../kontextbench'
import type { EngineRunner, RgbImage } from './engineRunner'

export interface CaseResult {
  readonly index: number
  readonly kind: Kind
  readonly prompt: string
  /** Objects in the context scene; null for text-to-image (no context). */
  readonly objects: number | null
  readonly ok: boolean
  readonly psnr: number
  readonly aeOk: boolean
  readonly aePsnr: number
  readonly context: RgbImage | null
  readonly output: RgbImage
  readonly expected: RgbImage
}

export interface SampleSettings {
  readonly steps: number
  readonly guidance: number
  /** The noise seed of case i is seedBase + i. */
  readonly seedBase: number
}

const SIZE = 64
const image = (rgb: Uint8Array): RgbImage => ({ rgb, width: SIZE, height: SIZE })

export async function scoreCases(
  model: EngineRunner,
  cases: readonly BenchCase[],
  s: SampleSettings,
  onCase?: (done: number) => void,
): Promise<CaseResult[]> {
  const out: CaseResult[] = []
  for (const [index, c] of cases.entries()) {
    const context = c.context ? image(renderScene(c.context)) : null
    const expected = image(renderScene(c.target))
    const output = await model.edit({
      prompt: c.prompt,
      context,
      seed: s.seedBase + index,
      steps: s.steps,
      guidance: s.guidance,
      width: SIZE,
      height: SIZE,
    })
    const ae = await model.roundTrip(expected)
    out.push({
      index,
      kind: c.kind,
      prompt: c.prompt,
      objects: c.context ? c.context.cells.filter((o) => o !== null).length : null,
      ok: editCorrect(output.rgb, c.target),
      psnr: psnr(output.rgb, expected.rgb),
      aeOk: editCorrect(ae.rgb, c.target),
      aePsnr: psnr(ae.rgb, expected.rgb),
      context,
      output,
      expected,
    })
    onCase?.(index + 1)
  }
  return out
}

export interface Summary {
  readonly group: string
  readonly n: number
  readonly ok: number
  readonly psnr: number
  readonly aeOk: number
  readonly aePsnr: number
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)

export function summarise(group: string, rs: readonly CaseResult[]): Summary {
  return {
    group,
    n: rs.length,
    ok: mean(rs.map((r) => (r.ok ? 1 : 0))),
    psnr: mean(rs.map((r) => r.psnr)),
    aeOk: mean(rs.map((r) => (r.aeOk ? 1 : 0))),
    aePsnr: mean(rs.map((r) => r.aePsnr)),
  }
}

export function byKind(rs: readonly CaseResult[]): Summary[] {
  return KINDS.map((k) =>
    summarise(
      k,
      rs.filter((r) => r.kind === k),
    ),
  ).filter((s) => s.n > 0)
}

export function byCategory(rs: readonly CaseResult[]): Summary[] {
  const cats = [...new Set(KINDS.map((k) => CATEGORY[k]))]
  return [
    ...cats
      .map((c) =>
        summarise(
          c,
          rs.filter((r) => CATEGORY[r.kind] === c),
        ),
      )
      .filter((s) => s.n > 0),
    summarise('all', rs),
  ]
}

/** Edit cases by the number of objects in their context (0–4); text-to-image (no context) in its own row. */
export function byObjects(rs: readonly CaseResult[]): Summary[] {
  const counts = [...new Set(rs.flatMap((r) => (r.objects === null ? [] : [r.objects])))].sort((a, b) => a - b)
  return [
    ...counts.map((n) =>
      summarise(
        `${n} object${n === 1 ? '' : 's'}`,
        rs.filter((r) => r.objects === n),
      ),
    ),
    summarise(
      'no context (t2i)',
      rs.filter((r) => r.objects === null),
    ),
  ].filter((s) => s.n > 0)
}

export interface TurnSummary {
  readonly turn: number
  /** Chains whose every output so far classified to the true scene. */
  readonly chainOk: number
  /** This turn's output alone classified correctly. */
  readonly turnOk: number
  readonly psnr: number
}

/** Multi-turn drift: each output is the next turn's context; scored against the true chain. */
export async function scoreChains(model: EngineRunner, chains: readonly Chain[], s: SampleSettings): Promise<TurnSummary[]> {
  const turns = chains[0]?.turns.length ?? 0
  const alive = chains.map(() => true)
  const current = chains.map((c) => image(renderScene(c.start)))
  const rows: TurnSummary[] = []
  for (let t = 0; t < turns; t++) {
    const oks: number[] = []
    const psnrs: number[] = []
    for (const [i, chain] of chains.entries()) {
      const turn = chain.turns[t]!
      const out = await model.edit({
        prompt: turn.prompt,
        context: current[i]!,
        seed: s.seedBase + i * 100 + t,
        steps: s.steps,
        guidance: s.guidance,
        width: SIZE,
        height: SIZE,
      })
      const ok = editCorrect(out.rgb, turn.target)
      alive[i] = alive[i]! && ok
      oks.push(ok ? 1 : 0)
      psnrs.push(psnr(out.rgb, renderScene(turn.target)))
      current[i] = out
    }
    rows.push({ turn: t + 1, chainOk: mean(alive.map((a) => (a ? 1 : 0))), turnOk: mean(oks), psnr: mean(psnrs) })
  }
  return rows
}
