/** Decoded images by URL, kept outside reactive state (Konva wants plain HTMLImageElements). */
const cache = new Map<string, Promise<HTMLImageElement>>()

export function loadImage(url: string): Promise<HTMLImageElement> {
  let hit = cache.get(url)
  if (!hit) {
    hit = new Promise<HTMLImageElement>((resolve, reject) => {
      const img = new Image()
      img.onload = () => resolve(img)
      img.onerror = () => reject(new Error(`could not load ${url}`))
      img.src = url
    })
    cache.set(url, hit)
    hit.catch(() => cache.delete(url))
  }
  return hit
}
