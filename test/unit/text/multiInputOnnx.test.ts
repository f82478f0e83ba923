// Hugging Face style ONNX text classifiers with several inputs (input_ids, attention_mask, token_type_ids): roles
// from the input names (or the manifest), one packed input [R, L] split back into the model's int64 inputs (imported
// graph and ONNX Runtime), predictions equal to ONNX Runtime and to the committed PyTorch reference, layer IG at the
// word-embedding Gather (complete), spans into the text, and perturbation methods that replace token ids only.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { Explanation, ExplainRequest, MethodId } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { explain } from '../../../src/engine/explain';
import { clearTextCache } from '../../../src/engine/modalities/text/textInput';
import { inferInputRoles } from '../../../src/engine/modalities/text/packedInputs';
import { loadOnnxModel, type OnnxExplainableModel } from '../../../src/engine/models/onnx/model';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { buildModel, type ModelSpec } from '../onnx/builder';

const bertDir = resolve(__dirname, '../../fixtures/text/tiny-bert');
const bert = join(bertDir, 'model.onnx');
interface Case {
  text: string;
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  logits: number[];
}
const reference = JSON.parse(readFileSync(join(bertDir, 'reference.json'), 'utf8')) as { labels: string[]; cases: Case[] };
const models = new ModelRegistry();

before(async () => {
  await initBackend('wasm');
});
after(() => models.clear());

const run = (modelPath: string, request: Partial<ExplainRequest> & Pick<ExplainRequest, 'input'>): Promise<Explanation> =>
  explain({ modelPath, method: 'layer-integrated-gradients', ...request }, models);

