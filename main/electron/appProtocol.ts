/**
 * `kstudio://app/…` serves the built renderer and the project's blobs on one privileged origin,
 * instead of file:// (Electron security checklist #18). Only ids are accepted — never paths.
 */
import { protocol } from 'electron'
import { isBlobHash } from '../../core/ids'
import type { StudioHost } from '../services/studioHost'
import { readStaticFile } from '../web/staticFiles'

export const APP_SCHEME = 'kstudio'
export const APP_ORIGIN = `${APP_SCHEME}://app`

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ])
}

export function handleAppScheme(rendererDir: string, host: () => StudioHost | null): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== 'app') return new Response('not found', { status: 404 })
    const blob = url.pathname.match(/^\/(blob|thumb)\/([0-9a-f]{64})$/)
    if (blob) {
      const hash = blob[2] ?? ''
      const studio = host()
      const bytes =
        !isBlobHash(hash) || !studio ? null : blob[1] === 'thumb' ? await studio.thumbnails.get(hash) : studio.session.readBlob(hash)
      if (!bytes) return new Response('no such image', { status: 404 })
      return new Response(new Uint8Array(bytes), { headers: { 'Content-Type': 'image/png', 'Cache-Control': 'immutable' } })
    }
    const file = await readStaticFile(rendererDir, url.pathname)
    if (!file) return new Response('not found', { status: 404 })
    return new Response(new Uint8Array(file.body), { headers: { 'Content-Type': file.type, 'Content-Security-Policy': CSP } })
  })
}
