// explain() on text: a text or a dataset row goes through the model's tokenizer; features are tokens (or words) with
// offsets into the text or the file; layer IG is complete at the embedding; baselines, methods that do not apply,
// caching and tensor hygiene.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Explanation, ExplainRequest } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { explain } from '../../../src/engine/explain';
import { clearTextCache } from '../../../src/engine/modalities/text/textInput';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { embeddingModel } from './embeddingModels';

const fixtures = resolve(__dirname, '../../fixtures/text');
const planted = join(fixtures, 'planted/model.json');
const data = (name: string) => join(fixtures, 'data', name);
const models = new ModelRegistry();

before(async () => {
  await initBackend('wasm');
});
after(() => models.clear());

const run = (request: Partial<ExplainRequest> & Pick<ExplainRequest, 'input'>): Promise<Explanation> =>
  explain({ modelPath: planted, method: 'layer-integrated-gradients', ...request }, models);

test('a given text: per-token features with offsets into it, special and padding positions kept out', async () => {
  const text = 'The plot was  SUPERB, the actor dull!';
  const e = await run({ input: { kind: 'text', text } });
  assert.deepEqual(
    e.features.map((f) => f.text),
    ['The', 'plot', 'was', 'SUPERB', ',', 'the', 'actor', 'dull', '!'],
  );
  for (const f of e.features) {
    assert.equal(text.slice(f.start, f.end), f.text);
    assert.equal(f.name, f.text);
    assert.equal(f.span, undefined, 'a given text has no file to point into');
    assert.equal(f.positions?.length, 1);
  }
  assert.equal(e.features[3].value, 'superb');
  assert.equal(e.prediction.label, 'positive');
  assert.equal(e.method.options.layer, 'embedding');
  assert.deepEqual(e.method.options.baseline, { kind: 'pad' });
  assert.deepEqual(e.input, { source: 'text', shape: [20] });
  // The text part: the tokens fed (padding left out), their characters and scores; scores add up to the features'.
  assert.equal(e.text?.text, text);
  assert.equal(e.text?.tokens.length, 9);
  assert.equal(e.text?.truncated, false);
  const byFeature = e.features.reduce((s, f) => s + f.score, 0);
  const byToken = e.text!.tokens.reduce((s, t) => s + t.score, 0);
  assert.ok(Math.abs(byFeature - byToken) < 1e-9);
  const top = [...e.features].sort((a, b) => b.score - a.score);
  assert.equal(top[0].text, 'SUPERB');
  assert.equal(top[top.length - 1].text, 'dull');
});

test('layer IG is complete at the embedding layer: Σ token scores = F(x) − F(pad baseline)', async () => {
  for (const [text, target] of [['A wonderful story, but a boring ending.', 'positive'], ['Awful music and weak plot', 'negative'], ['the the the', 'positive']] as const) {
    const e = await run({ input: { kind: 'text', text }, target, options: { steps: 50 } });
    const sum = e.attributions.values.reduce((a, b) => a + b, 0);
    const gap = (e.checks.inputScore as number) - (e.checks.baselineScore as number);
    const tolerance = 1e-4 * Math.max(1, Math.abs(gap));
    assert.ok(Math.abs(sum - gap) <= tolerance, `${text}: Σ ${sum} vs F(x) − F(x′) ${gap}`);
    assert.ok(Math.abs(e.checks.convergenceDelta as number) <= tolerance);
    assert.equal(e.checks.baselineScore, e.checks.layerBaselineScore, 'the embedding is a cut: no other path from the ids');
  }
});

