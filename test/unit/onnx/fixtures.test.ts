// Every PyTorch-exported fixture (test/fixtures/onnx, built by build_fixtures.py): forward parity of the imported
// graph with ONNX Runtime on batches of 1 and 3, outputs against PyTorch, and — for float inputs — saliency and
// integrated gradients against PyTorch autograd (float64) and IG completeness.
// Tolerances: parity 1e-4 relative (verify.ts); attributions 1e-4 relative to max |reference| (referenceFiles.ts).
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { getMethod } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import { loadModel } from '../../../src/engine/models';
import { PARITY_TOLERANCE, verifyAgainstOnnxRuntime } from '../../../src/engine/models/onnx';
import { relativeError } from '../../../src/engine/models/onnx/verify';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { compareVectors, describeMismatch } from '../reference/referenceFiles';

export const ONNX_FIXTURES = join(__dirname, '../../fixtures/onnx');

interface FixtureCase {
  input: number;
  target: number;
  gradient: number[];
  integratedGradients: number[];
  completenessDelta: number;
}

interface Fixture {
  name: string;
  model: string;
  opset: number;
  inputName: string;
  inputShape: number[];
  inputDtype: 'float32' | 'int64';
  outputSize: number;
  inputs: number[][];
  outputs1: number[][];
  outputs3: number[][];
  cases: FixtureCase[];
}

const NAMES = ['mlp', 'cnn2d', 'cnn1d', 'bert_embeds', 'bert_tokens', 'grouped', 'upsample', 'gru', 'external'];
const fixtures: Fixture[] = NAMES.map((name) => ({ name, ...JSON.parse(readFileSync(join(ONNX_FIXTURES, `${name}.json`), 'utf8')) }));
const ctx: RunContext = { progress() {}, async checkpoint() {}, batchSize: 7 };

before(async () => {
  await initBackend('wasm');
});

const batchOf = (f: Fixture, rows: number[][]) => tf.tensor(rows.flat(), [rows.length, ...f.inputShape]);

function expectClose(ours: ArrayLike<number>, ref: number[], what: string): void {
  const m = compareVectors(ours, ref);
  assert.equal(m, undefined, m && `${what}: ${describeMismatch(m)}`);
}

async function attribute(model: ExplainableModel, f: Fixture, c: FixtureCase, method: string, options: object) {
  const m = getMethod(method);
  const x = batchOf(f, [f.inputs[c.input]]);
  const baseline = tf.zerosLike(x);
  try {
    const r = await m.attribute(model, { x, baseline }, c.target, m.resolveOptions({ ...options }, model), ctx);
    const values = Array.from(await r.attributions.data());
    r.attributions.dispose();
    return { values, checks: r.checks };
  } finally {
    tf.dispose([x, baseline]);
  }
}

