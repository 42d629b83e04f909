/**
 * Models the studio knows how to get, with their cards. The file plan says which files of the
 * repository each precision needs; it is matched against the repository's real listing, so a
 * renamed shard is picked up and a missing file is named rather than guessed.
 */

export interface PlanRule {
  /** A repository path, or a folder prefix ending in `/` with the file suffix that must follow. */
  readonly path: string
  readonly suffix?: string
  /**
   * A top-level file name pattern instead of an exact path (a variant whose name differs between
   * repositories, e.g. an fp8 transformer; the first match by name is taken); `path` is then how
   * the pattern is named to the user.
   */
  readonly match?: RegExp
  /** What the file is for, in words (shown when it is missing from the repository). */
  readonly role: string
}

export interface CatalogueEntry {
  readonly id: string
  readonly name: string
  readonly repo: string
  readonly purpose: string
  /** Output sizes as [width, height] (FLUX.1 Kontext's preferred resolutions, about one megapixel). */
  readonly resolutions: readonly (readonly [number, number])[]
  readonly licence: { readonly name: string; readonly url: string; readonly sentence: string }
  readonly gated: string
  readonly plans: Readonly<Record<string, readonly PlanRule[]>>
}

/** What every precision's plan takes besides its transformer: the autoencoder, the text encoders and tokenizers, the licence. */
const BESIDE_THE_TRANSFORMER: readonly PlanRule[] = [
  { path: 'ae.safetensors', role: 'the autoencoder' },
  { path: 'text_encoder/', suffix: '.safetensors', role: 'the CLIP-L text encoder' },
  { path: 'text_encoder_2/', suffix: '.safetensors', role: 'the T5-XXL encoder shards' },
  { path: 'text_encoder_2/', suffix: '.safetensors.index.json', role: 'the T5-XXL shard index' },
  { path: 'tokenizer/vocab.json', role: 'the CLIP tokenizer vocabulary' },
  { path: 'tokenizer/merges.txt', role: 'the CLIP tokenizer merges' },
  { path: 'tokenizer_2/tokenizer.json', role: 'the T5 tokenizer' },
  { path: 'LICENSE.md', role: 'the licence' },
]

export const FLUX1_KONTEXT_DEV: CatalogueEntry = {
  id: 'flux1-kontext-dev',
  name: 'FLUX.1 Kontext [dev]',
  repo: 'black-forest-labs/FLUX.1-Kontext-dev',
  purpose: 'In-context editing of photos and illustrations from an instruction, with reference images.',
  // The preferred Kontext resolutions of the diffusers FluxKontextPipeline, as [width, height].
  resolutions: [
    [672, 1568],
    [688, 1504],
    [720, 1456],
    [752, 1392],
    [800, 1328],
    [832, 1248],
    [880, 1184],
    [944, 1104],
    [1024, 1024],
    [1104, 944],
    [1184, 880],
    [1248, 832],
    [1328, 800],
    [1392, 752],
    [1456, 720],
    [1504, 688],
    [1568, 672],
  ],
  licence: {
    name: 'FLUX.1 [dev] Non-Commercial License',
    url: 'https://huggingface.co/black-forest-labs/FLUX.1-Kontext-dev/blob/main/LICENSE.md',
    sentence:
      'FLUX.1 Kontext [dev] is released under the FLUX.1 [dev] Non-Commercial License: read it before downloading; the weights may not be used commercially without a licence from Black Forest Labs.',
  },
  gated:
    'The repository is gated: sign in at huggingface.co, open black-forest-labs/FLUX.1-Kontext-dev, accept its licence, then create a read token (huggingface.co/settings/tokens) and give it to the studio (HF_TOKEN, or a token file readable only by you).',
  plans: {
    // The BFL transformer and autoencoder at the top of the repository, the text encoders and
    // tokenizers from its diffusers folders — the layout `inspectModelFolder` calls the official release.
    bf16: [{ path: 'flux1-kontext-dev.safetensors', role: 'the transformer (bf16, BFL layout)' }, ...BESIDE_THE_TRANSFORMER],
    // Only where the repository has one: an fp8 (e4m3fn, optionally with per-tensor scales)
    // transformer in BFL's layout at the top, half the bf16 file; everything else as in bf16. The
    // official repository has none today, so this plan is refused there with the file named.
    fp8: [
      {
        path: '*kontext*fp8*.safetensors',
        match: /^[^/]*kontext[^/]*fp8[^/]*\.safetensors$/i,
        role: 'the transformer in fp8 (BFL layout); this repository does not offer one — use bf16',
      },
      ...BESIDE_THE_TRANSFORMER,
    ],
  },
}

export const CATALOGUE: readonly CatalogueEntry[] = [FLUX1_KONTEXT_DEV]

export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.id === id)
}

/** The repository paths one rule takes (a folder rule takes only that folder's direct files). */
export function matchRule(rule: PlanRule, paths: readonly string[]): string[] {
  const pattern = rule.match
  // One file per pattern: two fp8 transformers would be two models in one folder.
  if (pattern)
    return paths
      .filter((p) => pattern.test(p))
      .sort()
      .slice(0, 1)
  if (!rule.path.endsWith('/')) return paths.filter((p) => p === rule.path)
  return paths.filter((p) => {
    if (!p.startsWith(rule.path)) return false
    const rest = p.slice(rule.path.length)
    return !rest.includes('/') && rest.endsWith(rule.suffix ?? '')
  })
}

/** Paths to download for a precision, and each rule the listing cannot satisfy (named, all at once). */
export function resolvePlan(entry: CatalogueEntry, precision: string, paths: readonly string[]): { files: string[]; missing: string[] } {
  const rules = entry.plans[precision]
  if (!rules) return { files: [], missing: [`no ${precision} plan for ${entry.name}; known: ${Object.keys(entry.plans).join(', ')}`] }
  const files: string[] = []
  const missing: string[] = []
  for (const rule of rules) {
    const hit = matchRule(rule, paths)
    if (hit.length === 0) missing.push(`${rule.path}${rule.suffix ? `*${rule.suffix}` : ''} (${rule.role})`)
    for (const p of hit) if (!files.includes(p)) files.push(p)
  }
  return { files, missing }
}
