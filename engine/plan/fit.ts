/**
 * Whether a job fits the memory free now, decided from the plan before anything is loaded: all
 * graphs held at once when that fits, else one phase at a time (sequential loading), else refused
 * with the phase that does not fit, what it needs, what is free, and what would fit instead.
 */
import {
  PLAN_COEFFICIENTS,
  planMemory,
  type GraphPrecision,
  type MemoryPlan,
  type PlanGraph,
  type PlanPhase,
  type PlanRequest,
  type PlanTensors,
} from './memoryPlan'
import { QUANTISE_SETTINGS, type QuantiseMode } from '../quantise/modes'

export type FitMode = 'resident' | 'sequential'

export interface FitResult {
  readonly plan: MemoryPlan
  readonly freeBytes: number
  /** How the engine runs it, or null when it is refused. */
  readonly mode: FitMode | null
  /** Alternatives that fit (empty when the job fits). */
  readonly suggestions: readonly string[]
}

export interface FitOptions {
  /** The model's preferred resolutions [w, h], to suggest a smaller one. */
  readonly resolutions: readonly (readonly [number, number])[]
  /** Precisions the engine can build besides the requested one (float16: the transformer, on the GPU providers). */
  readonly otherPrecisions?: readonly GraphPrecision[]
  /** Quantisations the model could be imported with instead (`--quantise`), cheapest in quality first. */
  readonly otherQuantise?: readonly QuantiseMode[]
}

const GIB = 1024 ** 3
export const gib = (b: number): string => `${(b / GIB).toFixed(1)} GiB`

export const GRAPH_WORDS: Record<PlanGraph, string> = {
  clip: 'CLIP-L',
  t5: 'T5',
  'ae-encode': 'autoencoder encoder',
  transformer: 'transformer',
  'ae-decode': 'autoencoder decoder',
}
export const PHASE_WORDS: Record<PlanPhase, string> = {
  text: 'text encoders',
  encode: 'encoding the references',
  denoise: 'denoising',
  decode: 'decoding',
}

function modeFor(plan: MemoryPlan, free: number): FitMode | null {
  if (plan.residentBytes <= free) return 'resident'
  return plan.peak.peakBytes <= free ? 'sequential' : null
}

export function fitJob(t: PlanTensors, req: PlanRequest, freeBytes: number, o: FitOptions): FitResult {
  const plan = planMemory(t, req)
  const mode = modeFor(plan, freeBytes)
  if (mode) return { plan, freeBytes, mode, suggestions: [] }
  const suggestions: string[] = []
  const fits = (r: PlanRequest) => planMemory(t, r).peak.peakBytes <= freeBytes
  const pixels = req.width * req.height
  const smaller = [...o.resolutions]
    .filter(([w, h]) => w * h < pixels)
    .sort((a, b) => b[0] * b[1] - a[0] * a[1])
    .find(([w, h]) => fits({ ...req, width: w, height: h }))
  if (smaller) suggestions.push(`a smaller size (${smaller[0]}×${smaller[1]} fits)`)
  for (let refs = req.refs - 1; refs >= 0; refs--)
    if (fits({ ...req, refs })) {
      suggestions.push(refs === 0 ? 'no reference images' : `at most ${refs} reference image${refs === 1 ? '' : 's'}`)
      break
    }
  for (const precision of o.otherPrecisions ?? [])
    if (precision !== req.precision && fits({ ...req, precision }))
      suggestions.push(
        precision === 'float16' ? 'the 16-bit transformer and T5 (built for CUDA, DirectML and WebGPU)' : `${precision} weights`,
      )
  // The first quantisation that fits (int8 before int4: the smaller error).
  const q = (o.otherQuantise ?? []).find((m) => fits({ ...req, quantise: QUANTISE_SETTINGS[m] }))
  if (q) suggestions.push(`${q} weights (import the folder again with --quantise ${q})`)
  return { plan, freeBytes, mode: null, suggestions }
}

/** The refusal in the project's words: the phase, its need, the free memory; the hint says what would fit. */
export function refusalText(f: FitResult): { message: string; hint: string } {
  const p = f.plan.peak
  const r = f.plan.request
  const what = p.graphs.map((g) => GRAPH_WORDS[g]).join(' + ')
  const message =
    `A ${r.width}×${r.height} job with ${r.refs} reference image${r.refs === 1 ? '' : 's'} needs about ${gib(p.peakBytes)} ` +
    `while ${PHASE_WORDS[p.phase]} (${what}, ${r.quantise ? `${r.quantise.bits}-bit` : r.precision} weights ${gib(p.weightBytes)}), even loading one phase at a time; ` +
    `${gib(f.freeBytes)} of memory is free.`
  // The GPU providers' 16-bit build is a way out only for a float32 plan of an unquantised model.
  const hint = f.suggestions.length
    ? `Would fit: ${f.suggestions.join('; ')}. \`kontext models fit\` prints the plan.`
    : r.quantise || r.precision === 'float16'
      ? 'Nothing smaller fits either: use a machine with more memory.'
      : 'Nothing smaller fits either: use a machine with more memory or a GPU provider (where the transformer and T5 are built in 16 bits).'
  return { message, hint }
}

/** The plan component by component and phase by phase, for `kontext models fit`. */
export function formatPlan(f: FitResult): string {
  const { plan } = f
  const r = plan.request
  const weights = r.quantise ? `${r.quantise.bits}-bit MatMul weights (MatMulNBits), ${r.precision} for the rest` : `${r.precision} weights`
  let s = `Memory plan: ${r.width}×${r.height}, ${r.refs} reference image${r.refs === 1 ? '' : 's'}, ${weights}${r.zeroCopy ? ' (read from the files)' : ''}\n`
  s += 'Graphs:\n'
  for (const g of plan.graphs)
    s +=
      `  ${GRAPH_WORDS[g.graph].padEnd(20)} ${(g.params / 1e6).toFixed(0).padStart(6)} M weights  ${gib(g.weightBytes).padStart(9)} ${g.precision}` +
      `  opening +${gib(g.openingBytes)}  working ${gib(g.activation.bytes)} (${g.activation.largestWhat})\n`
  s += 'Phases (one at a time):\n'
  for (const p of plan.phases)
    s +=
      `  ${p.phase.padEnd(8)} ${gib(p.peakBytes).padStart(9)}  = runtime ${gib(p.runtimeBytes)} + weights ${gib(p.weightBytes)}` +
      ` + max(opening ${gib(p.openingBytes)}, working ${gib(p.activationBytes)})` +
      (p.retainedBytes
        ? ` + ${Math.round((1 - PLAN_COEFFICIENTS.heapReuse) * 100)}% of ${gib(p.retainedBytes)} kept by the allocator`
        : '') +
      '\n'
  s += `Peak one phase at a time: ${gib(plan.peak.peakBytes)} (${plan.peak.phase}); everything held at once: ${gib(plan.residentBytes)}\n`
  s += `Free now: ${gib(f.freeBytes)} → `
  if (f.mode === 'resident') s += 'fits with every graph held between jobs.\n'
  else if (f.mode === 'sequential') s += 'fits loading one phase at a time (each job loads the graphs again).\n'
  else s += `does not fit.${f.suggestions.length ? ` Would fit: ${f.suggestions.join('; ')}.` : ''}\n`
  return s
}
