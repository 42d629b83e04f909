/**
 * The web host's last line of defence: an error that escapes a handler (a bug reached by one
 * connection) is logged in one line and the host keeps serving the others, instead of Node's
 * default of printing a stack and exiting. Handlers refuse bad input themselves; this only catches
 * what they miss. Installed by `npm run serve` once it is listening — start-up failures still end
 * the process with their message — and never by the Electron app or the tests, which keep Node's
 * default so a bug stays loud there.
 */
const oneLine = (caught: unknown): string => {
  const text = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)
  // One line, bounded: a message may carry a huge or multi-line value from a request.
  return text.replace(/\s+/g, ' ').slice(0, 300)
}

export function installCrashGuard(log: (line: string) => void): () => void {
  const onException = (e: unknown): void => log(`Kept serving after an unexpected error: ${oneLine(e)}`)
  const onRejection = (e: unknown): void => log(`Kept serving after an unhandled rejection: ${oneLine(e)}`)
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return () => {
    process.off('uncaughtException', onException)
    process.off('unhandledRejection', onRejection)
  }
}
