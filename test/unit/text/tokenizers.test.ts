// Tokenizers: ids as the reference implementations give them, and every token's span covering exactly the
// characters it stands for, through lowercasing, accent stripping, CJK, emoji split into bytes, and specials.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { huggingFaceTokenizer } from '../../../src/engine/modalities/text/tokenizers/huggingFace';
import { loadTokenizer } from '../../../src/engine/modalities/text/tokenizers/load';
import type { TextTokenizer, Token } from '../../../src/engine/modalities/text/tokenizers/types';
import { wordLevelTokenizer } from '../../../src/engine/modalities/text/tokenizers/wordLevel';
import { foldCase } from '../../../src/engine/modalities/text/unicode';
import { byteLevelBpe, metaspaceBpe } from './tokenizerConfigs';

const fixtures = resolve(__dirname, '../../fixtures/text');
const bert = join(fixtures, 'tiny-bert');
const reference = JSON.parse(readFileSync(join(bert, 'reference.json'), 'utf8')) as {
  cases: { text: string; input_ids: number[] }[];
};
const hfBert = () => loadTokenizer({ path: join(bert, 'tokenizer.json') });
const vocabTxt = () => loadTokenizer({ path: join(bert, 'vocab.txt') });

/** Texts that stress span mapping: case, accents (precomposed and combining), CJK, emoji, ligatures, controls, specials. */
const STRESS = [
  'The MOVIE was Wonderful!',
  'Café naïve — Ünïcödé e\u0301cole',
  '中文 great 中 music 😀 but 👍🏽 weak',
  'Tabs\tand\r\nCRLF lines\rand\u00a0nbsp',
  'It\'s "excellent", isn\'t it? [MASK] the [SEP] end',
  'zero\u200bwidth\u0000null and ﬁne ligature',
  '   leading and trailing spaces   ',
  '',
];

const show = (text: string, tokens: Token[]) => tokens.map((t) => `${t.token}@${t.start}-${t.end}=${t.start === undefined ? '' : text.slice(t.start, t.end!)}`).join(' ');

/** Spans are ordered, inside the text, never cut a surrogate pair, and hold no surrounding whitespace. */
function assertSaneSpans(text: string, tokens: Token[]): void {
  let last = 0;
  for (const t of tokens) {
    if (t.start === undefined) continue;
    assert.ok(t.end !== undefined && t.start < t.end && t.end <= text.length, `bad span ${t.token}@${t.start}-${t.end} in ${JSON.stringify(text)}`);
    assert.ok(t.start >= last || t.start === tokens.find((u) => u.end === t.end)?.start, `spans go backwards at ${t.token}: ${show(text, tokens)}`);
    last = Math.max(last, t.start);
    const slice = text.slice(t.start, t.end);
    assert.equal(slice, slice.trim(), `span of ${t.token} has surrounding whitespace: ${JSON.stringify(slice)}`);
    assert.ok(!/[\ud800-\udbff]$/.test(slice) && !/^[\udc00-\udfff]/.test(slice), `span of ${t.token} cuts a surrogate pair`);
  }
}

