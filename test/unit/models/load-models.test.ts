// The good layers and graph fixtures load as ExplainableModels whose outputs and input gradients are right.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { loadModel, readModelSummary } from '../../../src/engine/models';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { fixture } from './helpers';
import { tinyGraphForward, tinyLayersForward } from './reference';

before(async () => {
  await initBackend('wasm');
});

const X = [
  [0.1, -0.2, 0.3, 0.5],
  [1, 2, 3, 4],
  [-1.5, 0.25, 0, 0.75],
];

const cases = [
  { kind: 'layers', path: fixture('ok'), reference: tinyLayersForward, labels: ['low', 'mid', 'high'], featureNames: ['a', 'b', 'c', 'd'] },
  { kind: 'graph', path: fixture('graph'), reference: tinyGraphForward, labels: ['red', 'green', 'blue'], featureNames: undefined },
];

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** d reference(x)[target] / dx by central differences, in float64. */
function numericGradient(reference: (x: number[]) => number[], x: number[], target: number): number[] {
  const h = 1e-6;
  return x.map((_, i) => {
    const up = [...x];
    const down = [...x];
    up[i] += h;
    down[i] -= h;
    return (reference(up)[target] - reference(down)[target]) / (2 * h);
  });
}

async function withModel(path: string, use: (m: ExplainableModel) => void | Promise<void>): Promise<void> {
  const model = await loadModel(path);
  try {
    await use(model);
  } finally {
    model.dispose();
  }
}

for (const c of cases) {
  test(`${c.kind}: predict returns [B, K] scores equal to a plain-JS forward pass`, async () => {
    await withModel(c.path, (model) => {
      assert.deepEqual(model.inputShape, [4]);
      assert.equal(model.outputSize, 3);
      assert.deepEqual(model.labels, c.labels);
      assert.deepEqual(model.featureNames, c.featureNames);
      const scores = tf.tidy(() => {
        const y = model.predict(tf.tensor2d(X));
        assert.deepEqual(y.shape, [3, 3]);
        assert.equal(y.dtype, 'float32');
        return y.arraySync();
      });
      scores.forEach((row, b) => assertClose(row, c.reference(X[b]), 1e-5, `scores of example ${b}`));
    });
  });

  test(`${c.kind}: gradients of one score flow back to the input and match finite differences`, async () => {
    await withModel(c.path, (model) => {
      const target = 1;
      const grads = tf.tidy(() => {
        const g = tf.grad((x: tf.Tensor) => model.predict(x).slice([0, target], [X.length, 1]).sum())(tf.tensor2d(X));
        assert.deepEqual(g.shape, [3, 4]);
        return g.arraySync() as number[][];
      });
      for (const [b, row] of grads.entries()) {
        assert.ok(row.every(Number.isFinite), `finite gradient for example ${b}`);
        assert.ok(row.some((v) => Math.abs(v) > 1e-6), `non-zero gradient for example ${b}`);
        assertClose(row, numericGradient(c.reference, X[b], target), 1e-4, `gradient of example ${b}`);
      }
    });
  });

  test(`${c.kind}: an input of the wrong shape is INPUT_INVALID`, async () => {
    await withModel(c.path, (model) => {
      const x = tf.zeros([2, 5]);
      assert.throws(
        () => model.predict(x),
        (e: unknown) => e instanceof EngineError && e.code === 'INPUT_INVALID' && e.message.includes('[2, 5] but the model takes [batch, 4]'),
      );
      x.dispose();
    });
  });

  test(`${c.kind}: loading and disposing 10 times leaks no tensor`, async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      await withModel(c.path, (model) => {
        tf.tidy(() => {
          model.predict(tf.ones([2, 4]));
        });
      });
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test(`${c.kind}: a folder stands for its model.json, and readModelSummary releases the model`, async () => {
    const before = tf.memory().numTensors;
    const fromFolder = await readModelSummary(dirname(c.path));
    const fromFile = await readModelSummary(c.path);
    assert.deepEqual(fromFolder, fromFile);
    assert.equal(fromFile.path, c.path);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('layers summary: inputs, outputs, layers with class names, output shapes and parameter counts', async () => {
  const s = await readModelSummary(fixture('ok'));
  assert.equal(s.format, 'tfjs-layers');
  assert.deepEqual(s.inputs, [{ name: 'hidden_input', shape: [null, 4], dtype: 'float32' }]);
  assert.deepEqual(s.outputs, [{ name: 'output', shape: [null, 3], dtype: 'float32' }]);
  assert.deepEqual(s.layers, [
    { name: 'hidden', type: 'Dense', outputShape: [null, 3], parameterCount: 4 * 3 + 3 },
    { name: 'output', type: 'Dense', outputShape: [null, 3], parameterCount: 3 * 3 + 3 },
  ]);
  assert.equal(s.parameterCount, 27);
  assert.match(s.hash, /^[0-9a-f]{64}$/);
});

test('graph summary: placeholder input, measured output shape, node names and op types', async () => {
  const s = await readModelSummary(fixture('graph'));
  assert.equal(s.format, 'tfjs-graph');
  assert.deepEqual(s.inputs, [{ name: 'x', shape: [null, 4], dtype: 'float32' }]);
  assert.deepEqual(s.outputs, [{ name: 'probs', shape: [null, 3], dtype: 'float32' }]);
  assert.deepEqual(
    s.layers.map((l) => [l.name, l.type, l.parameterCount]),
    [
      ['x', 'Placeholder', undefined],
      ['dense/kernel', 'Const', 12],
      ['dense/bias', 'Const', 3],
      ['dense/MatMul', 'MatMul', undefined],
      ['dense/BiasAdd', 'BiasAdd', undefined],
      ['probs', 'Softmax', undefined],
    ],
  );
  assert.equal(s.parameterCount, 15);
});
