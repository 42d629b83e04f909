/**
 * `kontext models fit ID|DIR [--width W --height H --refs N --precision float32|float16 --quantise int8|int4 --free-gib G]`:
 * the memory plan of one job on a FLUX checkpoint folder, component by component and phase by
 * phase, against the memory free now (or `--free-gib`), and what would fit when it does not.
 * Reads tensor headers only.
 */
import { freemem } from 'node:os'
import { parseArgs } from 'node:util'
import { studioError } from '../../core/result'
import { BUILT_PRECISION, openCheckpointFolder, planTensorsOf } from '../pipeline/checkpointFolder'
import { chooseResolution } from '../math/resolution'
import { fitJob, formatPlan } from '../plan/fit'
import type { GraphPrecision } from '../plan/memoryPlan'
import { isQuantiseMode, QUANTISE_SETTINGS } from '../quantise/modes'
import { EXIT, reportError, type CliContext } from './context'
import { knownModelDirs, modelFolderArg } from './modelDirs'

const USAGE =
  'kontext models fit ID|DIR [--width W] [--height H] [--refs N] [--precision float32|float16] [--quantise int8|int4] [--free-gib G] [--json]'

/** An installed checkpoint folder by id, or the folder given. */
function findFolder(arg: string, cwd: string) {
  const dir = modelFolderArg(arg, cwd)
  const everything = { freeBytes: Number.MAX_SAFE_INTEGER }
  if (dir) return openCheckpointFolder(dir, everything)
  for (const d of knownModelDirs()) {
    const c = openCheckpointFolder(d, everything)
    if (c.ok && c.value.manifest.id === arg) return c
  }
  return null
}

export async function fit(argv: string[], ctx: CliContext): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        width: { type: 'string' },
        height: { type: 'string' },
        refs: { type: 'string' },
        precision: { type: 'string' },
        quantise: { type: 'string' },
        'free-gib': { type: 'string' },
        json: { type: 'boolean' },
      },
    }))
  } catch (e) {
    return reportError(ctx, studioError('cli.usage', e instanceof Error ? e.message : String(e), USAGE), false)
  }
  const json = values.json === true
  const arg = positionals[0]
  if (!arg) return reportError(ctx, studioError('cli.usage', 'models fit needs a model id or folder.', USAGE), json)
  const num = (name: string, min: number, max: number): number | undefined | null => {
    const v = values[name]
    if (v === undefined) return undefined
    const n = Number(v)
    return Number.isFinite(n) && n >= min && n <= max ? n : null
  }
  const width = num('width', 64, 4096)
  const height = num('height', 64, 4096)
  const refs = num('refs', 0, 16)
  const freeGib = num('free-gib', 0, 1 << 20)
  if (width === null || height === null) return reportError(ctx, studioError('cli.usage', '--width and --height are 64–4096.', USAGE), json)
  if (refs === null || (refs !== undefined && !Number.isInteger(refs)))
    return reportError(ctx, studioError('cli.usage', '--refs is a whole number from 0 to 16.', USAGE), json)
  if (freeGib === null) return reportError(ctx, studioError('cli.usage', '--free-gib is a number of GiB.', USAGE), json)
  const precision = (values.precision ?? BUILT_PRECISION) as string
  if (precision !== 'float32' && precision !== 'float16')
    return reportError(ctx, studioError('cli.usage', '--precision is float32 or float16.', USAGE), json)
  const quantise = values.quantise as string | undefined
  if (quantise !== undefined && !isQuantiseMode(quantise))
    return reportError(ctx, studioError('cli.usage', '--quantise is int8 or int4.', USAGE), json)
  const folder = findFolder(arg, ctx.cwd)
  if (!folder)
    return reportError(
      ctx,
      studioError('model.unknown', `No FLUX checkpoint folder “${arg}” is installed.`, 'Give the folder instead.'),
      json,
    )
  if (!folder.ok) return reportError(ctx, folder.error, json)
  const m = folder.value.manifest
  // Snapped to a preferred resolution, as a job would be (1024² when no size is given).
  const [w, h] = chooseResolution(width ?? height ?? 1024, height ?? width ?? 1024, m.resolutions)
  const free = freeGib === undefined ? freemem() : freeGib * 1024 ** 3
  const result = fitJob(
    planTensorsOf(folder.value.parts),
    {
      width: w,
      height: h,
      refs: refs ?? 1,
      precision: precision as GraphPrecision,
      quantise: quantise ? QUANTISE_SETTINGS[quantise] : null,
    },
    free,
    {
      resolutions: m.resolutions,
      otherPrecisions: precision === 'float16' ? [] : ['float16'],
      otherQuantise: quantise ? [] : ['int8', 'int4'],
    },
  )
  if (json) ctx.out(JSON.stringify({ ok: true, model: m.id, ...result }) + '\n')
  else {
    ctx.out(`${m.name} (${m.id})\n${formatPlan(result)}`)
    // Where 16 bits are built, and where not, so the suggestion is not read as "every component, everywhere".
    if (precision === 'float16' || result.suggestions.some((x) => x.includes('16-bit')))
      ctx.out(
        '(16-bit: the engine builds the transformer and T5 (its attention and wi Linears) as float16 graphs for CUDA, DirectML and WebGPU; the CPU runs them in float32; CLIP-L and the autoencoder stay float32.)\n',
      )
  }
  return result.mode ? EXIT.ok : EXIT.model
}
