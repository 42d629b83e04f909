/**
 * The files of a drop on the Batch panel. A folder dropped in Chromium arrives as a directory
 * entry: its images (and those of its sub-folders) are read through the entries API. Where the
 * browser gives no entries, the drop's plain file list is used.
 */
const IMAGE_NAME = /\.(png|jpe?g|webp|gif|bmp|tiff?|avif)$/i
const isImage = (f: File): boolean => f.type.startsWith('image/') || IMAGE_NAME.test(f.name)

const fileOf = (entry: FileSystemFileEntry): Promise<File> => new Promise((resolve, reject) => entry.file(resolve, reject))

/** A directory reader gives its entries in chunks; read until it gives none. */
async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader()
  const out: FileSystemEntry[] = []
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
    if (chunk.length === 0) return out
    out.push(...chunk)
  }
}

async function walk(entry: FileSystemEntry, depth: number): Promise<File[]> {
  if (entry.isFile) return [await fileOf(entry as FileSystemFileEntry)]
  // A bound on nesting keeps a link loop from running forever.
  if (!entry.isDirectory || depth > 8) return []
  const children = await readAll(entry as FileSystemDirectoryEntry)
  children.sort((a, b) => a.name.localeCompare(b.name))
  return (await Promise.all(children.map((c) => walk(c, depth + 1)))).flat()
}

/** Must be called during the drop event: the items are gone once it returns. */
export function droppedImages(dt: DataTransfer | null): Promise<File[]> {
  if (!dt) return Promise.resolve([])
  const entries = Array.from(dt.items)
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry())
  const files = Array.from(dt.files)
  if (entries.length === 0 || entries.some((e) => e === null)) return Promise.resolve(files.filter(isImage))
  return Promise.all(entries.map((e) => walk(e as FileSystemEntry, 0))).then((lists) => lists.flat().filter(isImage))
}

export function pickedImages(input: HTMLInputElement): File[] {
  return Array.from(input.files ?? []).filter(isImage)
}
