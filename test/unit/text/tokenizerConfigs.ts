// Hand-made Hugging Face tokenizer.json objects for tests: GPT-2 style byte-level BPE, Llama style BPE with
// SentencePiece spaces ('▁') and byte fallback.
import { byteLevelDecoder } from '../../../src/engine/modalities/text/tokenizers/utf8';

const added = (contents: string[], first = 0) =>
  contents.map((content, i) => ({ id: first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));

/** GPT-2 style: every byte has a printable stand-in, a few merges; '<|endoftext|>' is special. */
export function byteLevelBpe(): object {
  const table = byteLevelDecoder();
  const vocab: Record<string, number> = {};
  [...table.keys()]
    .sort((a, b) => table.get(a)! - table.get(b)!)
    .forEach((cp) => (vocab[String.fromCodePoint(cp)] = Object.keys(vocab).length));
  const merges = ['Ġ t', 'h e', 'Ġt he', 'Ġ m', 'o v', 'Ġm ov', 'i e', 'Ġmov ie', 'c a', 'ca f', 'Ã ©'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const eos = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eos;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added(['<|endoftext|>'], eos),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

/** Llama style: '▁' for spaces (Prepend + Replace normalizers), <0xNN> byte fallback, a <s> prefix. */
export function metaspaceBpe(): object {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  for (const c of ['▁', ...'abcdefghijklmnopqrstuvwxyzTMé']) vocab[c] = Object.keys(vocab).length;
  const merges = ['▁ t', 'h e', '▁t he', '▁ m', 'o v', '▁m ov', 'i e', '▁mov ie'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added(['<unk>', '<s>', '</s>']),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
  };
}
