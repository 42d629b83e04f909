/**
 * `kontext tensors` — a developer command that runs one built graph of a checkpoint folder on
 * tensors from a safetensors file, with BFL's names, so any reference can be compared with it:
 *   transformer: img, img_ids, txt, txt_ids, timesteps, y[, guidance] → pred
 *   ae-encode: x → z (scale·(mean − shift))     ae-decode: z → x (Decoder(z/scale + shift))
 *   clip: input_ids → pooled, hidden            t5: input_ids → hidden
 * Inputs may be stored in any float dtype the reader takes (ids as integers or floats); outputs are F32.
 * `--precision float16` builds the transformer and T5 as the mixed-precision fp16 graphs the GPU
 * providers get (CLIP and the autoencoder are built float32 only), to compare them with a reference too.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { displayFileName } from '../../core/domain/displayText'
import { studioError, toErrorData } from '../../core/result'
import { buildComponent, GRAPH_COMPONENTS, isGraphComponent, type GraphComponent } from '../graph/components'
import { openCheckpointFolder } from '../pipeline/checkpointFolder'
import { COMPONENT_PART, componentSource, folderGraphSettings } from '../pipeline/checkpointModels'
import { openGraphBytes, resolveLadder, type TensorData } from '../sessions'
import { openComponent, openSafetensors, writeSafetensors } from '../weights/index'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { usageError } from './inputs'
import { parseOptions } from './options'

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  component: { type: 'string', short: 'c' },
  in: { type: 'string', short: 'i' },
  out: { type: 'string', short: 'o' },
  provider: { type: 'string' },
  precision: { type: 'string' },
  json: { type: 'boolean' },
} as const

const INT_INPUTS = new Set(['input_ids'])

function feedsFrom(file: string, names: readonly string[], component: GraphComponent): Record<string, TensorData> {
  const src = openSafetensors(file)
  try {
    const missing = names.filter((n) => !src.tensors.has(n) && !(n === 'guidance' && component === 'transformer'))
    if (missing.length) throw new Error(`--in has no tensor ${missing.join(', ')}; the ${component} graph takes ${names.join(', ')}.`)
    const feeds: Record<string, TensorData> = {}
    for (const n of names) {
      const info = src.tensors.get(n)
      if (!info) continue
      const data = src.readFloat32(n)
      feeds[n] = INT_INPUTS.has(n)
        ? { dtype: 'int64', data: BigInt64Array.from(data, (v) => BigInt(Math.round(v))), dims: [...info.shape] }
        : { dtype: 'float32', data, dims: [...info.shape] }
    }
    return feeds
  } finally {
    src.close()
  }
}

async function run(argv: string[], ctx: CliContext): Promise<number> {
  const given = parseOptions(argv, OPTIONS, ctx)
  if ('exit' in given) return given.exit
  const { values } = given
  const json = values.json ?? false
  const fail = (e: Parameters<typeof reportError>[1]) => reportError(ctx, e, json)
  if (!values.model || !values.component || !values.in || !values.out)
    return fail(usageError('tensors needs --model, --component, --in and --out.', tensorsCommand.usage))
  const component = values.component
  if (!isGraphComponent(component)) return fail(usageError(`--component must be one of ${GRAPH_COMPONENTS.join(', ')}.`))
  const dir = resolve(ctx.cwd, values.model)
  if (!existsSync(dir)) return fail(studioError('model.notFound', `--model ${values.model}: no such folder.`))
  const input = resolve(ctx.cwd, values.in)
  if (!existsSync(input)) return fail(studioError('file.notFound', `--in ${displayFileName(input)}: no such file.`))
  const precision = values.precision ?? 'float32'
  if (precision !== 'float32' && precision !== 'float16')
    return fail(usageError('--precision is float32 or float16.', tensorsCommand.usage))
  const ladder = resolveLadder(values.provider)
  if (!ladder.ok) return fail(ladder.error)
  const folder = openCheckpointFolder(dir)
  if (!folder.ok) return fail(folder.error)
  const found = folder.value.parts[COMPONENT_PART[component]]
  const reader = openComponent(found)
  try {
    const built = buildComponent(component, componentSource(found, reader), { ...folderGraphSettings(folder.value), precision })
    const feeds = feedsFrom(input, built.inputs, component)
    const session = await openGraphBytes(built.graph.toBytes(), component, { provider: ladder.value[0] ?? 'cpu' })
    let out: Record<string, TensorData>
    try {
      out = await session.run(feeds)
    } finally {
      await session.release()
    }
    const target = resolve(ctx.cwd, values.out)
    mkdirSync(dirname(target), { recursive: true })
    writeSafetensors(
      target,
      built.outputs.map((name) => ({ name, dtype: 'F32', shape: out[name]!.dims, data: out[name]!.data as Float32Array })),
    )
    const shapes = built.outputs.map((n) => `${n} [${out[n]!.dims.join(', ')}]`)
    if (json)
      ctx.out(
        JSON.stringify({
          ok: true,
          out: target,
          precision: built.precision,
          ...(built.precision === 'float16' ? { fp16: built.graph.fp16Counts } : {}),
          outputs: Object.fromEntries(built.outputs.map((n) => [n, out[n]!.dims])),
        }) + '\n',
      )
    else ctx.out(`wrote ${displayFileName(target)}: ${shapes.join(', ')} (${built.precision} graph)\n`)
    return EXIT.ok
  } catch (e) {
    return fail(toErrorData(e, 'engine.failed'))
  } finally {
    reader.close()
  }
}

export const tensorsCommand: CliCommand = {
  summary: 'run one graph built from a checkpoint folder on tensors from a safetensors file (for comparing references)',
  usage: `kontext tensors --model DIR --component ${GRAPH_COMPONENTS.join('|')} --in IN.safetensors --out OUT.safetensors [--provider P] [--precision float32|float16] [--json]`,
  run,
}
