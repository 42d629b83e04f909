/**
 * How a closed-vocabulary model (kontext-tiny) reads an instruction: lower case, punctuation is
 * not a word, words are split on white space. One function for the prompt bar's inline check, the
 * host's refusal before anything is queued and the engine's tokenizer, so the three never disagree
 * ("make it blue." is the words make, it, blue — not an unknown "blue.").
 */

/** Anything that is neither a letter nor a digit (in any script) separates words. */
const NOT_WORD = /[^\p{L}\p{N}]+/gu

export function promptWords(text: string): string[] {
  return text.toLowerCase().replace(NOT_WORD, ' ').split(' ').filter(Boolean)
}

/** The words of `text` outside `vocabulary`, each once, in order of appearance. */
export function unknownPromptWords(text: string, vocabulary: readonly string[]): string[] {
  const known = new Set(vocabulary)
  return [...new Set(promptWords(text).filter((w) => !known.has(w)))]
}

/** An unknown word as shown to the user: long words elided, so a pasted essay is not echoed whole. */
export function shownWord(word: string, max = 24): string {
  return word.length > max ? `${word.slice(0, max - 1)}…` : word
}
