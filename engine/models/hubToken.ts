/**
 * The hub token for the CLI and the web host: `HF_TOKEN`, else a token file readable only by its
 * owner (mode 0600 — a file others can read is refused, as ssh refuses a loose key). The token is
 * never printed, logged or put in an error: everything that leaves the download code goes through
 * `redact`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { StudioError, studioError } from '../../core/result'

export type TokenSource = { token: string; from: 'HF_TOKEN' | 'file' } | { token: null; from: 'none' }

export function readHubToken(env: NodeJS.ProcessEnv, tokenFile: string | undefined): TokenSource {
  if (tokenFile) {
    if (!existsSync(tokenFile))
      throw new StudioError(studioError('model.token', 'The token file does not exist.', 'Give the path of a file holding your hub token.'))
    const st = statSync(tokenFile)
    if (!st.isFile()) throw new StudioError(studioError('model.token', 'The token file is not a regular file.'))
    // Windows has no POSIX modes; there the file's ACL is the user's business.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new StudioError(
        studioError(
          'model.token',
          `The token file can be read by other users (mode ${(st.mode & 0o777).toString(8)}); it must be readable only by you.`,
          'chmod 600 the file, then try again.',
        ),
      )
    }
    const token = readFileSync(tokenFile, 'utf8').trim()
    if (!/^hf_[A-Za-z0-9]{8,}$/.test(token))
      throw new StudioError(studioError('model.token', 'The token file does not hold a hub token (hf_…).'))
    return { token, from: 'file' }
  }
  const fromEnv = env.HF_TOKEN?.trim()
  if (fromEnv) {
    if (!/^hf_[A-Za-z0-9]{8,}$/.test(fromEnv))
      throw new StudioError(studioError('model.token', 'HF_TOKEN does not hold a hub token (hf_…).'))
    return { token: fromEnv, from: 'HF_TOKEN' }
  }
  return { token: null, from: 'none' }
}

/** The text with the token (and anything shaped like a hub token) replaced. */
export function redact(text: string, token: string | null | undefined): string {
  let out = token ? text.split(token).join('hf_***') : text
  out = out.replace(/hf_[A-Za-z0-9]{8,}/g, 'hf_***')
  return out
}
