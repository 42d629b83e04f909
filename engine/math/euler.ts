/**
 * One Euler step of the rectified-flow ODE from t to t': x ← x + (t' − t)·v (KONTEXT_PIPELINE.md §6).
 * Only the first `x.length` values of `v` are used, so the transformer's output for
 * [target ; context] tokens can be passed whole — the context's velocity is discarded.
 * The running latent stays float32 (the spec recommends fp32 over BFL's bf16 rounding).
 */
export function eulerStep(x: Float32Array, v: Float32Array, tCurr: number, tNext: number): Float32Array {
  if (v.length < x.length) throw new RangeError(`velocity has ${v.length} values, the latent ${x.length}`)
  const dt = tNext - tCurr
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + dt * v[i]!
  return out
}

/** Classifier-free guidance: uncond + scale·(cond − uncond). */
export function combineGuidance(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length)
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i]! + scale * (cond[i]! - uncond[i]!)
  return out
}
