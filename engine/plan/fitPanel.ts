/**
 * The Fit panel of one model (core/contract/modelFit.ts), from the memory plan: the phases and
 * their peaks, the verdict, and every way to make the job fit priced on the same plan — a smaller
 * preferred size, fewer references, sequential loading (automatic), int8/int4 weights at import
 * (with their measured cost on the twin) and 16-bit weights (priced, not built yet). Pure: the
 * engine passes the tensors, the free memory and what the model is installed with.
 */
import type { FitWay, ModelFit } from '../../core/contract/modelFit'
import { measuredCostText } from '../quantise/measuredCost'
import { QUANTISE_SETTINGS, type QuantiseMode } from '../quantise/modes'
import { gib, GRAPH_WORDS, PHASE_WORDS } from './fit'
import { planMemory, type MemoryPlan, type PlanRequest, type PlanTensors } from './memoryPlan'

export interface FitPanelInput {
  readonly model: string
  readonly tensors: PlanTensors
  /** Already snapped to one of `resolutions`. */
  readonly width: number
  readonly height: number
  readonly refs: number
  readonly freeBytes: number
  readonly resolutions: readonly (readonly [number, number])[]
  /** The quantisation the model is installed with (null: float32 weights). */
  readonly quantise: QuantiseMode | null
}

