import { describe, expect, it } from 'vitest'
import { formatParameters, settingsFromPngText } from '../../../core/domain/generationParameters'

describe('the parameters text chunk other image tools read', () => {
  const settings = {
    prompt: 'make the red circle blue',
    seed: 1234,
    steps: 28,
    guidance: 2.5,
    width: 1024,
    height: 768,
    model: 'flux1-kontext-dev',
  }

  it('is written in the prompt-then-pairs form', () => {
    expect(formatParameters(settings)).toBe(
      'make the red circle blue\nSteps: 28, Sampler: Euler, CFG scale: 2.5, Seed: 1234, Size: 1024x768, Model: flux1-kontext-dev',
    )
  })

  it('reads back what it wrote', () => {
    expect(settingsFromPngText({ parameters: formatParameters(settings) })).toEqual(settings)
  })

  it('reads another tool’s file: a multi-line prompt, a negative prompt and extra pairs', () => {
    const text =
      'a red shoe on white,\nstudio light\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abc, Model: sd15'
    expect(settingsFromPngText({ parameters: text })).toEqual({
      prompt: 'a red shoe on white,\nstudio light',
      seed: 42,
      steps: 30,
      guidance: 7,
      model: 'sd15',
      width: 512,
      height: 512,
    })
  })

  it('prefers the studio’s own chunks, and ignores text that carries no settings', () => {
    expect(
      settingsFromPngText({
        software: 'Kontext Studio',
        prompt: 'remove the ring',
        seed: '7',
        steps: '4',
        guidance: '1',
        model: 'kontext-tiny',
      }),
    ).toEqual({
      prompt: 'remove the ring',
      seed: 7,
      steps: 4,
      guidance: 1,
      model: 'kontext-tiny',
    })
    expect(settingsFromPngText({ Comment: 'hello' })).toBeNull()
    expect(settingsFromPngText({ parameters: 'just a caption' })).toBeNull()
    expect(settingsFromPngText({ parameters: 'x\nSteps: 99999999999, Seed: -1' })).toEqual({ prompt: 'x' })
  })
})
