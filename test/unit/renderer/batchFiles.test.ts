/**
 * The Batch panel's folder walker against a fake of Chromium's entries API: a dropped folder is a
 * FileSystemDirectoryEntry whose reader hands out at most 100 entries per readEntries call (then an
 * empty array), every callback asynchronous, and `file()` giving the File.
 */
import { describe, expect, it } from 'vitest'
import { droppedImages } from '../../../renderer/src/components/batchFiles'

type Tree = { [name: string]: Tree | string }
const later = (f: () => void) => setTimeout(f, 0)

/** Builds entries shaped like Chromium's from a nested object: a string is a file's content. */
function entry(name: string, node: Tree | string, path = ''): FileSystemEntry {
  const fullPath = `${path}/${name}`
  if (typeof node === 'string') {
    const type = /\.png$/.test(name) ? 'image/png' : /\.jpe?g$/.test(name) ? 'image/jpeg' : ''
    return {
      name,
      fullPath,
      isFile: true,
      isDirectory: false,
      file: (ok: (f: File) => void) => later(() => ok(new File([node], name, { type }))),
    } as unknown as FileSystemFileEntry
  }
  return {
    name,
    fullPath,
    isFile: false,
    isDirectory: true,
    createReader() {
      // Chromium's order is not sorted; hand them out shuffled, in chunks of 100.
      const children = Object.entries(node).reverse()
      let at = 0
      return {
        readEntries(ok: (e: FileSystemEntry[]) => void) {
          const chunk = children.slice(at, at + 100).map(([n, c]) => entry(n, c, fullPath))
          at += chunk.length
          later(() => ok(chunk))
        },
      }
    },
  } as unknown as FileSystemDirectoryEntry
}

function drop(entries: (FileSystemEntry | null)[], files: File[] = []): DataTransfer {
  return {
    items: entries.map((e) => ({ kind: 'file', webkitGetAsEntry: () => e })),
    files,
  } as unknown as DataTransfer
}

describe('dropping a folder on the Batch panel', () => {
  it('reads every image of the folder and its sub-folders, past the reader’s 100-entry chunks, in name order', async () => {
    const shots: Tree = {}
    for (let i = 0; i < 250; i++) shots[`shot-${String(i).padStart(3, '0')}.png`] = `png ${i}`
    const folder: Tree = {
      ...shots,
      'notes.txt': 'not an image',
      'Thumbs.db': 'x',
      sub: { 'b.jpg': 'jpeg b', 'a.PNG': 'png a', deeper: { 'z.webp': 'webp' } },
    }
    const files = await droppedImages(drop([entry('products', folder)]))
    const names = files.map((f) => f.name)
    expect(names).toHaveLength(253)
    expect(names.slice(0, 3)).toEqual(['shot-000.png', 'shot-001.png', 'shot-002.png'])
    expect(names.slice(-3)).toEqual(['a.PNG', 'b.jpg', 'z.webp'])
    expect(names).not.toContain('notes.txt')
    expect(await files[0]?.text()).toBe('png 0')
  })

  it('takes a mix of dropped files and folders', async () => {
    const files = await droppedImages(drop([entry('loose.png', 'loose'), entry('more', { 'm.jpeg': 'm' })]))
    expect(files.map((f) => f.name)).toEqual(['loose.png', 'm.jpeg'])
  })

  it('stops at a link loop instead of walking forever', async () => {
    const loop: FileSystemDirectoryEntry = {
      name: 'loop',
      fullPath: '/loop',
      isFile: false,
      isDirectory: true,
      createReader() {
        let given = false
        return {
          readEntries(ok: (e: FileSystemEntry[]) => void) {
            const chunk = given ? [] : [loop, entry('x.png', 'x', '/loop')]
            given = true
            later(() => ok(chunk))
          },
        }
      },
    } as unknown as FileSystemDirectoryEntry
    const files = await droppedImages(drop([loop]))
    expect(files.length).toBeGreaterThan(0)
    expect(files.length).toBeLessThanOrEqual(10)
    expect(files.every((f) => f.name === 'x.png')).toBe(true)
  })

  it('uses the plain file list where the browser gives no entries', async () => {
    const plain = [new File(['a'], 'a.png', { type: 'image/png' }), new File(['t'], 'readme.txt', { type: 'text/plain' })]
    const files = await droppedImages(drop([null, null], plain))
    expect(files.map((f) => f.name)).toEqual(['a.png'])
  })
})
