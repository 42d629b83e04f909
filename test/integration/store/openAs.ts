/**
 * Child-process entry for tests that need another process (or another user): opens a project and
 * prints the outcome as one JSON line, then holds the project until stdin closes when asked to.
 * Usage: tsx openAs.ts <path> <driver> [hold]
 */
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import type { DriverName } from '../../../main/store/driver'

const [path, driver, hold] = process.argv.slice(2)
const opened = openProjectStore(path as string, { driver: driver as DriverName })
process.stdout.write(
  `${JSON.stringify(opened.ok ? { ok: true } : { ok: false, code: opened.error.code, message: opened.error.message })}\n`,
)
if (opened.ok && hold === 'hold') {
  process.stdin.resume()
  process.stdin.on('end', () => {
    opened.value.close()
    process.exit(0)
  })
} else if (opened.ok) {
  opened.value.close()
}
