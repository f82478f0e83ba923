// The text part of the Lens manifest, and a Hugging Face style folder read without one.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { readLensManifest } from '../../../src/engine/models/manifest';

const fixtures = resolve(__dirname, '../../fixtures/text');

test('the planted model’s lens.json: modality, word-level tokenizer (path resolved), length, baseline, embedding layer', async () => {
  const m = await readLensManifest(join(fixtures, 'planted/model.json'));
  assert.equal(m?.modality, 'text');
  assert.deepEqual(m?.labels, ['negative', 'positive']);
  assert.deepEqual(m?.text, {
    tokenizer: { type: 'word-level', path: join(fixtures, 'planted/vocab.json'), lowercase: true, pad: '<pad>', unk: '<unk>', mask: '<mask>' },
    maxLength: 20,
    baseline: 'pad',
    embeddingLayer: 'embedding',
  });
});

test('a Hugging Face folder needs no manifest: tokenizer.json, id2label and the position limit are read', async () => {
  const dir = join(fixtures, 'tiny-bert');
  const m = await readLensManifest(join(dir, 'model.onnx'));
  assert.deepEqual(m, {
    path: join(dir, 'config.json'),
    labels: ['negative', 'positive'],
    featureNames: undefined,
    inputShape: undefined,
    modality: 'text',
    text: { maxLength: 32, tokenizer: { type: 'huggingface', path: join(dir, 'tokenizer.json') } },
  });
  // With only a vocab.txt, the WordPiece tokenizer; a manifest's own fields win over the folder's.
  const tmp = mkdtempSync(join(tmpdir(), 'lens-hf-'));
  copyFileSync(join(dir, 'vocab.txt'), join(tmp, 'vocab.txt'));
  copyFileSync(join(dir, 'config.json'), join(tmp, 'config.json'));
  writeFileSync(join(tmp, 'model.lens.json'), JSON.stringify({ labels: ['neg', 'pos'], maxLength: 16, inputs: { ids: 'input_ids', mask: 'attention_mask' } }));
  const n = await readLensManifest(join(tmp, 'model.onnx'));
  assert.equal(n?.path, join(tmp, 'model.lens.json'));
  assert.deepEqual(n?.labels, ['neg', 'pos']);
  assert.deepEqual(n?.text, { maxLength: 16, inputs: { ids: 'input_ids', mask: 'attention_mask' }, tokenizer: { type: 'wordpiece', path: join(tmp, 'vocab.txt') } });
});

test('bad text fields are errors that name the manifest and the field', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lens-bad-'));
  const lens = join(tmp, 'lens.json');
  const cases: [unknown, RegExp][] = [
    [{ tokenizer: { type: 'bpe', path: 'x.json' } }, /'tokenizer.type' must be one of word-level, wordpiece, huggingface/],
    [{ tokenizer: 3 }, /'tokenizer' must be a file path or an object/],
    [{ tokenizer: {} }, /'tokenizer' needs a "path"/],
    [{ baseline: 'zero' }, /'baseline' must be "pad" or "mask"/],
    [{ maxLength: 0 }, /'maxLength' must be a positive integer/],
    [{ inputs: { ids: 'a', segments: 'b' } }, /'inputs' has unknown role\(s\) segments/],
    [{ modality: 'audio' }, /'modality' must be one of text, image, tabular, timeseries/],
  ];
  for (const [json, message] of cases) {
    writeFileSync(lens, JSON.stringify(json));
    await assert.rejects(readLensManifest(join(tmp, 'model.json')), (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && e.message.startsWith(lens) && message.test(e.message), JSON.stringify(json));
  }
});