/** WordPiece tokens: the span's characters, lowercased and without accents, spell the token (## removed). */
function assertWordPieceSurfaces(text: string, tokens: Token[], tokenizer: TextTokenizer): void {
  for (const t of tokens) {
    if (t.start === undefined) continue;
    const slice = text.slice(t.start, t.end);
    if (t.id === tokenizer.specialIds.unk) {
      assert.doesNotMatch(slice, /\s/, `[UNK] spans one word: ${JSON.stringify(slice)}`);
      continue;
    }
    if (t.special) {
      assert.equal(slice, t.token);
      continue;
    }
    assert.equal(foldCase(slice, true, true), t.token.replace(/^##/, ''), `${t.token} ↔ ${JSON.stringify(slice)} in ${show(text, tokens)}`);
  }
}

test('tokenizer.json (through @huggingface/tokenizers) and vocab.txt give the ids of the Python BERT tokenizer', () => {
  const hf = hfBert();
  const txt = vocabTxt();
  assert.equal(hf.kind, 'huggingface');
  assert.equal(txt.kind, 'wordpiece');
  for (const c of reference.cases) {
    assert.deepEqual(hf.encode(c.text).map((t) => t.id), c.input_ids, `tokenizer.json: ${c.text}`);
    assert.deepEqual(txt.encode(c.text).map((t) => t.id), c.input_ids, `vocab.txt: ${c.text}`);
  }
});

test('WordPiece spans: both implementations agree token by token, and each span spells its token', () => {
  const hf = hfBert();
  const txt = vocabTxt();
  for (const text of [...STRESS, ...reference.cases.map((c) => c.text)]) {
    const a = hf.encode(text);
    const b = txt.encode(text);
    assert.deepEqual(
      a.map((t) => [t.id, t.start, t.end]),
      b.map((t) => [t.id, t.start, t.end]),
      `tokenizer.json: ${show(text, a)}\nvocab.txt:      ${show(text, b)}`,
    );
    assertSaneSpans(text, a);
    assertWordPieceSurfaces(text, a, hf);
  }
  // The frame has no characters; a special token written in the text has its own.
  const tokens = txt.encode('[MASK] movie');
  assert.deepEqual(tokens.map((t) => [t.token, t.special, t.start, t.end]), [
    ['[CLS]', true, undefined, undefined],
    ['[MASK]', true, 0, 6],
    ['movie', false, 7, 12],
    ['[SEP]', true, undefined, undefined],
  ]);
  // Sub-words of one word cover consecutive characters of it.
  const split = txt.encode('Wonderful!');
  assert.deepEqual(split.map((t) => [t.token, t.start, t.end]).slice(1, -1), [['wonder', 0, 6], ['##ful', 6, 9], ['!', 9, 10]]);
});

test('byte-level BPE: pieces of a multi-byte character all point at that character', () => {
  const tok = huggingFaceTokenizer(byteLevelBpe(), 'bpe.json');
  const text = '  Thé movie café 😀\r\n中文 👍🏽<|endoftext|>x';
  const tokens = tok.encode(text);
  assertSaneSpans(text, tokens);
  const at = (token: string) => tokens.filter((t) => t.token === token).map((t) => text.slice(t.start, t.end));
  assert.deepEqual(at('Ġmovie'), ['movie']);
  assert.deepEqual(at('Ã©'), ['é', 'é']);
  // 😀 is F0 9F 98 80: four byte tokens, one character.
  const emoji = tokens.filter((t) => t.start !== undefined && text.slice(t.start, t.end) === '😀');
  assert.equal(emoji.length, 4);
  assert.deepEqual(at('<|endoftext|>'), ['<|endoftext|>']);
  assert.ok(tokens.find((t) => t.token === '<|endoftext|>')!.special);
  // Whitespace-only pieces have no characters to show.
  assert.ok(tokens.filter((t) => t.token === 'Ġ' || t.token === 'č' || t.token === 'Ċ').every((t) => t.start === undefined));
  const starts = [...new Set(tokens.filter((t) => t.start !== undefined).map((t) => t.start!))];
  assert.equal(starts.map((s) => text.slice(s, tokens.find((t) => t.start === s)!.end)).join(''), 'Thémoviecafé😀中文👍🏽<|endoftext|>x');
});

test('SentencePiece-style BPE (▁ spaces, <0xNN> byte fallback): spans skip the ▁ and cover whole characters', () => {
  const tok = huggingFaceTokenizer(metaspaceBpe(), 'llama.json');
  const text = 'the movie Thé 😀 the  MOVIE';
  const tokens = tok.encode(text);
  assertSaneSpans(text, tokens);
  assert.deepEqual(
    tokens.filter((t) => t.start !== undefined).map((t) => [t.token, text.slice(t.start, t.end)]),
    [
      ['▁the', 'the'], ['▁movie', 'movie'], ['T', 'T'], ['h', 'h'], ['é', 'é'],
      ['<0xF0>', '😀'], ['<0x9F>', '😀'], ['<0x98>', '😀'], ['<0x80>', '😀'],
      ['▁the', 'the'], ['M', 'M'], ['<0x4F>', 'O'], ['<0x56>', 'V'], ['<0x49>', 'I'], ['<0x45>', 'E'],
    ],
  );
  assert.equal(tokens[0].token, '<s>');
  assert.equal(tokens[0].start, undefined);
});

test('word-level vocabulary: lowercased lookups, unknown words, punctuation, spans of the matched characters', () => {
  const vocab = new Map(Object.entries({ '<pad>': 0, '<unk>': 1, the: 2, movie: 3, "don't": 4, '!': 5 }));
  const tok = wordLevelTokenizer(vocab, 'vocab.json');
  const text = 'The MOVIE, don\'t 😀 Ünï!';
  const tokens = tok.encode(text);
  assert.deepEqual(
    tokens.map((t) => [t.id, t.token, text.slice(t.start, t.end)]),
    [[2, 'the', 'The'], [3, 'movie', 'MOVIE'], [1, '<unk>', ','], [4, "don't", "don't"], [1, '<unk>', '😀'], [1, '<unk>', 'Ünï'], [5, '!', '!']],
  );
  assert.deepEqual(tok.specialIds, { pad: 0, unk: 1 });
  // Without an unknown token, an unknown word is an error that names it.
  const strict = wordLevelTokenizer(new Map([['a', 0]]), 'v.json');
  assert.throws(() => strict.encode('a b'), (e: unknown) => e instanceof EngineError && e.code === 'INPUT_INVALID' && /'b' is not in the vocabulary/.test(e.message));
});

test('loadTokenizer: kind from the file, and clear errors for bad files', () => {
  assert.equal(loadTokenizer({ path: join(fixtures, 'planted/vocab.json') }).kind, 'word-level');
  const missing = join(fixtures, 'nope.json');
  assert.throws(() => loadTokenizer({ path: missing }), (e: unknown) => e instanceof EngineError && e.message === `${missing}: tokenizer file not found`);
  assert.throws(
    () => loadTokenizer({ path: join(fixtures, 'planted/vocab.json'), type: 'wordpiece' }),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && /vocab\.txt/.test(e.message),
  );
  assert.throws(
    () => loadTokenizer({ path: join(fixtures, 'planted/lens.json'), type: 'word-level' }),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && /vocabulary id of 'modality' must be a non-negative integer/.test(e.message),
  );
});
