/**
 * Whether a model's figures on the benchmark are unseen-case figures or only an upper bound: a
 * model folder whose metrics.json records training under the benchmark's split rule (written by
 * training/train.py) never saw a bucket-0 case; any other model — the bundled kontext-tiny was
 * trained before the rule existed — may have trained on some of them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HeldOutSpec } from '../kontextbench'

export interface SplitProvenance {
  /** True when the model's own record says it never trained on the benchmark's bucket. */
  readonly unseen: boolean
  /** One sentence for the report. */
  readonly note: string
}

interface RecordedSplit {
  readonly rule?: unknown
  readonly buckets?: unknown
  readonly heldOutBucket?: unknown
  readonly trainedOnHeldOut?: unknown
}

export function splitProvenance(modelDir: string, spec: HeldOutSpec): SplitProvenance {
  const file = join(modelDir, 'metrics.json')
  let split: RecordedSplit | undefined
  if (existsSync(file)) {
    try {
      split = (JSON.parse(readFileSync(file, 'utf8')) as { split?: RecordedSplit }).split
    } catch {
      split = undefined // an unreadable record proves nothing: treated as no record
    }
  }
  const rule = `${spec.split.rule} (bucket ${spec.split.heldOutBucket} of ${spec.split.buckets})`
  if (
    split?.rule === spec.split.rule &&
    split.buckets === spec.split.buckets &&
    split.heldOutBucket === spec.split.heldOutBucket &&
    split.trainedOnHeldOut === false
  )
    return {
      unseen: true,
      note: `Every case and chain step is from split ${rule}, which this model's training record says it never trained on.`,
    }
  return {
    unseen: false,
    note:
      `**Upper bound only:** every case is from split ${rule}, but this model's metrics.json records no training under that rule ` +
      '(the bundled kontext-tiny was trained before it existed), so it may have trained on some of these cases; ' +
      'its figures here are an upper bound of its score on unseen cases.',
  }
}