/** ONNX Runtime on the model file itself, fed int64 inputs by name (no engine code involved). */
async function ortLogits(path: string, feeds: Record<string, number[]>, int32: string[] = []): Promise<number[]> {
  const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  try {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, v]) => [
        name,
        int32.includes(name) ? new ort.Tensor('int32', Int32Array.from(v), [1, v.length]) : new ort.Tensor('int64', BigInt64Array.from(v, (x) => BigInt(x)), [1, v.length]),
      ]),
    );
    const out = await session.run(tensors);
    return Array.from(out[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test('tiny-bert loads with its three int64 inputs as one packed [3, L] input, labels from config.json', async () => {
  const model = await models.get(bert);
  assert.deepEqual(model.inputShape, [3, 32]);
  assert.deepEqual(model.textInputs, { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids' });
  assert.deepEqual(
    model.summary.inputs.map((i) => [i.name, i.dtype]),
    [
      ['input_ids', 'int64'],
      ['attention_mask', 'int64'],
      ['token_type_ids', 'int64'],
    ],
  );
  assert.deepEqual(model.labels, ['negative', 'positive']);
  // The word embeddings, not the position or token type lookups (also Gathers).
  assert.equal(model.embeddingLayer, '/word/Gather_output_0');
  const parity = (model as OnnxExplainableModel).parityError;
  assert.ok(parity !== undefined && parity < 1e-4, `imported graph vs ONNX Runtime: ${parity}`);
});

test('predictions equal ONNX Runtime on the same ids and the committed PyTorch reference; the ids are the tokenizer’s', async () => {
  for (const c of reference.cases) {
    const e = await run(bert, { input: { kind: 'text', text: c.text }, method: 'occlusion' });
    const fed = e.text!.tokens.map((t) => t.id);
    assert.deepEqual(fed, c.input_ids, c.text);
    const viaOrt = await ortLogits(bert, { input_ids: c.input_ids, attention_mask: c.attention_mask, token_type_ids: c.token_type_ids });
    assert.ok(maxDiff(e.prediction.scores, viaOrt) < 1e-4, `${c.text}: ${e.prediction.scores} vs ORT ${viaOrt}`);
    assert.ok(maxDiff(e.prediction.scores, c.logits) < 1e-4, `${c.text}: ${e.prediction.scores} vs PyTorch ${c.logits}`);
    assert.equal(e.prediction.label, reference.labels[c.logits.indexOf(Math.max(...c.logits))]);
  }
});

test('the imported (differentiable) graph gives ONNX Runtime’s logits on the packed input, padding included', async () => {
  const model = (await models.get(bert)) as OnnxExplainableModel;
  const c = reference.cases[1];
  const L = 32;
  const pad = (v: number[], fill: number) => [...v, ...new Array(L - v.length).fill(fill)];
  const packed = [...pad(c.input_ids, 0), ...pad(c.attention_mask, 0), ...pad(c.token_type_ids, 0)];
  const x = tf.tensor(packed, [1, 3, L]);
  const { output, captured } = model.run(x, { capture: [model.embeddingLayer!] });
  const fast = await model.predictFast(x);
  const imported = Array.from(output.dataSync());
  assert.ok(maxDiff(imported, c.logits) < 1e-4, `imported ${imported} vs ${c.logits}`);
  assert.ok(maxDiff(Array.from(fast.dataSync()), c.logits) < 1e-4);
  assert.deepEqual(captured[model.embeddingLayer!].shape, [1, L, 32]);
  tf.dispose([x, output, fast, ...Object.values(captured)]);
});

test('layer IG at the word embeddings is complete: Σ token scores = F(x) − F(baseline) within 1e-3 relative', async () => {
  for (const text of ['The movie was wonderful!', 'A horrible, boring plot.']) {
    clearTextCache();
    const e = await run(bert, { input: { kind: 'text', text }, options: { steps: 64 } });
    assert.equal(e.method.options.layer, '/word/Gather_output_0');
    const gap = (e.checks.inputScore as number) - (e.checks.baselineScore as number);
    const sum = e.text!.tokens.reduce((s, t) => s + t.score, 0);
    assert.ok(Math.abs(gap) > 0.05, `the pad baseline should move the score (gap ${gap})`);
    assert.ok(Math.abs(sum - gap) <= 1e-3 * Math.abs(gap), `${text}: Σ ${sum} vs F(x) − F(x′) ${gap}`);
    assert.ok(Math.abs(e.checks.convergenceDelta as number) <= 1e-3 * Math.abs(gap));
    // The score of the target equals the prediction; the baseline differs from the input only on the text's tokens.
    assert.ok(Math.abs((e.checks.inputScore as number) - e.prediction.scores[e.target.index]) < 1e-4);
    // Frame and padding equal the baseline: exactly zero, and never features.
    const values = e.attributions.values;
    assert.deepEqual(e.attributions.shape, [3, 32]);
    const n = e.text!.tokens.length;
    assert.equal(values[0], 0, '[CLS]');
    assert.equal(values[n - 1], 0, '[SEP]');
    for (let p = n; p < 32; p++) assert.equal(values[p], 0, `padding ${p}`);
    for (let i = 32; i < 96; i++) assert.equal(values[i], 0, 'mask and type id rows are held fixed');
  }
});

test('layer gradient × activation at the same layer; reported per token', async () => {
  const e = await run(bert, { input: { kind: 'text', text: 'Great 中 music 😀 but weak story' }, method: 'layer-gradient-x-activation' });
  assert.equal(e.method.options.layer, '/word/Gather_output_0');
  assert.ok(e.features.some((f) => f.score !== 0));
  assert.ok(e.features.every((f) => Number.isFinite(f.score)));
});

test('token spans are the exact characters of the text: an accented word, CJK and an emoji', async () => {
  for (const text of ['Naïve ending; terrible actor?', 'Great 中 music 😀 but weak story', 'Café was superb — really enjoyable']) {
    const e = await run(bert, { input: { kind: 'text', text }, method: 'feature-ablation' });
    for (const f of e.features) assert.equal(text.slice(f.start, f.end), f.text);
    for (const t of e.text!.tokens) if (t.start !== undefined) assert.ok(t.end! > t.start && t.end! <= text.length);
    // Special tokens and padding never become features.
    const positions = new Set(e.features.flatMap((f) => f.positions ?? []));
    const special = e.text!.tokens.filter((t) => t.special).map((t) => t.position);
    assert.deepEqual(special, [0, e.text!.tokens.length - 1]);
    for (const p of special) assert.ok(!positions.has(p));
    for (let p = e.text!.tokens.length; p < 32; p++) assert.ok(!positions.has(p));
  }
  const emoji = await run(bert, { input: { kind: 'text', text: 'Great 中 music 😀 but weak story' }, method: 'occlusion' });
  assert.deepEqual(
    emoji.features.map((f) => f.text),
    ['Great', '中', 'music', '😀', 'but', 'weak', 'story'],
  );
  assert.deepEqual(emoji.features.slice(3, 4).map((f) => [f.start, f.end]), [[14, 16]]);
  const naive = await run(bert, { input: { kind: 'text', text: 'Naïve ending; terrible actor?' }, method: 'occlusion', options: { granularity: 'word' } });
  assert.equal(naive.features[0].text, 'Naïve');
  assert.ok(naive.features[0].positions!.length > 1, 'Naïve is several word pieces');
});

test('a dataset row: spans point into the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-bert-data-'));
  const file = join(dir, 'reviews.jsonl');
  const texts = ['A horrible, boring plot.', 'Café was superb — really enjoyable'];
  writeFileSync(file, texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
  const e = await run(bert, { input: { kind: 'dataset-file', path: file, row: 1 } });
  const content = readFileSync(file, 'utf8');
  assert.ok(maxDiff(e.prediction.scores, reference.cases[2].logits) < 1e-4);
  for (const f of e.features) assert.equal(content.slice(f.span!.offset, f.span!.offset + f.span!.length), f.text);
});

// A small classifier that ignores one token: its embedding row is zero, like [PAD]'s. Inputs are declared in
// another order (mask first), the token type lookup comes before the word lookup, and nothing is named like BERT's
// layers, so the roles and the embedding layer must be found from the graph.
const IGNORED = 43; // 'the' in tiny-bert's vocab.txt
const VOCAB = 109;
const D = 4;

function ignoringModel(inputNames = ['attention_mask', 'input_ids', 'token_type_ids']): ModelSpec {
  const emb: number[] = [];
  for (let v = 0; v < VOCAB; v++) {
    for (let d = 0; d < D; d++) emb.push(v === 0 || v === IGNORED ? 0 : Math.sin(v * 1.7 + d * 0.9) * 0.8);
  }
  const [maskName, idsName, typeName] = inputNames;
  return {
    opset: 17,
    inputs: inputNames.map((name) => ({ name, dtype: 'int64', dims: ['batch', 'sequence'] })),
    outputs: [{ name: 'logits', dims: ['batch', 2] }],
    initializers: [
      { name: 'types', dims: [2, D], values: [0.1, -0.2, 0.05, 0.3, 0.2, 0.1, -0.1, 0] },
      { name: 'words', dims: [VOCAB, D], values: emb },
      { name: 'axis2', dtype: 'int64', dims: [1], values: [2] },
      { name: 'axis1', dtype: 'int64', dims: [1], values: [1] },
      { name: 'w', dims: [D, 2], values: [1, -1, 0.5, 0.7, -0.8, 0.4, 0.3, -0.6] },
      { name: 'b', dims: [2], values: [0.1, -0.1] },
    ],
    nodes: [
      { op: 'Gather', inputs: ['types', typeName], outputs: ['type_vectors'] },
      { op: 'Gather', inputs: ['words', idsName], outputs: ['word_vectors'] },
      { op: 'Add', inputs: ['word_vectors', 'type_vectors'], outputs: ['summed'] },
      { op: 'Unsqueeze', inputs: [maskName, 'axis2'], outputs: ['mask3'] },
      { op: 'Cast', inputs: ['mask3'], outputs: ['maskf'], attrs: { to: { i: 1 } } },
      { op: 'Mul', inputs: ['summed', 'maskf'], outputs: ['masked'] },
      { op: 'ReduceSum', inputs: ['masked', 'axis1'], outputs: ['pooled'], attrs: { keepdims: { i: 0 } } },
      { op: 'Tanh', inputs: ['pooled'], outputs: ['hidden'] },
      { op: 'MatMul', inputs: ['hidden', 'w'], outputs: ['mm'] },
      { op: 'Add', inputs: ['mm', 'b'], outputs: ['logits'] },
    ],
  };
}

function folder(spec: ModelSpec, lens?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-multi-input-'));
  writeFileSync(join(dir, 'model.onnx'), buildModel(spec));
  copyFileSync(join(bertDir, 'vocab.txt'), join(dir, 'vocab.txt'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'neg', 1: 'pos' }, max_position_embeddings: 16 }));
  if (lens) writeFileSync(join(dir, 'lens.json'), JSON.stringify(lens));
  return join(dir, 'model.onnx');
}

