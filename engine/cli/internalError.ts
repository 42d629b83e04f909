/**
 * The one line the CLI prints for an error nothing expected. Such an error's message can quote
 * what was being parsed (JSON.parse shows a snippet of the file), so only its kind is printed
 * unless the user asks for the details with KONTEXT_DEBUG=1.
 */
export function internalErrorLine(e: unknown, debug: boolean): string {
  const kind = e instanceof Error ? e.name : typeof e
  const details = debug && e instanceof Error ? `\n${e.stack ?? e.message}` : ''
  return `kontext: internal error (${kind}). This is a bug: run again with KONTEXT_DEBUG=1 to see the details and report them.${details}\n`
}
