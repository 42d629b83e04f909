/**
 * The store's pure pieces: record paths confined to the model folder, the bf16 plan matched
 * against a repository listing (a missing file named), the token redacted, and a partial
 * download never listed as ready.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeCard } from '../../../../engine/models/cards'
import { FLUX1_KONTEXT_DEV, resolvePlan } from '../../../../engine/models/catalogue'
import { redact } from '../../../../engine/models/hubToken'
import {
  installRecordSchema,
  readInstallRecord,
  relativeFileSchema,
  writeInstallRecord,
  type InstallRecord,
} from '../../../../engine/models/installRecord'
import { ModelStore } from '../../../../engine/models/store'

const tmp = mkdtempSync(join(tmpdir(), 'kontext-store-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const LISTING = [
  'flux1-kontext-dev.safetensors',
  'ae.safetensors',
  'text_encoder/model.safetensors',
  'text_encoder/config.json',
  'text_encoder_2/model-00001-of-00002.safetensors',
  'text_encoder_2/model-00002-of-00002.safetensors',
  'text_encoder_2/model.safetensors.index.json',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'tokenizer_2/tokenizer.json',
  'transformer/diffusion_pytorch_model-00001-of-00003.safetensors',
  'vae/diffusion_pytorch_model.safetensors',
  'LICENSE.md',
  'README.md',
]

function record(over: Partial<InstallRecord> = {}): InstallRecord {
  return {
    version: 1,
    id: 'flux1-kontext-dev',
    name: 'FLUX.1 Kontext [dev]',
    catalogue: 'flux1-kontext-dev',
    state: 'installed',
    source: { kind: 'hub', repo: FLUX1_KONTEXT_DEV.repo, revision: 'a'.repeat(40) },
    precision: 'bf16',
    files: [{ path: 'ae.safetensors', size: 4 }],
    components: {},
    problems: [],
    updatedAt: '',
    ...over,
  }
}

describe('model store records', () => {
  it('refuses file paths that leave the model folder', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'C:/x', 'a\\b', './a', 'a//b'])
      expect(relativeFileSchema.safeParse(bad).success, bad).toBe(false)
    expect(relativeFileSchema.safeParse('text_encoder_2/model.safetensors').success).toBe(true)
    expect(installRecordSchema.safeParse(record({ files: [{ path: '../../.ssh/id_rsa', size: 1 }] })).success).toBe(false)
    expect(installRecordSchema.safeParse(record({ id: 'x.partial' })).success).toBe(false)
  })

  it('says what is wrong with a damaged install.json without echoing it', () => {
    const d = join(tmp, 'bad')
    mkdirSync(d)
    writeFileSync(join(d, 'install.json'), '{"secret": "hf_abcdefghijkl"')
    const r = readInstallRecord(d)
    expect(r).toEqual({ ok: false, problem: 'install.json is not valid JSON' })
  })

  it('the bf16 plan takes the BFL transformer, the autoencoder, the text encoders and tokenizers, nothing else', () => {
    const { files, missing } = resolvePlan(FLUX1_KONTEXT_DEV, 'bf16', LISTING)
    expect(missing).toEqual([])
    expect(files.sort()).toEqual(
      [
        'LICENSE.md',
        'ae.safetensors',
        'flux1-kontext-dev.safetensors',
        'text_encoder/model.safetensors',
        'text_encoder_2/model-00001-of-00002.safetensors',
        'text_encoder_2/model-00002-of-00002.safetensors',
        'text_encoder_2/model.safetensors.index.json',
        'tokenizer/merges.txt',
        'tokenizer/vocab.json',
        'tokenizer_2/tokenizer.json',
      ].sort(),
    )
    const without = resolvePlan(
      FLUX1_KONTEXT_DEV,
      'bf16',
      LISTING.filter((p) => p !== 'ae.safetensors' && !p.startsWith('tokenizer_2/')),
    )
    expect(without.missing).toEqual(['ae.safetensors (the autoencoder)', 'tokenizer_2/tokenizer.json (the T5 tokenizer)'])
    expect(resolvePlan(FLUX1_KONTEXT_DEV, 'int3', LISTING).missing[0]).toContain('no int3 plan')
  })

  it('redacts the token and anything shaped like one', () => {
    expect(redact('Bearer hf_abcdefghijKLMN failed', 'hf_abcdefghijKLMN')).toBe('Bearer hf_*** failed')
    expect(redact('other hf_zzzzzzzzzzzz', null)).toBe('other hf_***')
  })

  it('a partial download is listed as incomplete even if its record says installed; only commit makes it ready', () => {
    const store = new ModelStore(join(tmp, 'store'))
    const dir = store.openPartial('flux1-kontext-dev')
    writeFileSync(join(dir, 'ae.safetensors'), 'abcd')
    writeInstallRecord(dir, record())
    const [entry] = store.list()
    expect(entry).toMatchObject({ id: 'flux1-kontext-dev', partial: true })
    expect(storeCard(store, entry!, []).status).toBe('incomplete')
    expect(store.get('flux1-kontext-dev')).toBeUndefined()
    store.commit('flux1-kontext-dev')
    expect(storeCard(store, store.get('flux1-kontext-dev')!, []).status).toBe('ready')
    expect(() => store.openPartial('flux1-kontext-dev')).toThrow(/already installed/)
    store.remove('flux1-kontext-dev')
    expect(store.list()).toEqual([])
  })
})