test('inputs in another order are matched by name; the word lookup is found among several Gathers', async () => {
  const path = folder(ignoringModel());
  const model = await models.get(path);
  assert.deepEqual(model.inputShape, [3, 16]);
  assert.equal(model.embeddingLayer, 'word_vectors');
  const text = 'the movie was wonderful';
  const e = await run(path, { input: { kind: 'text', text }, options: { steps: 64 } });
  assert.equal(e.method.options.layer, 'word_vectors');
  const ids = e.text!.tokens.map((t) => t.id);
  assert.deepEqual(ids, [2, 43, 36, 45, 17, 18, 3]);
  const viaOrt = await ortLogits(path, { attention_mask: ids.map(() => 1), input_ids: ids, token_type_ids: ids.map(() => 0) });
  assert.ok(maxDiff(e.prediction.scores, viaOrt) < 1e-5, `${e.prediction.scores} vs ${viaOrt}`);
  assert.deepEqual(e.prediction.labels, ['neg', 'pos']);
  // Layer IG: the ignored token's embedding equals the baseline's ([PAD] row, also zero): exactly 0, and complete.
  assert.equal(e.features[0].text, 'the');
  assert.equal(e.features[0].score, 0);
  const gap = (e.checks.inputScore as number) - (e.checks.baselineScore as number);
  const sum = e.features.reduce((s, f) => s + f.score, 0);
  assert.ok(Math.abs(sum - gap) <= 1e-3 * Math.abs(gap), `Σ ${sum} vs ${gap}`);
});

