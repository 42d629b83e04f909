/**
 * bench:quality calls a model's bucket-0 figures unseen only when the model's own training record
 * says it was trained under the benchmark's split; the bundled kontext-tiny (trained before the
 * rule) and any folder without such a record are reported as an upper bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HELD_OUT } from '../../../bench/kontextbench'
import { splitProvenance } from '../../../bench/quality/provenance'
import { tinyModelDir } from '../../fixtures/engine/paths'

describe('split provenance of a model folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-provenance-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const withRecord = (split: unknown) => {
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ split }))
    return splitProvenance(dir, HELD_OUT)
  }

  it('calls the bundled kontext-tiny an upper bound', () => {
    const p = splitProvenance(tinyModelDir, HELD_OUT)
    expect(p.unseen).toBe(false)
    expect(p.note).toMatch(/upper bound/)
  })

  it('calls a model trained under the same split unseen', () => {
    expect(withRecord({ ...HELD_OUT.split, trainedOnHeldOut: false }).unseen).toBe(true)
  })

  it('does not trust another rule, another bucket, a model that trained on bucket 0, or an unreadable record', () => {
    expect(withRecord({ ...HELD_OUT.split, rule: 'kbm-split-v0', trainedOnHeldOut: false }).unseen).toBe(false)
    expect(withRecord({ ...HELD_OUT.split, heldOutBucket: 3, trainedOnHeldOut: false }).unseen).toBe(false)
    expect(withRecord({ ...HELD_OUT.split, trainedOnHeldOut: true }).unseen).toBe(false)
    writeFileSync(join(dir, 'metrics.json'), '{ not json')
    expect(splitProvenance(dir, HELD_OUT).unseen).toBe(false)
  })
})
