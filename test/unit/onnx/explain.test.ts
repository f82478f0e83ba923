// ONNX models end to end through explain(): perturbation methods run on ONNX Runtime (checks.forwardPath), gradient
// methods on the imported graph; unsupported ops are all listed by type and node before anything runs, and
// black-box methods still work; the summary reads without running the model; the registry reloads when external
// data changes.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { loadModel, readModelSummary } from '../../../src/engine/models';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { rejectsWith } from '../models/helpers';
import { buildModel, type ModelSpec } from './builder';

const FIXTURES = join(__dirname, '../../fixtures/onnx');
const dir = mkdtempSync(join(tmpdir(), 'lens-onnx-explain-'));

before(async () => {
  await initBackend('wasm');
});

/** Three nodes the importer cannot take (a dilated MaxPool, Celu, CumSum) around ones it can. */
const UNSUPPORTED: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: ['batch', 1, 8] }],
  outputs: [{ name: 'y', dims: ['batch', 3] }],
  initializers: [
    { name: 'axis', dtype: 'int64', dims: [], values: [1] },
    { name: 'w', dims: [3, 6], values: Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) / 5 - 0.4) },
  ],
  nodes: [
    { op: 'MaxPool', inputs: ['x'], outputs: ['p'], name: 'features/pool', attrs: { kernel_shape: { ints: [2] }, dilations: { ints: [2] } } },
    { op: 'Celu', inputs: ['p'], outputs: ['c'], name: 'features/celu' },
    { op: 'Flatten', inputs: ['c'], outputs: ['f'], name: 'flatten' },
    { op: 'CumSum', inputs: ['f', 'axis'], outputs: ['s'], name: 'head/cumsum' },
    { op: 'Gemm', inputs: ['s', 'w'], outputs: ['y'], name: 'head/fc', attrs: { transB: { i: 1 } } },
  ],
};

test('unsupported ops are all listed (type and node) in the summary and in the error gradient methods get', async () => {
  const path = join(dir, 'unsupported.onnx');
  writeFileSync(path, buildModel(UNSUPPORTED));
  const expected = [
    { opType: 'MaxPool', node: 'features/pool', reason: 'dilated pooling is not supported' },
    { opType: 'Celu', node: 'features/celu' },
    { opType: 'CumSum', node: 'head/cumsum' },
  ];
  const summary = await readModelSummary(path);
  assert.deepEqual(summary.unsupportedOps, expected);
  assert.deepEqual(summary.opset, { 'ai.onnx': 13 });
  assert.equal(summary.parameterCount, 18);
  assert.deepEqual(
    summary.layers.map((l) => l.type),
    ['MaxPool', 'Celu', 'Flatten', 'CumSum', 'Gemm'],
  );

  const model = await loadModel(path);
  try {
    assert.deepEqual(model.summary.unsupportedOps, expected);
    assert.ok(model.summary.warnings?.[0].includes('unsupported ONNX ops'));
    const message =
      'unsupported ONNX ops: MaxPool (node features/pool: dilated pooling is not supported), Celu (node features/celu), ' +
      'CumSum (node head/cumsum); black-box methods (occlusion, feature-ablation) still work through ONNX Runtime';
    assert.throws(() => model.predict(tf.zeros([1, 1, 8])), { name: 'EngineError', message: `${path}: ${message}` });
  } finally {
    model.dispose();
  }

  const models = new ModelRegistry();
  try {
    const input = { kind: 'tensor' as const, data: { shape: [1, 8], values: [0.5, -1, 2, 0.25, -0.5, 1, 1.5, -2] } };
    const occlusion = await explain({ modelPath: path, input, method: 'occlusion' }, models);
    assert.equal(occlusion.checks.forwardPath, 'onnxruntime');
    assert.equal(occlusion.attributions.values.length, 8);
    const ablation = await explain({ modelPath: path, input, method: 'feature-ablation' }, models);
    assert.deepEqual(ablation.attributions.values, occlusion.attributions.values);
    await rejectsWith(explain({ modelPath: path, input, method: 'integrated-gradients' }, models), 'UNSUPPORTED', [path, 'Celu (node features/celu)', 'occlusion']);
  } finally {
    models.clear();
  }
});

test('explain() on an .onnx model: occlusion through ONNX Runtime, IG through the imported graph, both consistent', async () => {
  const path = join(FIXTURES, 'mlp.onnx');
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'mlp.json'), 'utf8'));
  const models = new ModelRegistry();
  try {
    const input = { kind: 'tensor' as const, data: fixture.inputs[0] as number[] };
    const occlusion = await explain({ modelPath: path, input, method: 'occlusion' }, models);
    assert.equal(occlusion.checks.forwardPath, 'onnxruntime');
    assert.equal(occlusion.model.format, 'onnx');
    assert.deepEqual(occlusion.prediction.scores.map((s) => Math.round(s * 1e5)), fixture.outputs1[0].map((s: number) => Math.round(s * 1e5)));
    // Occluding feature i with the zero baseline: F(x) − F(x with x_i = 0), here on the imported graph.
    const model = await models.get(path);
    const target = occlusion.target.index;
    const rows = fixture.inputs[0].map((_: number, i: number) => fixture.inputs[0].map((v: number, j: number) => (i === j ? 0 : v)));
    const scores = tf.tidy(() => model.predict(tf.tensor2d([fixture.inputs[0], ...rows])).arraySync());
    const expected = rows.map((_: number[], i: number) => scores[0][target] - scores[i + 1][target]);
    occlusion.attributions.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `feature ${i}: ${v} vs ${expected[i]}`));

    const ig = await explain({ modelPath: path, input, method: 'integrated-gradients', options: { steps: 32 } }, models);
    assert.equal(ig.checks.forwardPath, undefined);
    assert.ok(Math.abs(ig.checks.convergenceDelta as number) < 0.05);
    assert.equal(await models.get(path), model, 'the registry keeps the loaded model');
  } finally {
    models.clear();
  }
});

test('the registry reloads an ONNX model when its external data file changes', async () => {
  const path = join(dir, 'external.onnx');
  copyFileSync(join(FIXTURES, 'external.onnx'), path);
  copyFileSync(join(FIXTURES, 'external.onnx.data'), join(dir, 'external.onnx.data'));
  const models = new ModelRegistry();
  try {
    const first = await models.get(path);
    assert.equal(await models.get(path), first);
    const data = new Uint8Array(readFileSync(join(dir, 'external.onnx.data')));
    data[data.length - 1] ^= 0x40; // the last float of the last bias
    writeFileSync(join(dir, 'external.onnx.data'), data);
    const second = await models.get(path);
    assert.notEqual(second, first);
    assert.notEqual(second.summary.hash, first.summary.hash);
  } finally {
    models.clear();
  }
});