test('a dataset row: offsets and spans point at the exact characters of the file, through JSON escapes', async () => {
  const path = data('reviews.jsonl');
  const file = readFileSync(path, 'utf8');
  const e = await run({ input: { kind: 'dataset-file', path, row: 6 } });
  assert.equal(e.text?.file, path);
  assert.equal(e.text?.row, 6);
  assert.equal(e.text?.line, 6);
  assert.equal(e.input.row, 6);
  const superb = e.features.find((f) => f.text === 'superb')!;
  assert.equal(file.slice(superb.start, superb.end), 'superb');
  const quote = e.features.find((f) => f.text === '"')!;
  assert.equal(file.slice(quote.start, quote.end), '\\"');
  const emoji = e.features.find((f) => f.text === '😀')!;
  assert.equal(file.slice(emoji.start, emoji.end), '\\ud83d\\ude00');
  for (const f of e.features) {
    assert.equal(JSON.parse(`"${file.slice(f.start, f.end)}"`), f.text);
    assert.deepEqual([f.span!.file, f.span!.offset, f.span!.length], [path, f.start, f.end! - f.start!]);
    const lineStart = file.split('\n').slice(0, f.span!.line).join('\n').length + 1;
    assert.equal(f.span!.column, f.start! - lineStart);
  }
  // A CSV file given as a csv-file input goes to the text pipeline too, for a text model.
  const csv = data('reviews.csv');
  const c = await run({ input: { kind: 'csv-file', path: csv, row: 7 }, method: 'occlusion' });
  const csvText = readFileSync(csv, 'utf8');
  assert.deepEqual(c.features.map((f) => f.text), ['Two', 'lines', ':', 'great', 'music', ',', 'terrible', 'actor']);
  for (const f of c.features) assert.equal(csvText.slice(f.start, f.end), f.text);
  assert.equal(c.features[3].span?.line, 9);
});

test('words: sub-word and adjacent pieces merge, scores add up; ablation groups follow the words', async () => {
  const text = "Don't — really great!";
  const tokens = await run({ input: { kind: 'text', text } });
  const words = await run({ input: { kind: 'text', text }, options: { granularity: 'word' } });
  assert.equal(words.text?.granularity, 'word');
  // The word-level vocabulary already keeps "don't" whole; punctuation stays apart.
  assert.deepEqual(words.features.map((f) => f.text), tokens.features.map((f) => f.text));
  const ablation = await run({ input: { kind: 'text', text }, method: 'feature-ablation', target: 'positive' });
  assert.equal(ablation.checks.groups, tokens.features.length + 1, 'one group per token, one for the frame and padding');
  // Ablating a token replaces it by the baseline [PAD]: its score is F(x) − F(x without it) for this model (a mean
  // over positions, blind to order, so a deleted token is a padded one).
  const great = ablation.features.find((f) => f.text === 'great')!;
  const without = await run({ input: { kind: 'text', text: "Don't — really !" }, method: 'feature-ablation', target: 'positive' });
  assert.ok(Math.abs(great.score - ((ablation.checks.inputScore as number) - (without.checks.inputScore as number))) < 1e-6);
});

test('baselines: pad (default) and mask give different references; numeric baselines are refused for text', async () => {
  const input = { kind: 'text' as const, text: 'Nice movie, bad ending' };
  const pad = await run({ input, options: { baseline: { kind: 'pad' } } });
  const mask = await run({ input, options: { baseline: { kind: 'mask' } } });
  assert.notEqual(pad.checks.baselineScore, mask.checks.baselineScore);
  for (const e of [pad, mask]) assert.ok(Math.abs(e.checks.convergenceDelta as number) < 1e-4);
  await assert.rejects(run({ input, options: { baseline: { kind: 'zero' } } }), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && /baseline pad or mask/.test(e.message));
});

