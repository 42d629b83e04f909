/**
 * The `parameters` text chunk other image tools read and write (the AUTOMATIC1111 web UI's form,
 * also read by ComfyUI, InvokeAI and civitai): the prompt on the first lines, then one line of
 * `Key: value` pairs. We write it beside our own lineage chunks, and read it (or our own chunks)
 * back when a studio PNG is dropped, so its instruction and settings can be restored.
 */

export interface GenerationSettings {
  readonly prompt: string
  readonly seed?: number
  readonly steps?: number
  readonly guidance?: number
  readonly model?: string
  readonly width?: number
  readonly height?: number
}

export function formatParameters(p: Required<GenerationSettings>): string {
  // Rectified flow sampled with Euler steps; the guidance scale is what those tools call CFG scale.
  const pairs = [`Steps: ${p.steps}`, 'Sampler: Euler', `CFG scale: ${p.guidance}`, `Seed: ${p.seed}`, `Size: ${p.width}x${p.height}`]
  return `${p.prompt}\n${pairs.join(', ')}, Model: ${p.model.replace(/[,\n]/g, ' ')}`
}

const MAX_PROMPT = 2000
const int = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : undefined)
const num = (v: string | undefined): number | undefined => {
  const n = v === undefined ? NaN : Number(v.trim())
  return Number.isFinite(n) ? n : undefined
}
/** Drops undefined fields, so the result can be spread into a request. */
const defined = (s: GenerationSettings): GenerationSettings =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as GenerationSettings

function parseA1111(text: string): GenerationSettings | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const last = lines.at(-1) ?? ''
  if (!/(^|, )Steps: \d/.test(last)) return null
  const prompt = lines
    .slice(0, -1)
    .filter((l) => !l.startsWith('Negative prompt:'))
    .join('\n')
    .trim()
  if (!prompt) return null
  const pairs = new Map<string, string>()
  for (const m of last.matchAll(/([A-Za-z][A-Za-z0-9 ]*): ("(?:[^"\\]|\\.)*"|[^,]*)/g)) pairs.set((m[1] as string).trim(), m[2] as string)
  const size = /^(\d{1,5})x(\d{1,5})$/.exec(pairs.get('Size')?.trim() ?? '')
  return defined({
    prompt: prompt.slice(0, MAX_PROMPT),
    seed: int(pairs.get('Seed')),
    steps: int(pairs.get('Steps')),
    guidance: num(pairs.get('CFG scale')),
    model: pairs.get('Model')?.trim().slice(0, 100) || undefined,
    width: size ? Number(size[1]) : undefined,
    height: size ? Number(size[2]) : undefined,
  })
}

/** The settings a PNG's text chunks carry, ours first, else the `parameters` form; null when none. */
export function settingsFromPngText(text: Readonly<Record<string, string>>): GenerationSettings | null {
  if (text.prompt && text.software === 'Kontext Studio') {
    return defined({
      prompt: text.prompt.slice(0, MAX_PROMPT),
      seed: int(text.seed),
      steps: int(text.steps),
      guidance: num(text.guidance),
      model: text.model?.slice(0, 100) || undefined,
    })
  }
  return text.parameters ? parseA1111(text.parameters) : null
}
