/**
 * The layer store, told as a designer's session against a fake host: each node has its own layer
 * document and undo stack, every committed change is saved, a dropped shot becomes a layer where it
 * was dropped (kept on the picture), a bad file is refused alone, and undo never touches selection.
 */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import type { LayerDocument } from '../../../core/domain/model'
import type { NodeId } from '../../../core/ids'
import { useLayersStore } from '../../../renderer/src/stores/layers'
import { useProjectStore } from '../../../renderer/src/stores/project'
import { useToastStore } from '../../../renderer/src/stores/toasts'
import { createFakeStudio, doneNode, hashOf, projectWith, type FakeStudio } from './fakeStudio'

let studio: FakeStudio
const shot = hashOf('5h07')

async function open(): Promise<{ project: ReturnType<typeof useProjectStore>; layers: ReturnType<typeof useLayersStore> }> {
  studio = createFakeStudio(projectWith([doneNode('a', null, 1), doneNode('b', 'a', 2)]))
  studio.calls.describeEngine.mockRejectedValue(new Error('not in this test'))
  studio.calls.saveLayers.mockResolvedValue(undefined)
  studio.calls.storeImage.mockImplementation(async ({ fileName }: { fileName: string }) => {
    if (fileName.endsWith('.txt')) throw { name: 'StudioError', code: 'import.notImage', message: `“${fileName}” is not an image.` }
    return { hash: shot, width: 20, height: 10, format: 'png', byteSize: 9, hasAlpha: true }
  })
  const project = useProjectStore()
  await project.connect(studio)
  const layers = useLayersStore()
  await nextTick()
  return { project, layers }
}

const file = (name: string): File =>
  new File([new Uint8Array([1, 2, 3])], name, { type: name.endsWith('.txt') ? 'text/plain' : 'image/png' })
const lastSaved = (): LayerDocument => (studio.calls.saveLayers.mock.calls.at(-1)?.[0] as { document: LayerDocument }).document

beforeEach(() => setActivePinia(createPinia()))

describe('the layer document of the current node', () => {
  it('starts empty at the size of the node’s picture', async () => {
    const { layers } = await open()
    expect(layers.doc).toEqual({ nodeId: 'b', width: 64, height: 48, layers: [] })
    expect(layers.undoable).toBe(false)
  })

  it('adds a dropped shot centred where it was dropped, kept wholly on the picture, and saves it', async () => {
    const { layers } = await open()
    await layers.addImageFiles([file('bottle.png')], { x: 500, y: 10 })
    const [layer] = layers.doc?.layers ?? []
    expect(layer).toMatchObject({
      kind: 'image',
      name: 'bottle.png',
      blob: shot,
      width: 20,
      height: 10,
      transform: { x: 44, y: 5, scaleX: 1 },
    })
    expect(layers.selectedId).toBe(layer?.id)
    await expect.poll(() => studio.calls.saveLayers.mock.calls.length).toBe(1)
    expect(lastSaved()).toEqual(layers.doc)
  })

  it('refuses a file that is not an image with a message and keeps the good ones', async () => {
    const { layers } = await open()
    await layers.addImageFiles([file('notes.txt'), file('bottle.png')], { x: 10, y: 10 })
    expect(layers.doc?.layers).toHaveLength(1)
    expect(useToastStore().toasts.map((t) => t.message)).toEqual(['“notes.txt” is not an image.'])
  })

  it('undoes and redoes opacity and visibility changes, saving each state, while selection stays put', async () => {
    const { layers } = await open()
    await layers.addImageFiles([file('bottle.png')], { x: 10, y: 10 })
    const id = layers.doc?.layers[0]?.id as NonNullable<typeof layers.selectedId>
    layers.update(id, { opacity: 0.4 })
    layers.update(id, { visible: false })
    layers.select(null)
    layers.undo()
    expect(layers.doc?.layers[0]).toMatchObject({ opacity: 0.4, visible: true })
    layers.undo()
    expect(layers.doc?.layers[0]?.opacity).toBe(1)
    expect(layers.selectedId).toBeNull()
    layers.redo()
    expect(layers.doc?.layers[0]?.opacity).toBe(0.4)
    await expect.poll(() => lastSaved().layers[0]?.opacity).toBe(0.4)
    expect(layers.redoable).toBe(true)
  })

  it('keeps one document and undo stack per node when the designer switches nodes', async () => {
    const { project, layers } = await open()
    layers.addTextLayer('Sale')
    project.select('a' as NodeId)
    await nextTick()
    expect(layers.doc).toMatchObject({ nodeId: 'a', layers: [] })
    expect(layers.undoable).toBe(false)
    project.select('b' as NodeId)
    await nextTick()
    // Back on b: its text layer and its undo step are still there.
    expect(layers.doc?.layers.map((l) => l.name)).toEqual(['Sale'])
    expect(layers.undoable).toBe(true)
    layers.undo()
    expect(layers.doc?.layers).toEqual([])
  })

  it('sends the node’s own picture as the context when there is nothing to flatten', async () => {
    const { project, layers } = await open()
    expect(await layers.generationInputFor(project.current)).toEqual({ contextBlobs: [hashOf('b')] })
    expect(layers.lastComposite).toBeNull()
  })
})
