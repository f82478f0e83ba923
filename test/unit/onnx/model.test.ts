// The ONNX ExplainableModel around the graph: models fixed at batch 1 (declared, or only inside the graph) run
// example by example on both paths; inputs and outputs it cannot take are named; the parity check warns when the
// imported graph and ONNX Runtime disagree, and runs once per model.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/models';
import { OnnxRuntimeSession } from '../../../src/engine/models/onnx/runtime';
import { relativeError } from '../../../src/engine/models/onnx/verify';
import { rejectsWith } from '../models/helpers';
import { buildModel, type ModelSpec } from './builder';

const dir = mkdtempSync(join(tmpdir(), 'lens-onnx-model-'));
let counter = 0;
const write = (spec: ModelSpec) => {
  const path = join(dir, `m${counter++}.onnx`);
  writeFileSync(path, buildModel(spec));
  return path;
};

before(async () => {
  await initBackend('wasm');
});

const W = { name: 'w', dims: [4, 2], values: [1, -1, 0.5, 2, -0.25, 0, 3, 1] };

test('a model declared with batch 1 runs a batch of 3 example by example, on both paths', async () => {
  const model = await loadModel(write({ opset: 13, inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], initializers: [W], nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] }));
  try {
    const x = tf.tensor2d([[1, 2, 3, 4], [0, 1, 0, 1], [-1, 0.5, 2, 0]]);
    const expected = [[1 + 1 - 0.75 + 12, -1 + 4 + 0 + 4], [0.5 + 3, 2 + 1], [-1 + 0.25 - 0.5, 1 + 1 + 0]];
    const fast = await model.predictFast!(x);
    const ours = model.predict(x);
    assert.ok(relativeError(await fast.data(), expected.flat()) < 1e-6);
    assert.ok(relativeError(await ours.data(), expected.flat()) < 1e-6);
    tf.dispose([x, fast, ours]);
  } finally {
    model.dispose();
  }
});

test('a graph that fixes the batch at 1 inside (Reshape to [1, -1]) is detected by the probe and looped', async () => {
  const model = await loadModel(
    write({
      opset: 13,
      inputs: [{ name: 'x', dims: ['batch', 2, 2] }],
      outputs: [{ name: 'y' }],
      initializers: [W, { name: 'shape', dtype: 'int64', dims: [2], values: [1, -1] }],
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['y'] },
      ],
    }),
  );
  try {
    const x = tf.tensor3d([[[1, 2], [3, 4]], [[0, 1], [0, 1]]]);
    const fast = await model.predictFast!(x);
    const ours = model.predict(x);
    assert.deepEqual(fast.shape, [2, 2]);
    assert.ok(relativeError(await ours.data(), await fast.data()) < 1e-6);
    tf.dispose([x, fast, ours]);
  } finally {
    model.dispose();
  }
});

test('inputs without a known role, several outputs, and inputs of other types are refused with their names', async () => {
  // Several inputs are taken when their roles are known (text models: input_ids, attention_mask, …), not otherwise.
  let path = write({
    opset: 13,
    inputs: [{ name: 'a', dtype: 'int64', dims: ['b', 4] }, { name: 'b', dtype: 'int64', dims: ['b', 4] }],
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
  });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "2 inputs ('a', 'b')", "cannot determine the role of model input 'a'"]);
  path = write({ opset: 13, inputs: [{ name: 'x', dims: ['b', 4] }], outputs: [{ name: 'logits' }, { name: 'probs' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['logits'] }, { op: 'Sigmoid', inputs: ['x'], outputs: ['probs'] }] });
  await rejectsWith(loadModel(path), 'UNSUPPORTED', [path, "2 outputs ('logits', 'probs')"]);
  path = write({ opset: 13, inputs: [{ name: 'flags', dtype: 'bool', dims: ['b', 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Not', inputs: ['flags'], outputs: ['y'] }] });
  await rejectsWith(loadModel(path), 'UNSUPPORTED', [path, "input 'flags' is bool"]);
});

test('a parity mismatch with ONNX Runtime is a warning on the model and its summary; the check runs once per model', async () => {
  // y = Σ(x·1e8) − x·(1e8…): exactly 0, so what remains is rounding noise, and ONNX Runtime (MLAS) sums in
  // another order than the wasm kernels: the outputs disagree completely.
  const n = 256;
  const path = write({
    opset: 13,
    inputs: [{ name: 'x', dims: ['b', n] }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'k', dims: [], values: [1e8] },
      { name: 'ones', dims: [n, 1], values: new Array(n).fill(1e8) },
      { name: 'axes', dtype: 'int64', dims: [1], values: [1] },
    ],
    nodes: [
      { op: 'Mul', inputs: ['x', 'k'], outputs: ['m'] },
      { op: 'ReduceSum', inputs: ['m', 'axes'], outputs: ['s'] },
      { op: 'MatMul', inputs: ['x', 'ones'], outputs: ['t'] },
      { op: 'Sub', inputs: ['s', 't'], outputs: ['y'] },
    ],
  });
  const first = await loadModel(path);
  const error = (first as { parityError?: number }).parityError!;
  assert.ok(error > 1e-4, `parity error ${error}`);
  assert.match(first.summary.warnings?.[0] ?? '', /differs from ONNX Runtime by [\d.]+e[+-]\d+ \(relative, > 0\.0001\)/);
  first.dispose();

  const run = OnnxRuntimeSession.prototype.run;
  let calls = 0;
  OnnxRuntimeSession.prototype.run = function (...args) {
    calls++;
    return run.apply(this, args);
  };
  try {
    const again = await loadModel(path);
    assert.equal(calls, 0, 'no second probe through ONNX Runtime');
    assert.deepEqual(again.summary.warnings, first.summary.warnings);
    again.dispose();
  } finally {
    OnnxRuntimeSession.prototype.run = run;
  }
});

test('a disposed model refuses to run', async () => {
  const model = await loadModel(write({ opset: 13, inputs: [{ name: 'x', dims: ['b', 4] }], outputs: [{ name: 'y' }], initializers: [W], nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] }));
  model.dispose();
  assert.throws(() => model.predict(tf.zeros([1, 4])), { name: 'EngineError', message: /disposed/ });
});
