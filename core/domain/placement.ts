/**
 * Which component ran where, in one line for the status bar: grouped by provider, in the order the
 * components first ran ("t5, clip, vae-encoder on cpu; transformer on cuda"). Empty before a job.
 */
import type { ComponentPlacement } from './engineTypes'

export function placementText(placed: readonly ComponentPlacement[]): string {
  const byProvider = new Map<string, string[]>()
  for (const p of placed) byProvider.set(p.provider, [...(byProvider.get(p.provider) ?? []), p.component])
  return [...byProvider].map(([provider, components]) => `${components.join(', ')} on ${provider}`).join('; ')
}
