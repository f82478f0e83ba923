// Layer-by-layer execution of LayersModels: same output as predict, captures, and gradients through a replaced
// intermediate that match finite differences.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { loadModel } from '../../../src/engine/models';
import { layersRunner } from '../../../src/engine/models/layersRun';
import type { IntermediateInfo } from '../../../src/engine/models/types';
import { numbers } from '../methods/models';

before(async () => {
  await initBackend('wasm');
});

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** Seeded weights so the test does not depend on tfjs' random initialisers. */
function seed(model: tf.LayersModel, s: number): void {
  let k = s;
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length) layer.setWeights(ws.map((w) => tf.tensor(numbers(w.size, k++, 0.4), w.shape)));
  }
}

/**
 * A functional CNN with two branches (Add and Concatenate), a Dense layer shared by two nodes, and a nested
 * Sequential block.
 */
function branchyModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 2], name: 'img' });
  const c1 = apply(tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
  const c2 = apply(tf.layers.conv2d({ name: 'c2', filters: 4, kernelSize: 1, activation: 'tanh' }), input);
  const sum = apply(tf.layers.add({ name: 'sum' }), [c1, c2]);
  const block = tf.sequential({
    name: 'block',
    layers: [
      tf.layers.conv2d({ name: 'inner_conv', inputShape: [8, 8, 4], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      tf.layers.averagePooling2d({ name: 'inner_pool', poolSize: 2 }),
    ],
  });
  const b = apply(block, sum);
  const cat = apply(tf.layers.concatenate({ name: 'cat' }), [b, apply(tf.layers.averagePooling2d({ name: 'avg', poolSize: 2 }), c2)]);
  const flat = apply(tf.layers.flatten({ name: 'flat' }), cat);
  const shared = tf.layers.dense({ name: 'shared', units: 6, activation: 'tanh' });
  const h1 = apply(shared, flat);
  const h2 = apply(shared, apply(tf.layers.dense({ name: 'proj', units: flat.shape[1] as number }), h1));
  const out = apply(tf.layers.dense({ name: 'out', units: 3, activation: 'softmax' }), apply(tf.layers.add({ name: 'mix' }), [h1, h2]));
  const model = tf.model({ inputs: input, outputs: out, name: 'branchy' });
  seed(model, 7);
  return model;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

const input = () => tf.tensor(numbers(2 * 8 * 8 * 2, 11), [2, 8, 8, 2]);

test('run() equals predict() on a graph with Add, Concatenate, a shared layer and a nested Sequential', () => {
  const model = branchyModel();
  const runner = layersRunner(model, 'branchy');
  const names = runner.intermediates.map((i) => i.name);
  for (const n of ['c1', 'sum', 'block/inner_conv', 'block/inner_pool', 'block', 'cat', 'shared@0', 'shared@1', 'out']) {
    assert.ok(names.includes(n), `intermediate ${n} in ${names.join(', ')}`);
  }
  const x = input();
  const expected = model.predict(x) as tf.Tensor;
  const { output, captured } = runner.run(x, { capture: ['block/inner_conv', 'shared@1', 'cat'] });
  assert.deepEqual(output.shape, expected.shape);
  const diff = maxDiff(output, expected);
  assert.ok(diff < 1e-6, `run vs predict: ${diff}`);
  assert.deepEqual(captured['block/inner_conv'].shape, [2, 8, 8, 3]);
  assert.deepEqual(captured['shared@1'].shape, [2, 6]);
  assert.deepEqual(captured.cat.shape, [2, 4, 4, 7]);
  const info = runner.intermediates.find((i) => i.name === 'cat')!;
  assert.deepEqual(info.shape, [4, 4, 7]);
  tf.dispose([x, expected, output, ...Object.values(captured)]);
  model.dispose();
});

test('replacing an intermediate with its own value changes nothing; a different value changes the output', () => {
  const model = branchyModel();
  const runner = layersRunner(model, 'branchy');
  const x = input();
  const before = tf.memory().numTensors;
  const { output, captured } = runner.run(x, { capture: ['sum'] });
  const same = runner.run(x, { replace: { sum: captured.sum } });
  assert.ok(maxDiff(same.output, output) < 1e-7);
  const zeros = tf.zerosLike(captured.sum);
  const other = runner.run(x, { replace: { sum: zeros } });
  assert.ok(maxDiff(other.output, output) > 1e-4);
  tf.dispose([output, captured.sum, same.output, other.output, zeros]);
  assert.equal(tf.memory().numTensors, before, 'run leaks no tensors');
  tf.dispose(x);
  model.dispose();
});

test('gradient w.r.t. a replaced intermediate equals central finite differences (also inside the nested block)', () => {
  const model = branchyModel();
  const runner = layersRunner(model, 'branchy');
  const x = tf.tensor(numbers(8 * 8 * 2, 21), [1, 8, 8, 2]);
  const target = 1;
  for (const layer of ['sum', 'block/inner_conv', 'shared@0']) {
    const a0 = runner.run(x, { capture: [layer] }).captured[layer];
    const score = (a: tf.Tensor) => tf.tidy(() => tf.sum(tf.slice(runner.run(x, { replace: { [layer]: a } }).output, [0, target], [1, 1])) as tf.Scalar);
    const g = tf.grad(score)(a0);
    const gv = g.dataSync();
    const av = a0.dataSync();
    // A handful of elements, compared with (f(a + h e_i) − f(a − h e_i)) / 2h in float32.
    const h = 1e-3;
    for (const i of [0, 3, Math.floor(av.length / 2), av.length - 1]) {
      const up = Float32Array.from(av);
      const down = Float32Array.from(av);
      up[i] += h;
      down[i] -= h;
      const fu = tf.tidy(() => score(tf.tensor(up, a0.shape)).dataSync()[0]);
      const fd = tf.tidy(() => score(tf.tensor(down, a0.shape)).dataSync()[0]);
      const numeric = (fu - fd) / (2 * h);
      assert.ok(Math.abs(numeric - gv[i]) <= 5e-4 + 0.02 * Math.abs(numeric), `${layer}[${i}]: autodiff ${gv[i]} vs finite differences ${numeric}`);
    }
    assert.ok(Array.from(gv).some((v) => Math.abs(v) > 1e-4), `${layer}: gradient is not all zero`);
    tf.dispose([a0, g]);
  }
  tf.dispose(x);
  model.dispose();
});

test('unknown layer names are a clear OPTION_INVALID error listing the layers', () => {
  const model = branchyModel();
  const runner = layersRunner(model, 'branchy');
  const x = input();
  assert.throws(
    () => runner.run(x, { capture: ['nope'] }),
    (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && e.message.includes("'nope'") && e.message.includes('block/inner_conv'),
  );
  tf.dispose(x);
  model.dispose();
});

test('MobileNet fixture: capture through the ExplainableModel, output equal to predict, shapes as listed', async () => {
  const model = await loadModel(join(__dirname, '../../fixtures/mobilenet/model.json'));
  try {
    assert.ok(model.run && model.intermediates, 'layers models expose run() and intermediates');
    const names = model.intermediates.map((i) => i.name);
    for (const n of ['Conv1', 'block_2_add', 'out_relu', 'predictions']) assert.ok(names.includes(n), n);
    const x = tf.tensor(numbers(224 * 224 * 3, 5, 0.5).map((v) => v + 0.5), [1, 224, 224, 3]);
    const expected = model.predict(x);
    const { output, captured } = model.run(x, { capture: ['block_2_add', 'out_relu'] });
    assert.deepEqual(output.shape, [1, 10]);
    assert.ok(maxDiff(output, expected) < 1e-5);
    for (const [name, t] of Object.entries(captured)) {
      const info: IntermediateInfo | undefined = model.intermediates.find((i) => i.name === name);
      assert.deepEqual(t.shape.slice(1), info?.shape, name);
    }
    tf.dispose([x, expected, output, ...Object.values(captured)]);
  } finally {
    model.dispose();
  }
});

test('graph model: nodes can be captured by name and replaced (the graph is cut there, gradients flow)', async () => {
  const model = await loadModel(join(__dirname, '../../fixtures/bad-models/graph/model.json'));
  try {
    assert.ok(model.run && model.intermediates);
    assert.deepEqual(
      model.intermediates.map((i) => [i.name, i.type, i.shape]),
      [
        ['dense/MatMul', 'MatMul', [3]],
        ['dense/BiasAdd', 'BiasAdd', [3]],
        ['probs', 'Softmax', [3]],
      ],
    );
    const x = tf.tensor2d([[0.1, -0.2, 0.3, 0.5]]);
    const { output, captured } = model.run(x, { capture: ['dense/BiasAdd'] });
    const logits = captured['dense/BiasAdd'];
    assert.ok(maxDiff(tf.softmax(logits), output) < 1e-6);
    // Replace the logits: the output is softmax of the replacement, and d p_0 / d z = p_0 (e_0 − p).
    const z = tf.tensor2d([[1, 2, 0.5]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(model.run!(x, { replace: { 'dense/BiasAdd': v } }).output, [0, 0], [1, 1])))(z);
    const p = tf.softmax(z).dataSync();
    const expected = [p[0] * (1 - p[0]), -p[0] * p[1], -p[0] * p[2]];
    Array.from(g.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `d p0/d z${i}: ${v} vs ${expected[i]}`));
    tf.dispose([x, output, logits, z, g]);
  } finally {
    model.dispose();
  }
});