type Mode = Exclude<ModelFit['mode'], 'not-planned'>
const modeOf = (p: MemoryPlan, free: number): Mode =>
  p.residentBytes <= free ? 'all-loaded' : p.peak.peakBytes <= free ? 'sequential' : 'does-not-fit'
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`

function verdict(mode: Mode, p: MemoryPlan, free: number, job: string): string {
  if (mode === 'all-loaded') return `${job} fits with every component held between jobs (${gib(p.residentBytes)} of ${gib(free)} free).`
  if (mode === 'sequential')
    return `${job} fits loading one phase at a time (peak ${gib(p.peak.peakBytes)} while ${PHASE_WORDS[p.peak.phase]}, ${gib(free)} free); each job loads the components again.`
  return `${job} does not fit: ${PHASE_WORDS[p.peak.phase]} needs about ${gib(p.peak.peakBytes)} even one phase at a time, and ${gib(free)} is free.`
}

export function fitPanel(i: FitPanelInput): ModelFit {
  const q = i.quantise ? QUANTISE_SETTINGS[i.quantise] : null
  const base: PlanRequest = { width: i.width, height: i.height, refs: i.refs, precision: 'float32', quantise: q }
  const plan = planMemory(i.tensors, base)
  const free = i.freeBytes
  const mode = modeOf(plan, free)
  const fits = (p: MemoryPlan) => p.peak.peakBytes <= free
  const ways: FitWay[] = []

  // A smaller preferred size: the largest that fits, else the smallest (to say that even it does not).
  const pixels = i.width * i.height
  const smaller = [...i.resolutions].filter(([w, h]) => w * h < pixels).sort((a, b) => b[0] * b[1] - a[0] * a[1])
  if (smaller.length) {
    const priced = smaller.map(([w, h]) => ({ w, h, p: planMemory(i.tensors, { ...base, width: w, height: h }) }))
    const pick = priced.find((x) => fits(x.p)) ?? priced[priced.length - 1]!
    ways.push({
      kind: 'size',
      available: true,
      fits: fits(pick.p),
      peakBytes: pick.p.peak.peakBytes,
      effect: `${pick.w}×${pick.h} instead of ${i.width}×${i.height}: peak ${gib(pick.p.peak.peakBytes)}${fits(pick.p) ? '' : ' (the smallest preferred size, still too much)'}.`,
      cost: 'A smaller picture (fewer pixels to edit with).',
    })
  }
  // Fewer references: the most that fits.
  if (i.refs > 0) {
    let pick = { refs: 0, p: planMemory(i.tensors, { ...base, refs: 0 }) }
    for (let r = i.refs - 1; r >= 0; r--) {
      const p = planMemory(i.tensors, { ...base, refs: r })
      if (fits(p)) {
        pick = { refs: r, p }
        break
      }
    }
    ways.push({
      kind: 'refs',
      available: true,
      fits: fits(pick.p),
      peakBytes: pick.p.peak.peakBytes,
      effect: `${pick.refs === 0 ? 'No reference images' : `At most ${plural(pick.refs, 'reference image')}`} instead of ${i.refs}: peak ${gib(pick.p.peak.peakBytes)}.`,
      cost: 'The edit sees less of the context.',
    })
  }
  ways.push({
    kind: 'sequential',
    available: true,
    fits: fits(plan),
    peakBytes: plan.peak.peakBytes,
    effect: `Automatic: when not every component fits at once (${gib(plan.residentBytes)}), the engine loads one phase at a time (peak ${gib(plan.peak.peakBytes)}).`,
    cost: 'Each job loads the components again (slower), the picture is the same.',
  })
  for (const m of ['int8', 'int4'] as const) {
    if (m === i.quantise) continue
    const p = planMemory(i.tensors, { ...base, quantise: QUANTISE_SETTINGS[m] })
    const weights = p.graphs.reduce((n, g) => n + g.weightBytes, 0)
    ways.push({
      kind: m,
      available: true,
      fits: fits(p),
      peakBytes: p.peak.peakBytes,
      effect:
        `Import the folder again with ${m} weights (Weights menu, or kontext models import DIR --quantise ${m}): ` +
        `the weight MatMuls of CLIP, T5 and the transformer become ${QUANTISE_SETTINGS[m].bits}-bit blocks, ` +
        `all weights ${gib(weights)} instead of ${gib(plan.graphs.reduce((n, g) => n + g.weightBytes, 0))}; peak ${gib(p.peak.peakBytes)}.`,
      cost: measuredCostText(m),
    })
  }
  const half = planMemory(i.tensors, { ...base, precision: 'float16', quantise: null })
  ways.push({
    kind: 'float16',
    available: false,
    fits: fits(half),
    peakBytes: half.peak.peakBytes,
    effect: `16-bit weights would peak at ${gib(half.peak.peakBytes)}, but the engine does not build 16-bit graphs yet.`,
    cost: null,
  })

  const job = `A ${i.width}×${i.height} job with ${plural(i.refs, 'reference image')}`
  return {
    model: i.model,
    applies: true,
    note: null,
    width: i.width,
    height: i.height,
    refs: i.refs,
    weights: i.quantise ?? 'float32',
    freeBytes: free,
    graphs: plan.graphs.map((g) => ({
      graph: g.graph,
      label: GRAPH_WORDS[g.graph],
      weightBytes: g.weightBytes,
      workingBytes: g.activation.bytes,
    })),
    phases: plan.phases.map((p) => ({
      phase: p.phase,
      label: PHASE_WORDS[p.phase],
      graphs: p.graphs.map((g) => GRAPH_WORDS[g]),
      weightBytes: p.weightBytes,
      workingBytes: Math.max(p.openingBytes, p.activationBytes),
      peakBytes: p.peakBytes,
    })),
    peakBytes: plan.peak.peakBytes,
    residentBytes: plan.residentBytes,
    mode,
    verdict: verdict(mode, plan, free, job),
    ways,
  }
}

/** A model the plan does not cover (a manifest model's graphs are fixed files, not built from a checkpoint). */
export function fitNotPlanned(model: string, width: number, height: number, refs: number, freeBytes: number): ModelFit {
  return {
    model,
    applies: false,
    note: 'The memory plan covers FLUX checkpoint folders (the engine builds their graphs from the tensors); this model is a folder of ready ONNX graphs, loaded as they are.',
    width,
    height,
    refs,
    weights: 'as exported',
    freeBytes,
    graphs: [],
    phases: [],
    peakBytes: 0,
    residentBytes: 0,
    mode: 'not-planned',
    verdict: 'No plan: the memory plan covers FLUX checkpoint folders only.',
    ways: [],
  }
}