test('methods that differentiate the token ids are refused with what to use instead; text needs a text model', async () => {
  const input = { kind: 'text' as const, text: 'great' };
  await assert.rejects(
    run({ input, method: 'integrated-gradients' }),
    (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && /'integrated-gradients' does not apply to token ids .*layer-integrated-gradients/.test(e.message),
  );
  const tabular = resolve(__dirname, '../../fixtures/tabular/linear/model.json');
  await assert.rejects(
    explain({ modelPath: tabular, input, method: 'occlusion' }, models),
    (e: unknown) => e instanceof EngineError && e.code === 'INPUT_INVALID' && /text input needs a text model/.test(e.message),
  );
  await assert.rejects(
    run({ input: { kind: 'dataset-file', path: data('malformed.jsonl'), row: 3 } }),
    (e: unknown) => e instanceof EngineError && e.code === 'INPUT_INVALID' && /row 3 \(line 4\) is malformed: expected a JSON object/.test(e.message),
  );
});

test('long texts are cut to the model length; the cut is reported', async () => {
  const text = Array.from({ length: 30 }, (_, i) => (i === 25 ? 'terrible' : 'good')).join(' ');
  const e = await run({ input: { kind: 'text', text } });
  assert.equal(e.text?.truncated, true);
  assert.equal(e.features.length, 20);
  assert.ok(e.features.every((f) => f.text === 'good'));
});

test('results are cached per (model, text, settings) and re-bound to the new input’s offsets', async () => {
  clearTextCache();
  const path = data('reviews.jsonl');
  const first = await run({ input: { kind: 'dataset-file', path, row: 2 }, options: { steps: 20 } });
  assert.equal(first.checks.cached, undefined);
  const again = await run({ input: { kind: 'dataset-file', path, row: 2 }, options: { steps: 20 } });
  assert.equal(again.checks.cached, true);
  assert.deepEqual(again.attributions, first.attributions);
  // The same text given directly: the cached scores, with offsets into the given text.
  const asText = await run({ input: { kind: 'text', text: first.text!.text }, options: { steps: 20 } });
  assert.equal(asText.checks.cached, true);
  assert.deepEqual(asText.features.map((f) => [f.text, f.start, f.score]), first.features.map((f) => [f.text, f.start! - first.features[0].start!, f.score]));
  // Other settings are not served from the cache.
  const other = await run({ input: { kind: 'dataset-file', path, row: 2 }, options: { steps: 21 } });
  assert.equal(other.checks.cached, undefined);
});

test('tensors: none are left behind across 20 text requests', async () => {
  clearTextCache();
  await run({ input: { kind: 'text', text: 'warm up' } });
  const before = tf.memory().numTensors;
  const methods = ['layer-integrated-gradients', 'layer-gradient-x-activation', 'occlusion', 'feature-ablation'] as const;
  for (let i = 0; i < 20; i++) {
    await run({ input: { kind: 'text', text: `request ${i} was great` }, method: methods[i % methods.length], options: { steps: 8 } });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('LIME and KernelSHAP work over token coalitions; KernelSHAP is complete', async () => {
  const input = { kind: 'text' as const, text: 'The plot was superb, the actor dull!' };
  for (const method of ['lime', 'kernel-shap'] as const) {
    const e = await run({ input, method, options: { samples: 300, seed: 3 } });
    assert.equal(e.checks.groupSource, 'featureGroups');
    assert.equal(e.checks.groups, e.features.length + 1);
    const sorted = [...e.features].sort((a, b) => b.score - a.score);
    assert.equal(sorted[0].text, 'superb', method);
    assert.equal(sorted[sorted.length - 1].text, 'dull', method);
    if (method === 'kernel-shap') assert.ok(Math.abs(e.checks.convergenceDelta as number) < 1e-6);
  }
});

test('a packed multi-input text model ([ids; attention mask]): the mask is fed, the baseline keeps it, scores go to tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-packed-'));
  writeFileSync(
    join(dir, 'model.lens.json'),
    JSON.stringify({ tokenizer: { path: join(fixtures, 'planted/vocab.json'), pad: '<pad>', unk: '<unk>', mask: '<mask>' }, inputs: { ids: 'input_ids', mask: 'attention_mask' }, labels: ['a', 'b'] }),
  );
  const vocab = JSON.parse(readFileSync(join(fixtures, 'planted/vocab.json'), 'utf8')) as Record<string, number>;
  const model = embeddingModel(8, Object.keys(vocab).length, 4, 2, { packed: true, tanh: true });
  Object.assign(model.summary, { path: join(dir, 'model.json') });
  const source = { get: async () => model };
  const text = 'superb plot, dull actor';
  const e = await explain({ modelPath: join(dir, 'model.json'), input: { kind: 'text', text }, method: 'layer-integrated-gradients', options: { steps: 64 } }, source);
  assert.deepEqual(e.attributions.shape, [2, 8]);
  assert.deepEqual(e.attributions.values.slice(8), new Array(8).fill(0), 'the mask row gets nothing');
  assert.deepEqual(e.features.map((f) => f.text), ['superb', 'plot', ',', 'dull', 'actor']);
  assert.ok(Math.abs(e.checks.convergenceDelta as number) < 1e-4);
  // The model saw the mask: its score equals the reference forward over the 5 real tokens only.
  const ids = ['superb', 'plot', ',', 'dull', 'actor'].map((w) => vocab[w]);
  const expected = model.reference([...ids, 0, 0, 0].map((id) => model.E[id]), [1, 1, 1, 1, 1, 0, 0, 0]);
  assert.ok(Math.abs(e.prediction.scores[e.target.index] - expected[e.target.index]) < 1e-5);
  // Occlusion windows cover both rows; each token's score is what masking it by [PAD] changes.
  const o = await explain({ modelPath: join(dir, 'model.json'), input: { kind: 'text', text }, method: 'occlusion', options: { window: [2, 1] } }, source);
  assert.equal(o.checks.windows, 8);
  model.dispose();
});
