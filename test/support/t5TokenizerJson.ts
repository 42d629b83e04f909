/**
 * A small tokenizer.json with the structure of T5 v1.1's (`tokenizer_2/` of FLUX): Unigram with
 * <pad>=0, </s>=1, <unk>=2, Precompiled + collapse-spaces normaliser, WhitespaceSplit + Metaspace,
 * and `$A </s>` as the post-processor. The tests' expected ids are worked out by hand from these scores.
 */
export const T5_TEST_PIECES: [string, number][] = [
  ['<pad>', 0],
  ['</s>', 0],
  ['<unk>', 0],
  ['▁', -2],
  ['▁a', -3],
  ['▁photo', -5],
  ['▁of', -4],
  ['▁cat', -5],
  ['▁c', -4],
  ['at', -4],
  ['s', -3],
  ['▁red', -6],
  ['▁re', -2],
  ['d', -2],
]
export function t5TokenizerJson(withPostProcessor = true): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<pad>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: '' },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }],
    },
    post_processor: withPostProcessor
      ? {
          type: 'TemplateProcessing',
          single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
          pair: [
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '</s>', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 0 } },
          ],
          special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
        }
      : null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: T5_TEST_PIECES, byte_fallback: false },
  }
}
