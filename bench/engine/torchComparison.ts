/**
 * The PyTorch side of the engine benchmark. It runs only when /usr/bin/python3 imports torch AND
 * the training recipe has left a PyTorch checkpoint and a runner for it (contract below); otherwise
 * it says in one line why the comparison is absent.
 *
 * Contract with training/ (owned by the training recipe): `training/bench_torch.py --checkpoint
 * FILE --steps N --runs R --threads T` prints one JSON object `{ "medianMs": { "text": …,
 * "context": …, "step": …, "decode": …, "total": … } }` for the same edit on the CPU, eager mode.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const PYTHON = '/usr/bin/python3'

export type TorchResult = { ok: true; medianMs: Record<string, number>; checkpoint: string } | { ok: false; why: string }

function findCheckpoint(root: string): string | null {
  if (process.env.KONTEXT_TORCH_CHECKPOINT) return existsSync(process.env.KONTEXT_TORCH_CHECKPOINT) ? process.env.KONTEXT_TORCH_CHECKPOINT : null
  const out = join(root, 'training', 'out')
  if (!existsSync(out)) return null
  const stack = [out]
  while (stack.length) {
    const dir = stack.pop()!
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(dir, e.name))
      else if (/\.(pt|pth|ckpt)$/.test(e.name)) return join(dir, e.name)
    }
  }
  return null
}

export function runTorchComparison(root: string, steps: number, runs: number, threads: number): TorchResult {
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} is not installed` }
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' })
  } catch {
    return { ok: false, why: `${PYTHON} has no torch module` }
  }
  const checkpoint = findCheckpoint(root)
  if (!checkpoint) return { ok: false, why: 'no PyTorch checkpoint of the model (training/out/**/*.pt or $KONTEXT_TORCH_CHECKPOINT)' }
  const runner = join(root, 'training', 'bench_torch.py')
  if (!existsSync(runner)) return { ok: false, why: 'training/bench_torch.py (the PyTorch runner) does not exist yet' }
  try {
    const out = execFileSync(PYTHON, [runner, '--checkpoint', checkpoint, '--steps', String(steps), '--runs', String(runs), '--threads', String(threads)], { encoding: 'utf8' })
    const parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { medianMs?: Record<string, number> }
    if (!parsed.medianMs) return { ok: false, why: 'training/bench_torch.py printed no medianMs' }
    return { ok: true, medianMs: parsed.medianMs, checkpoint }
  } catch (e) {
    return { ok: false, why: `training/bench_torch.py failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` }
  }
}