for (const f of fixtures) {
  test(`${f.name} (opset ${f.opset}): forward parity with ONNX Runtime and PyTorch, batches of 1 and 3`, async () => {
    const model = await loadModel(join(ONNX_FIXTURES, f.model));
    try {
      assert.deepEqual(model.inputShape, f.inputShape);
      assert.equal(model.outputSize, f.outputSize);
      assert.equal(model.summary.format, 'onnx');
      assert.equal(model.summary.opset?.['ai.onnx'], f.opset);
      assert.ok(model.summary.parameterCount > 0);
      for (const [rows, refs] of [
        [f.inputs.slice(0, 1), f.outputs1],
        [f.inputs, f.outputs3],
      ] as const) {
        const x = batchOf(f, rows);
        const fast = await model.predictFast!(x);
        expectClose(await fast.data(), refs.flat(), `${f.name} ONNX Runtime vs PyTorch, batch ${rows.length}`);
        fast.dispose();
        if (f.name !== 'gru') {
          const error = await verifyAgainstOnnxRuntime(model, x);
          assert.ok(error <= PARITY_TOLERANCE, `${f.name} batch ${rows.length}: imported graph vs ONNX Runtime, relative error ${error}`);
          const ours = tf.tidy(() => model.run!(x, {}).output);
          expectClose(await ours.data(), refs.flat(), `${f.name} imported graph vs PyTorch, batch ${rows.length}`);
          ours.dispose();
        }
        x.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  if (!f.cases.length) continue;
  test(`${f.name}: saliency and integrated gradients match PyTorch autograd; IG is complete`, async () => {
    const model = await loadModel(join(ONNX_FIXTURES, f.model));
    const tensorsBefore = tf.memory().numTensors;
    try {
      for (const c of f.cases) {
        const saliency = await attribute(model, f, c, 'saliency', { abs: false });
        expectClose(saliency.values, c.gradient, `${f.name} input ${c.input} saliency`);
        const ig = await attribute(model, f, c, 'integrated-gradients', { steps: 32, igMethod: 'gausslegendre' });
        expectClose(ig.values, c.integratedGradients, `${f.name} input ${c.input} integrated gradients`);
        // Completeness: Σ IG = F(x) − F(0) up to the same quadrature error as PyTorch's.
        const delta = ig.checks.convergenceDelta as number;
        const scale = c.integratedGradients.reduce((a, v) => a + Math.abs(v), 0);
        assert.ok(Math.abs(delta - c.completenessDelta) <= 1e-4 * scale + 1e-6, `${f.name} input ${c.input}: delta ${delta} vs PyTorch ${c.completenessDelta}`);
        const change = (ig.checks.inputScore as number) - (ig.checks.baselineScore as number);
        assert.ok(Math.abs(delta) <= 0.05 * Math.max(Math.abs(change), 0.1), `${f.name} input ${c.input}: IG misses F(x) − F(0) = ${change} by ${delta}`);
      }
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak');
    } finally {
      model.dispose();
    }
  });
}

test('gru: the GRU op is listed as unsupported; gradients refuse, ONNX Runtime still predicts', async () => {
  const model = await loadModel(join(ONNX_FIXTURES, 'gru.onnx'));
  try {
    assert.deepEqual(model.summary.unsupportedOps, [{ opType: 'GRU', node: '/gru/GRU' }]);
    assert.throws(
      () => model.predict(tf.zeros([1, ...model.inputShape])),
      (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && e.message.includes('GRU (node /gru/GRU)') && e.message.includes('occlusion'),
    );
    const f = fixtures.find((x) => x.name === 'gru')!;
    const occlusion = await attribute(model, f, { input: 0, target: 0 } as FixtureCase, 'occlusion', {});
    assert.equal(occlusion.checks.forwardPath, 'onnxruntime');
    assert.equal(occlusion.values.length, 20);
  } finally {
    model.dispose();
  }
});

test('bert_tokens: int64 token ids run through the imported graph (run) but have no gradient (predict refuses)', async () => {
  const model = await loadModel(join(ONNX_FIXTURES, 'bert_tokens.onnx'));
  try {
    assert.equal(model.summary.inputs[0].dtype, 'int64');
    assert.throws(
      () => model.predict(tf.zeros([1, 6])),
      (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && e.message.includes('token ids') && e.message.includes('inputs_embeds'),
    );
    assert.ok(model.intermediates!.some((i) => i.type === 'LayerNormalization'));
  } finally {
    model.dispose();
  }
});

test('dynamic axes: cnn1d (dynamic length) matches ONNX Runtime at another length given by the manifest', async () => {
  const { mkdtempSync, copyFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'lens-onnx-dynamic-'));
  copyFileSync(join(ONNX_FIXTURES, 'cnn1d.onnx'), join(dir, 'cnn1d.onnx'));
  writeFileSync(join(dir, 'cnn1d.lens.json'), JSON.stringify({ inputShape: [4, 45] }));
  const model = await loadModel(join(dir, 'cnn1d.onnx'));
  try {
    assert.deepEqual(model.inputShape, [4, 45]);
    assert.deepEqual(model.summary.inputs[0].shape, [null, 4, null]);
    const x = tf.randomUniform([5, 4, 45], -1, 1, 'float32', 3);
    assert.ok((await verifyAgainstOnnxRuntime(model, x)) <= PARITY_TOLERANCE);
    x.dispose();
  } finally {
    model.dispose();
  }
});

test('intermediates: listed with op types and shapes; run captures them and differentiates w.r.t. a replaced one', async () => {
  const model = await loadModel(join(ONNX_FIXTURES, 'mlp.onnx'));
  try {
    assert.deepEqual(
      model.intermediates!.map((i) => [i.name, i.type, i.shape]),
      [
        ['/l1/Gemm_output_0', 'Gemm', [16]],
        ['/Relu_output_0', 'Relu', [16]],
        ['/l2/Gemm_output_0', 'Gemm', [12]],
        ['/Tanh_output_0', 'Tanh', [12]],
        ['y', 'Gemm', [3]],
      ],
    );
    const f = fixtures.find((x) => x.name === 'mlp')!;
    const x = batchOf(f, f.inputs);
    const layer = '/Tanh_output_0';
    const { output, captured } = model.run!(x, { capture: [layer] });
    assert.deepEqual(captured[layer].shape, [3, 12]);
    // Replacing the layer by itself changes nothing; the gradient of y_k w.r.t. it is row k of l3.weight.
    const same = model.run!(x, { replace: { [layer]: captured[layer] } }).output;
    assert.ok(relativeError(await same.data(), await output.data()) < 1e-6);
    const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.slice(model.run!(x, { replace: { [layer]: a } }).output, [0, 2], [-1, 1])))(captured[layer]);
    const weights = ((await import('../../../src/engine/models/onnx/parse')).readOnnx);
    const parsed = await weights(join(ONNX_FIXTURES, 'mlp.onnx'));
    const w3 = parsed.graph.initializers.get('l3.weight')!;
    const row = Array.from(w3.data.subarray(2 * 12, 3 * 12));
    const g = (await grad.array()) as number[][];
    for (const r of g) expectClose(r, row, 'gradient w.r.t. the replaced layer');
    tf.dispose([x, output, same, grad, ...Object.values(captured)]);
    assert.throws(() => model.run!(x, { capture: ['nope'] }), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID');
  } finally {
    model.dispose();
  }
});

test('replacing a layer skips what only feeds it, and a replacement of the wrong shape is refused', async () => {
  const model = await loadModel(join(ONNX_FIXTURES, 'cnn2d.onnx'));
  try {
    const f = fixtures.find((x) => x.name === 'cnn2d')!;
    const x = batchOf(f, f.inputs);
    const layer = '/MaxPool_output_0';
    const { output, captured } = model.run!(x, { capture: [layer] });
    // With the layer given, the input no longer matters.
    const zeros = tf.zerosLike(x);
    const replaced = model.run!(zeros, { replace: { [layer]: captured[layer] } }).output;
    assert.ok(relativeError(await replaced.data(), await output.data()) < 1e-6);
    assert.throws(
      () => model.run!(x, { replace: { [layer]: tf.zeros([3, 6, 5, 6]) } }),
      (e: unknown) => e instanceof EngineError && e.code === 'INPUT_INVALID' && e.message.includes('[batch, 6, 6, 6]'),
    );
    tf.dispose([x, zeros, output, replaced, ...Object.values(captured)]);
  } finally {
    model.dispose();
  }
});
