// Configure Model's drafting logic on the summaries the engine reports for real fixture models: defaults proposed
// from input names and shapes, and the manifests built from answers parse with the engine's own reader and mean
// what the committed manifests mean.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readLensManifest } from '../../src/engine/models/manifest';
import { readModelSummary } from '../../src/engine/models/index';
import { resolveImageSpec } from '../../src/engine/modalities/image/imageSpec';
import { inferInputRoles } from '../../src/engine/modalities/text/packedInputs';
import {
  applyImagePreset,
  buildManifest,
  checkAnswers,
  IMAGE_PRESETS,
  manifestPathFor,
  manifestText,
  mergeWithExisting,
  parseLabelList,
  proposeDefaults,
  roleOf,
  type ManifestAnswers,
} from '../../src/extension/manifestDraft';
import type { ModelSummary } from '../../src/shared/types';

const fixtures = join(__dirname, '../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'al-draft-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const summaries: Record<string, ModelSummary> = {};
const paths = {
  tinyBert: join(fixtures, 'text/tiny-bert/model.onnx'),
  cnn2d: join(fixtures, 'onnx/cnn2d.onnx'),
  imagePlanted: join(fixtures, 'image/planted/model.json'),
  textPlanted: join(fixtures, 'text/planted/model.json'),
  credit: join(__dirname, '../../samples/credit-risk/model.json'),
};

before(async () => {
  for (const [key, path] of Object.entries(paths)) summaries[key] = await readModelSummary(path);
});

const filesBeside = (modelPath: string) => readdirSync(join(modelPath, '..'));

/** A copy of the summary as if the model lived in `dir` (the manifest is written there). */
function movedTo(summary: ModelSummary, dir: string, file: string): ModelSummary {
  return { ...summary, path: join(dir, file) };
}

/** Writes the manifest as the command does and reads it back with the engine's reader. */
async function roundTrip(summary: ModelSummary, answers: ManifestAnswers, style: 'per-model' | 'folder' = 'per-model') {
  const manifestPath = manifestPathFor(summary.path, style);
  const built = buildManifest(summary, answers, manifestPath);
  writeFileSync(manifestPath, manifestText(built));
  const parsed = await readLensManifest(summary.path);
  assert.ok(parsed, 'the engine finds the written manifest');
  assert.equal(parsed.path, manifestPath);
  return { built, parsed };
}

test('manifestPathFor: <model>.lens.json (the engine reads it first) or the folder lens.json', () => {
  assert.equal(manifestPathFor('/m/credit/model.json', 'per-model'), '/m/credit/model.lens.json');
  assert.equal(manifestPathFor('/m/bert/model.onnx', 'per-model'), '/m/bert/model.lens.json');
  assert.equal(manifestPathFor('/m/x/cnn.v2.onnx', 'per-model'), '/m/x/cnn.v2.lens.json');
  assert.equal(manifestPathFor('/m/x/cnn.onnx', 'folder'), '/m/x/lens.json');
});

test('tiny-bert (ONNX, input_ids/attention_mask/token_type_ids): text, roles by name, its tokenizer, 2 placeholder labels', () => {
  const s = summaries.tinyBert;
  assert.deepEqual(s.inputs.map((i) => i.name), ['input_ids', 'attention_mask', 'token_type_ids']);
  const d = proposeDefaults(s, filesBeside(s.path));
  assert.equal(d.answers.modality, 'text');
  assert.deepEqual(d.answers.inputs, { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids' });
  assert.deepEqual(d.tokenizerFiles, ['tokenizer.json', 'vocab.txt']);
  assert.equal(d.answers.tokenizer, 'tokenizer.json');
  assert.equal(d.answers.maxLength, undefined, 'the sequence length is dynamic');
  assert.deepEqual(d.labelPlaceholders, ['class 0', 'class 1']);
  assert.equal(d.answers.labels, undefined, 'placeholders are not labels until the user accepts them');
  // The same roles the engine infers from the names.
  assert.deepEqual(d.answers.inputs, inferInputRoles(s.inputs.map((i) => i.name), undefined, s.path));
});

test('input role names agree with the engine\'s inference', () => {
  const names = ['input_ids', 'INPUT_IDS', 'input_word_ids', 'ids', 'attention_mask', 'input_mask', 'token_type_ids', 'segment_ids', 'position_ids', 'attention_mask:0'];
  for (const name of names) {
    const inputs = roleOf(name) === 'ids' ? [name] : ['input_ids', name];
    const resolved = { ...inferInputRoles(inputs, undefined, 'm') } as Record<string, string | undefined>;
    assert.equal(roleOf(name), Object.keys(resolved).find((r) => resolved[r] === name), name);
  }
  assert.equal(roleOf('pixel_values'), undefined);
  assert.throws(() => inferInputRoles(['input_ids', 'pixel_values'], undefined, 'm'), /cannot determine the role/);
});

test('tiny-bert copied to a folder: the built manifest parses, with the roles, tokenizer and length chosen', async () => {
  const dir = mkdtempSync(join(tmp, 'bert-'));
  for (const f of ['model.onnx', 'tokenizer.json']) copyFileSync(join(fixtures, 'text/tiny-bert', f), join(dir, f));
  const s = movedTo(summaries.tinyBert, dir, 'model.onnx');
  const d = proposeDefaults(s, readdirSync(dir));
  const answers: ManifestAnswers = { ...d.answers, labels: parseLabelList('negative, positive'), maxLength: 64, baseline: 'mask' };
  assert.deepEqual(checkAnswers(s, answers), []);
  const { built, parsed } = await roundTrip(s, answers);
  assert.equal(built.tokenizer, 'tokenizer.json', 'written relative to the manifest');
  assert.equal(built.inputShape, undefined, 'no packed shape is guessed for a multi-input model');
  assert.equal(parsed.modality, 'text');
  assert.deepEqual(parsed.labels, ['negative', 'positive']);
  assert.equal(parsed.text?.tokenizer?.path, join(dir, 'tokenizer.json'));
  assert.deepEqual(parsed.text?.inputs, { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids' });
  assert.equal(parsed.text?.maxLength, 64);
  assert.equal(parsed.text?.baseline, 'mask');
});

test('multi-input text answers the engine would refuse are reported', () => {
  const s = summaries.tinyBert;
  const base: ManifestAnswers = { modality: 'text', inputs: { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids' } };
  assert.deepEqual(checkAnswers(s, { ...base, labels: ['a', 'b', 'c'] }), ['3 labels but the model has 2 outputs']);
  assert.deepEqual(checkAnswers(s, { ...base, inputs: { ids: 'input_ids', mask: 'input_ids' } }), ['two roles name the same model input']);
  assert.deepEqual(checkAnswers(s, { ...base, inputs: { ids: 'tokens' } }), ["'tokens' is not an input of the model"]);
  const unnamed = { ...s, inputs: [...s.inputs, { name: 'extra', shape: [null, null], dtype: 'int64' }] };
  assert.deepEqual(checkAnswers(unnamed, base), ["model input 'extra' has no role (ids, mask, typeIds, positions)"]);
});

test('NCHW image model (cnn2d.onnx [null, 3, 12, 12]): image, layout NCHW, size 12×12, RGB; the drafted manifest resolves', async () => {
  const s = summaries.cnn2d;
  const d = proposeDefaults(s, []);
  assert.equal(d.answers.modality, 'image');
  assert.deepEqual(d.answers.image, { size: [12, 12], layout: 'NCHW', channels: 'RGB', scale: 255, resize: 'stretch' });
  assert.deepEqual(d.labelPlaceholders, ['class 0', 'class 1', 'class 2', 'class 3']);
  const dir = mkdtempSync(join(tmp, 'cnn-'));
  const moved = movedTo(s, dir, 'cnn2d.onnx');
  // The ImageNet preset's 224×224 does not replace the model's own size.
  const imagenet = IMAGE_PRESETS.find((p) => p.id === 'imagenet')!;
  const image = { ...applyImagePreset(d.answers.image, imagenet), size: d.answers.image!.size };
  const { built, parsed } = await roundTrip(moved, { modality: 'image', image, labels: d.labelPlaceholders });
  assert.equal(built.inputShape, undefined, 'fixed dimensions need no inputShape');
  const { spec, notes } = resolveImageSpec([3, 12, 12], parsed.image, parsed.path, moved.path);
  assert.deepEqual(spec, { height: 12, width: 12, layout: 'NCHW', channels: 'RGB', scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'center-crop' });
  assert.deepEqual(notes, [], 'nothing left for the engine to assume');
});

test('NHWC image model (image/planted [null, 32, 32, 3]): the drafted manifest means what the committed one means', async () => {
  const s = summaries.imagePlanted;
  const d = proposeDefaults(s, filesBeside(s.path));
  assert.equal(d.answers.modality, 'image');
  assert.deepEqual(d.answers.image, { size: [32, 32], layout: 'NHWC', channels: 'RGB', scale: 255, resize: 'stretch' });
  const committed = await readLensManifest(s.path);
  const dir = mkdtempSync(join(tmp, 'planted-'));
  const moved = movedTo(s, dir, 'model.json');
  const unit = IMAGE_PRESETS.find((p) => p.id === 'unit')!;
  const { parsed } = await roundTrip(moved, { modality: 'image', labels: ['red', 'green', 'blue'], image: applyImagePreset(d.answers.image, unit) });
  assert.deepEqual(parsed.labels, committed!.labels);
  const shape = [32, 32, 3];
  assert.deepEqual(resolveImageSpec(shape, parsed.image, parsed.path, moved.path).spec, resolveImageSpec(shape, committed!.image, committed!.path, s.path).spec);
});

test('image models with dynamic or grayscale inputs', async () => {
  const dynamic: ModelSummary = { ...summaries.cnn2d, inputs: [{ name: 'pixel_values', shape: [null, 3, null, null], dtype: 'float32' }] };
  const d = proposeDefaults(dynamic, []);
  assert.deepEqual(d.answers.image, { layout: 'NCHW', channels: 'RGB', scale: 255, resize: 'stretch' });
  assert.deepEqual(checkAnswers(dynamic, d.answers), ["the model's image size is dynamic: choose a size"]);
  const dir = mkdtempSync(join(tmp, 'dyn-'));
  const moved = movedTo(dynamic, dir, 'vit.onnx');
  const { built, parsed } = await roundTrip(moved, { ...d.answers, image: { ...d.answers.image, size: [224, 200] } });
  assert.deepEqual(built.inputShape, [3, 224, 200], 'the engine needs the full shape of a dynamic input');
  assert.deepEqual(parsed.inputShape, [3, 224, 200]);

  const gray: ModelSummary = { ...summaries.imagePlanted, inputs: [{ name: 'x', shape: [null, 28, 28, 1], dtype: 'float32' }] };
  const g = proposeDefaults(gray, []);
  assert.equal(g.answers.image?.channels, 'L');
  const imagenet = applyImagePreset(g.answers.image, IMAGE_PRESETS[0]);
  assert.equal(imagenet.channels, 'L');
  assert.equal(imagenet.mean, 0.485, 'one mean for one channel');
  assert.deepEqual(checkAnswers(gray, { modality: 'image', image: { ...imagenet, size: [28, 28] } }), []);
  assert.deepEqual(checkAnswers(gray, { modality: 'image', image: { layout: 'NCHW', channels: 'RGB', mean: [0, 0, 0], size: [224, 224] } }), [
    'image size 224×224 does not match the model\'s input 28×28',
    'layout NCHW does not fit the model\'s input [null, 28, 28, 1] (NHWC)',
    'channels RGB but the model takes 1 channel',
    'image mean has 3 values but the model takes 1 channels',
  ]);
});

test('tabular model (credit-risk [null, 8] → 3): tabular, 3 placeholder labels; wrong counts are reported', async () => {
  const s = summaries.credit;
  const d = proposeDefaults(s, filesBeside(s.path));
  assert.equal(d.answers.modality, 'tabular');
  assert.deepEqual(d.labelPlaceholders, ['class 0', 'class 1', 'class 2']);
  assert.deepEqual(d.tokenizerFiles, []);
  assert.deepEqual(checkAnswers(s, { modality: 'tabular', labels: ['low', 'high'], featureNames: ['a'] }), [
    '2 labels but the model has 3 outputs',
    '1 feature names but the model input has 8 values',
  ]);
  const dir = mkdtempSync(join(tmp, 'credit-'));
  const moved = movedTo(s, dir, 'model.json');
  const { built, parsed } = await roundTrip(moved, { modality: 'tabular', labels: parseLabelList(' low ,medium, high,'), image: { scale: 1 }, tokenizer: 'x.json' }, 'folder');
  assert.deepEqual(built, { modality: 'tabular', labels: ['low', 'medium', 'high'] }, 'fields of other modalities are left out');
  assert.equal(parsed.path, join(dir, 'lens.json'));
  assert.equal(parsed.modality, 'tabular');
});

test('word-level text model (text/planted, float input [null, 20], vocab.json beside it): text with its length', async () => {
  const s = summaries.textPlanted;
  const d = proposeDefaults(s, filesBeside(s.path));
  assert.equal(d.answers.modality, 'text');
  assert.equal(d.answers.tokenizer, 'vocab.json');
  assert.equal(d.answers.maxLength, 20);
  assert.equal(d.answers.inputs, undefined, 'one input needs no roles');
  const committed = (await readLensManifest(s.path))!;
  const dir = mkdtempSync(join(tmp, 'text-'));
  copyFileSync(join(fixtures, 'text/planted/vocab.json'), join(dir, 'vocab.json'));
  const moved = movedTo(s, dir, 'model.json');
  const { parsed } = await roundTrip(moved, { ...d.answers, labels: ['negative', 'positive'] });
  assert.equal(parsed.modality, committed.modality);
  assert.deepEqual(parsed.labels, committed.labels);
  assert.equal(parsed.text?.maxLength, committed.text?.maxLength);
  assert.equal(parsed.text?.baseline, committed.text?.baseline);
  assert.equal(parsed.text?.tokenizer?.path, join(dir, 'vocab.json'));
});

test('single-input text model with a dynamic length gets inputShape [maxLength]; a tokenizer elsewhere is written relative', async () => {
  const s: ModelSummary = { ...summaries.textPlanted, inputs: [{ name: 'input_ids', shape: [null, null], dtype: 'int32' }] };
  const d = proposeDefaults(s, []);
  assert.equal(d.answers.modality, 'text');
  assert.deepEqual(checkAnswers(s, d.answers), ["the model's sequence length is dynamic: give maxLength"]);
  const dir = mkdtempSync(join(tmp, 'dyn-text-'));
  const moved = movedTo(s, join(dir, 'model'), 'model.json');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'model'));
  const built = buildManifest(moved, { ...d.answers, maxLength: 32, tokenizer: join(dir, 'shared', 'vocab.txt') }, manifestPathFor(moved.path, 'per-model'));
  assert.deepEqual(built.inputShape, [32]);
  assert.equal(built.tokenizer, '../shared/vocab.txt');
  writeFileSync(manifestPathFor(moved.path, 'per-model'), manifestText(built));
  const parsed = await readLensManifest(moved.path);
  assert.equal(parsed?.text?.tokenizer?.path, join(dir, 'shared', 'vocab.txt'));
  assert.deepEqual(parsed?.inputShape, [32]);
});

test('an existing manifest keeps what the command does not ask, and says what it removes', () => {
  const built = { modality: 'text' as const, labels: ['a', 'b'], tokenizer: 'tokenizer.json' };
  const existing = { modality: 'text', labels: ['x', 'y'], embeddingLayer: 'emb', textField: 'sentence', notes: 'mine', maxLength: 12 };
  const text = mergeWithExisting(existing, built);
  assert.deepEqual(text.manifest, { ...built, embeddingLayer: 'emb', textField: 'sentence', notes: 'mine' });
  assert.deepEqual(text.kept, ['embeddingLayer', 'textField', 'notes']);
  assert.deepEqual(text.dropped, ['maxLength']);
  const image = mergeWithExisting(existing, { modality: 'image', image: { scale: 255 } });
  assert.deepEqual(image.manifest, { modality: 'image', image: { scale: 255 }, notes: 'mine' });
  assert.deepEqual(image.dropped, ['labels', 'embeddingLayer', 'textField', 'maxLength']);
  assert.deepEqual(mergeWithExisting(undefined, built).manifest, built);
});

test('manifestText: two-space JSON, number lists on one line, final newline', () => {
  const text = manifestText({ modality: 'image', labels: ['a', 'b'], image: { size: [224, 224], mean: [0.485, 0.456, 0.406], std: 0.5 } });
  assert.equal(
    text,
    '{\n  "modality": "image",\n  "labels": [\n    "a",\n    "b"\n  ],\n  "image": {\n    "size": [224, 224],\n    "mean": [0.485, 0.456, 0.406],\n    "std": 0.5\n  }\n}\n',
  );
  assert.deepEqual(JSON.parse(text).image.mean, [0.485, 0.456, 0.406]);
});
