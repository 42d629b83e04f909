/**
 * The PyTorch side of the engine benchmark. It runs only when /usr/bin/python3 imports torch;
 * otherwise it says in one line why the comparison is absent. The two sides must run the same
 * network: the bundled model has no PyTorch checkpoint, so the recipe makes one of the same
 * architecture (a 2-step run — speed does not depend on the weights) and exports it, and the
 * engine is timed on that export too.
 *
 * Contract with training/ (owned by the training recipe): `training/bench_torch.py --checkpoint
 * FILE --steps N --runs R --threads T` prints one JSON object `{ "medianMs": { "text": …,
 * "context": …, "step": …, "decode": …, "total": … } }` for the same edit on the CPU, eager mode.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

const PYTHON = '/usr/bin/python3'

export type TorchResult = { ok: true; medianMs: Record<string, number>; checkpoint: string; modelDir: string } | { ok: false; why: string }

/**
 * A checkpoint with its ONNX export beside it (`model/`): $KONTEXT_TORCH_CHECKPOINT, or one the
 * recipe makes at the bundled model's default size under bench/out/engine-torch (kept for reuse).
 */
function sameArchitectureCheckpoint(root: string): string | { why: string } {
  const given = process.env.KONTEXT_TORCH_CHECKPOINT
  if (given) return existsSync(join(dirname(given), 'model', 'model.json')) ? given : { why: `${given} has no exported model/ beside it` }
  const out = join(root, 'bench', 'out', 'engine-torch')
  const checkpoint = join(out, 'checkpoint.pt')
  if (existsSync(checkpoint) && existsSync(join(out, 'model', 'model.json'))) return checkpoint
  console.error('Making a PyTorch checkpoint of the bundled architecture (a 2-step run of training/train.py, ~1 min)…')
  try {
    execFileSync(
      PYTHON,
      [
        join(root, 'training', 'train.py'),
        '--out',
        out,
        '--steps',
        '2',
        '--ae-steps',
        '2',
        '--batch',
        '8',
        '--ae-batch',
        '8',
        '--eval-n',
        '4',
        '--quick-n',
        '4',
        '--multi-n',
        '2',
        '--chain-frac',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    )
  } catch (e) {
    return { why: `training/train.py could not make a checkpoint: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` }
  }
  return checkpoint
}

export function runTorchComparison(root: string, steps: number, runs: number, threads: number): TorchResult {
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} is not installed` }
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' })
  } catch {
    return { ok: false, why: `${PYTHON} has no torch module` }
  }
  const checkpoint = sameArchitectureCheckpoint(root)
  if (typeof checkpoint !== 'string') return { ok: false, why: checkpoint.why }
  const runner = join(root, 'training', 'bench_torch.py')
  if (!existsSync(runner)) return { ok: false, why: 'training/bench_torch.py (the PyTorch runner) does not exist yet' }
  try {
    const out = execFileSync(
      PYTHON,
      [runner, '--checkpoint', checkpoint, '--steps', String(steps), '--runs', String(runs), '--threads', String(threads)],
      { encoding: 'utf8' },
    )
    const parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { medianMs?: Record<string, number> }
    if (!parsed.medianMs) return { ok: false, why: 'training/bench_torch.py printed no medianMs' }
    return { ok: true, medianMs: parsed.medianMs, checkpoint, modelDir: join(dirname(checkpoint), 'model') }
  } catch (e) {
    return { ok: false, why: `training/bench_torch.py failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` }
  }
}
