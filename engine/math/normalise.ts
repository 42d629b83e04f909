/**
 * Latent normalisation of the FLUX autoencoder: z_model = scale·(z_vae − shift), and back
 * z_vae = z_model/scale + shift (KONTEXT_PIPELINE.md §1.2). Models that normalise inside their
 * graphs (kontext-tiny) skip these; the manifest says which.
 */
export function normaliseLatent(z: Float32Array, scale: number, shift: number): Float32Array {
  const out = new Float32Array(z.length)
  for (let i = 0; i < z.length; i++) out[i] = scale * (z[i]! - shift)
  return out
}

export function denormaliseLatent(z: Float32Array, scale: number, shift: number): Float32Array {
  const out = new Float32Array(z.length)
  for (let i = 0; i < z.length; i++) out[i] = z[i]! / scale + shift
  return out
}