test('perturbation methods on tokens: the token the model ignores gets zero, the others do not', async () => {
  const path = folder(ignoringModel());
  const text = 'the movie was wonderful';
  const methods: MethodId[] = ['occlusion', 'feature-ablation', 'kernel-shap'];
  for (const method of methods) {
    const e = await run(path, { input: { kind: 'text', text }, method });
    assert.deepEqual(
      e.features.map((f) => f.text),
      ['the', 'movie', 'was', 'wonder', 'ful'],
    );
    assert.ok(Math.abs(e.features[0].score) < 1e-6, `${method}: ignored token scored ${e.features[0].score}`);
    assert.ok(e.features.slice(1).every((f) => Math.abs(f.score) > 1e-4), `${method}: ${e.features.map((f) => f.score)}`);
    // Only the ids row is perturbed: the baseline keeps the mask and type ids, so the score shift is the tokens'.
    assert.equal(e.attributions.values.length, 48);
  }
  // Occlusion costs one forward pass per position, not one per packed element.
  const occ = await run(path, { input: { kind: 'text', text }, method: 'occlusion' });
  assert.equal(occ.checks.windows, 16);
  // Feature ablation of each token = F(x) − F(x with that token's id replaced by [PAD]), checked with ONNX Runtime.
  const ab = await run(path, { input: { kind: 'text', text }, method: 'feature-ablation' });
  const ids = [2, 43, 36, 45, 17, 18, 3];
  const feeds = (v: number[]) => ({ attention_mask: v.map(() => 1), input_ids: v, token_type_ids: v.map(() => 0) });
  const full = await ortLogits(path, feeds(ids));
  const target = ab.target.index;
  const withoutMovie = await ortLogits(path, feeds(ids.map((v, i) => (i === 2 ? 0 : v))));
  assert.ok(Math.abs(ab.features[1].score - (full[target] - withoutMovie[target])) < 1e-5);
  const lime = await run(path, { input: { kind: 'text', text }, method: 'lime' });
  assert.equal(lime.features.length, 5);
  assert.ok(lime.features.every((f) => Number.isFinite(f.score)));
});

test('roles: the manifest names inputs the names do not tell; an unknown role is an error naming the model file', async () => {
  const odd = ignoringModel(['am', 'input_ids', 'segments']);
  const path = folder(odd);
  await assert.rejects(
    loadOnnxModel(path),
    (e: unknown) => e instanceof EngineError && e.message.includes(path) && /cannot determine the role of model input 'am'/.test(e.message) && /"inputs"/.test(e.message),
  );
  const named = folder(odd, { inputs: { mask: 'am', typeIds: 'segments' } });
  const model = await loadOnnxModel(named);
  try {
    assert.deepEqual(model.textInputs, { ids: 'input_ids', mask: 'am', typeIds: 'segments' });
  } finally {
    model.dispose();
  }
  assert.throws(
    () => inferInputRoles(['input_ids', 'mask', 'attention_mask'], undefined, 'm.onnx'),
    (e: unknown) => e instanceof EngineError && /both look like mask/.test(e.message),
  );
  assert.throws(
    () => inferInputRoles(['input_ids', 'attention_mask'], { mask: 'nope' }, 'm.onnx'),
    (e: unknown) => e instanceof EngineError && /'nope', which is not an input of the model/.test(e.message),
  );
  assert.deepEqual(inferInputRoles(['INPUT_IDS', 'position_ids', 'attention_mask'], undefined, 'm.onnx'), {
    ids: 'INPUT_IDS',
    mask: 'attention_mask',
    positions: 'position_ids',
  });
});

