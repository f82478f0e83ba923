// What views show of a tokenized text: tokens with characters (frame and padding hidden), tokens sharing the same
// characters shown once, and sub-word pieces merged into words on request; ablation groups follow what is shown.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { displayUnits, unitGroups } from '../../../src/engine/modalities/text/displayUnits';
import { fitTokens } from '../../../src/engine/modalities/text/modelInput';
import { huggingFaceTokenizer } from '../../../src/engine/modalities/text/tokenizers/huggingFace';
import { loadTokenizer } from '../../../src/engine/modalities/text/tokenizers/load';
import { byteLevelBpe } from './tokenizerConfigs';

const bert = loadTokenizer({ path: join(resolve(__dirname, '../../fixtures/text'), 'tiny-bert/vocab.txt') });

const shown = (text: string, units: ReturnType<typeof displayUnits>) => units.map((u) => text.slice(u.start, u.end));

test('tokens: one unit per token with characters; [CLS], [SEP] and padding are not shown', () => {
  const text = 'Wonderful movie! 中文 ok';
  const fitted = fitTokens(bert.encode(text), 16, bert.specialIds);
  const units = displayUnits(fitted.tokens, text, 'token');
  assert.deepEqual(shown(text, units), ['Wonder', 'ful', 'movie', '!', '中', '文', 'o', 'k']);
  assert.ok(units.every((u) => u.positions.every((p) => !fitted.tokens[p].special || fitted.tokens[p].start !== undefined)));
  assert.deepEqual(units[0].positions, [1]);
});

test('words: sub-word pieces merge (scores are summed by the caller); punctuation and CJK stay apart', () => {
  const text = 'Wonderful movie! 中文 ok';
  const fitted = fitTokens(bert.encode(text), 16, bert.specialIds);
  const units = displayUnits(fitted.tokens, text, 'word');
  assert.deepEqual(shown(text, units), ['Wonderful', 'movie', '!', '中', '文', 'ok']);
  assert.deepEqual(units[0].positions, [1, 2]);
  // Ablation groups: one per unit, everything else (frame, padding) in one last group.
  const groups = unitGroups(units, 16);
  assert.deepEqual(groups.slice(0, 4), [6, 0, 0, 1]);
  assert.equal(new Set(groups).size, units.length + 1);
});

test('byte pieces of one character are one unit', () => {
  const tok = huggingFaceTokenizer(byteLevelBpe(), 'bpe.json');
  const text = 'a the 😀 movie';
  const tokens = tok.encode(text);
  const units = displayUnits(tokens, text, 'token');
  assert.deepEqual(shown(text, units), ['a', 'the', '😀', 'movie']);
  assert.equal(units[2].positions.length, 4);
});
