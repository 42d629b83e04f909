/**
 * The desktop's hub token: encrypted with Electron `safeStorage` (the OS keychain / DPAPI /
 * libsecret) into a 0600 file in the app's user-data folder, never in a project. Null where the
 * OS offers no encryption — the Models page then keeps the token in memory only, as the web host does.
 */
import { safeStorage } from 'electron'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { TokenVault } from '../services/modelService'

export function safeStorageVault(file: string): TokenVault | null {
  if (!safeStorage.isEncryptionAvailable()) return null
  return {
    load() {
      if (!existsSync(file)) return null
      try {
        return safeStorage.decryptString(readFileSync(file))
      } catch {
        // Encrypted under another login or machine: as if none were saved.
        return null
      }
    },
    save(token) {
      writeFileSync(file, safeStorage.encryptString(token), { mode: 0o600 })
    },
  }
}
