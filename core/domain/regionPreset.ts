/**
 * Region presets of a batch: which part of each photo the one instruction may change. The mask is
 * made from each item's own photo where images are decoded (the engine for `kontext batch`, the
 * image worker in the studio); the geometry is engine/math/regionPresets.ts. Every model the engine
 * runs takes a mask, since the engine itself crops around it and blends the edit back.
 */
export const REGION_PRESETS = ['whole', 'background', 'centre', 'edges'] as const
export type RegionPreset = (typeof REGION_PRESETS)[number]
/** The presets that make a mask (“whole” edits the whole image, without one). */
export type MaskPreset = Exclude<RegionPreset, 'whole'>
export const MASK_PRESETS = ['background', 'centre', 'edges'] as const satisfies readonly MaskPreset[]

/** What the Batch panel's Region menu and the plan say for each preset. */
export const REGION_PRESET_LABELS: Readonly<Record<RegionPreset, string>> = {
  whole: 'Whole image',
  background: 'Background only (transparent pixels of a cut-out)',
  centre: 'Centre (the middle 60%)',
  edges: 'Edges (a 15% border)',
}

export const isMaskPreset = (p: RegionPreset): p is MaskPreset => p !== 'whole'