test('position ids as an input are fed 0 … L−1', async () => {
  // logits = Σ_l mask·(pos[position_ids] + words[ids]); a wrong position row changes the output.
  const spec = ignoringModel();
  spec.inputs.push({ name: 'position_ids', dtype: 'int64', dims: ['batch', 'sequence'] });
  spec.initializers!.push({ name: 'pos', dims: [16, D], values: Array.from({ length: 16 * D }, (_, i) => Math.cos(i * 0.37) * 0.5) });
  spec.nodes.splice(2, 1, { op: 'Gather', inputs: ['pos', 'position_ids'], outputs: ['pos_vectors'] }, { op: 'Add', inputs: ['word_vectors', 'type_vectors'], outputs: ['s1'] }, {
    op: 'Add',
    inputs: ['s1', 'pos_vectors'],
    outputs: ['summed'],
  });
  const path = folder(spec);
  const e = await run(path, { input: { kind: 'text', text: 'movie was' }, method: 'occlusion' });
  const ids = e.text!.tokens.map((t) => t.id);
  const viaOrt = await ortLogits(path, {
    attention_mask: ids.map(() => 1),
    input_ids: ids,
    token_type_ids: ids.map(() => 0),
    position_ids: ids.map((_, i) => i),
  });
  assert.ok(maxDiff(e.prediction.scores, viaOrt) < 1e-5, `${e.prediction.scores} vs ${viaOrt}`);
  assert.deepEqual((await models.get(path)).textInputs, { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids', positions: 'position_ids' });
});

test('no tensors are left behind by packed-input requests', async () => {
  const request = (method: MethodId) => run(bert, { input: { kind: 'text', text: 'It was not bad at all' }, method, options: method === 'layer-integrated-gradients' ? { steps: 16 } : {} });
  clearTextCache();
  await request('layer-integrated-gradients');
  await request('occlusion');
  const before = tf.memory().numTensors;
  clearTextCache();
  await request('layer-integrated-gradients');
  await request('occlusion');
  await request('kernel-shap');
  assert.equal(tf.memory().numTensors, before);
});

test('each input is fed in its own dtype: an int32 attention mask beside int64 ids', async () => {
  const spec = ignoringModel();
  spec.inputs[0] = { name: 'attention_mask', dtype: 'int32', dims: ['batch', 'sequence'] };
  const path = folder(spec);
  const model = await models.get(path);
  assert.deepEqual(
    model.summary.inputs.map((i) => i.dtype),
    ['int32', 'int64', 'int64'],
  );
  const e = await run(path, { input: { kind: 'text', text: 'movie was wonderful' }, method: 'feature-ablation' });
  const ids = e.text!.tokens.map((t) => t.id);
  const viaOrt = await ortLogits(path, { attention_mask: ids.map(() => 1), input_ids: ids, token_type_ids: ids.map(() => 0) }, ['attention_mask']);
  assert.ok(maxDiff(e.prediction.scores, viaOrt) < 1e-5, `${e.prediction.scores} vs ${viaOrt}`);
  assert.ok((model as OnnxExplainableModel).parityError! < 1e-5);
});

test('KernelSHAP over words of several pieces: each word counts once, Σ features = F(x) − F(baseline)', async () => {
  for (const granularity of ['word', 'token'] as const) {
    const e = await run(bert, { input: { kind: 'text', text: 'Naïve ending; terrible actor?' }, method: 'kernel-shap', options: { granularity } });
    const gap = (e.checks.inputScore as number) - (e.checks.baselineScore as number);
    // The last group is the frame, the padding and the held-fixed rows (a null player: 0 when exact, sampling noise
    // otherwise); the others are the features, one value each.
    const groups = e.maps!.groups.values;
    assert.equal(groups.length, e.features.length + 1);
    const byFeature = e.features.reduce((s, f) => s + f.score, 0);
    const byToken = e.text!.tokens.filter((t) => !t.special).reduce((s, t) => s + t.score, 0);
    const rest = groups[groups.length - 1];
    if (e.checks.exact) assert.ok(Math.abs(rest) < 1e-9);
    assert.ok(Math.abs(byFeature + rest - gap) < 1e-4, `${granularity}: Σ features ${byFeature} + ${rest} vs ${gap}`);
    assert.ok(Math.abs(byToken - byFeature) < 1e-9, `${granularity}: Σ tokens ${byToken} vs Σ features ${byFeature}`);
  }
});
