// Grad-CAM against a direct computation, guided backprop / deconvnet against hand-derived gradients, Guided
// Grad-CAM as their product, and the errors layer methods give before running.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { getMethod } from '../../../src/engine/methods/registry';
import { withModifiedRelu } from '../../../src/engine/methods/gradient/modifiedRelu';
import { resizeMap } from '../../../src/engine/modalities/image/resample';
import { assertClose, run } from '../methods/helpers';
import { linearModel, matrix, numbers } from '../methods/models';
import { functionModel, smallCnn } from './imageModels';

before(async () => {
  await initBackend('wasm');
});

test('Grad-CAM equals ReLU(Σ_k mean(∂F/∂A_k) · A_k), computed directly from the layer output and the head', async () => {
  const { model, layers, dense } = await smallCnn(8, 4, 3);
  const x = numbers(8 * 8 * 3, 41, 1).map((v) => v + 0.5);
  for (const target of [0, 2]) {
    const r = await run('grad-cam', model, { x }, target, { layer: 'conv2' });
    // Direct: A from a sub-model to conv2; the head F(A) = softmax(mean_hw(A) · K + b) differentiated by tf.grad.
    const probe = tf.model({ inputs: layers.inputs, outputs: layers.getLayer('conv2').output as tf.SymbolicTensor });
    const A = tf.tidy(() => probe.predict(tf.tensor4d(x, [1, 8, 8, 3])) as tf.Tensor4D);
    const kernel = tf.tensor2d(dense.kernel, [4, 3]);
    const bias = tf.tensor1d(dense.bias);
    const g = tf.grad((a: tf.Tensor) => tf.slice(tf.softmax(tf.add(tf.matMul(tf.mean(a, [1, 2]) as tf.Tensor2D, kernel), bias)), [0, target], [1, 1]).sum())(A);
    const a = A.dataSync();
    const gv = g.dataSync();
    const [h, w, K] = [4, 4, 4];
    const alpha = Array.from({ length: K }, (_, k) => {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += gv[p * K + k];
      return s / (h * w);
    });
    const cam = Array.from({ length: h * w }, (_, p) => Math.max(0, alpha.reduce((s, al, k) => s + al * a[p * K + k], 0)));
    tf.dispose([A, g, kernel, bias]);
    const low = await lowResCam(model, x, target);
    assertClose(low, cam, 1e-5, `cam target ${target}`);
    assert.ok(cam.some((v) => v > 0), 'the map is not all zero');
    // Attributions: the map upsampled bilinearly to 8×8 and written to all three channels.
    const up = resizeMap(cam, 4, 4, 8, 8);
    assertClose(r.values.filter((_, i) => i % 3 === 0), Array.from(up), 1e-5, 'upsampled');
    assert.deepEqual(r.values.filter((_, i) => i % 3 === 1), r.values.filter((_, i) => i % 3 === 0));
    assert.equal(r.checks.layer, 'conv2');
  }
  model.dispose();
});

async function lowResCam(model: Awaited<ReturnType<typeof smallCnn>>['model'], x: number[], target: number): Promise<number[]> {
  const method = getMethod('grad-cam');
  const options = method.resolveOptions({ layer: 'conv2' }, model);
  const xt = tf.tensor(x, [1, 8, 8, 3]);
  const result = await method.attribute(model, { x: xt, baseline: tf.zerosLike(xt) }, target, options, {
    batchSize: 8,
    progress: () => {},
    checkpoint: async () => {},
  });
  result.attributions.dispose();
  xt.dispose();
  return result.maps!.cam.values;
}

test('Grad-CAM picks the last convolution by default and refuses layers without a spatial output', async () => {
  const { model } = await smallCnn(8, 4, 3);
  const method = getMethod('grad-cam');
  assert.equal(method.resolveOptions({}, model).layer, 'conv2');
  assert.throws(() => method.resolveOptions({ layer: 'gap' }, model), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && e.message.includes('spatial output'));
  assert.throws(() => method.resolveOptions({ layer: 'nope' }, model), (e: unknown) => e instanceof EngineError && e.message.includes('conv1, conv2'));
  model.dispose();
  const plain = linearModel([4, 4, 3], matrix(48, 2, 5), [0, 0]);
  assert.throws(() => method.resolveOptions({}, plain), (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && e.message.includes('layers'));
  const tabular = linearModel([6], matrix(6, 2, 5), [0, 0]);
  assert.throws(() => method.resolveOptions({}, tabular), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && e.message.includes('works on images'));
});

/** y = W2 · relu(W1 · x) (+ relu6 on a second path), from plain tfjs ops, with the hand-written modified gradients. */
function reluNet() {
  const N = 6;
  const Hd = 5;
  const W1 = matrix(N, Hd, 61, 1);
  const W2 = matrix(Hd, 2, 62, 1);
  const w1 = tf.tensor2d(W1.flat(), [N, Hd]);
  const w2 = tf.tensor2d(W2.flat(), [Hd, 2]);
  const model = functionModel([N], 2, (x) => tf.matMul(tf.relu(tf.matMul(tf.reshape(x, [-1, N]) as tf.Tensor2D, w1)), w2), () => tf.dispose([w1, w2]));
  const expected = (x: number[], target: number, rule: 'plain' | 'guided' | 'deconvnet') => {
    const pre = Array.from({ length: Hd }, (_, j) => x.reduce((s, xi, i) => s + xi * W1[i][j], 0));
    const back = Array.from({ length: Hd }, (_, j) => {
      const dy = W2[j][target];
      if (rule === 'plain') return pre[j] > 0 ? dy : 0;
      if (rule === 'guided') return pre[j] > 0 ? Math.max(dy, 0) : 0;
      return Math.max(dy, 0);
    });
    return x.map((_, i) => back.reduce((s, b, j) => s + b * W1[i][j], 0));
  };
  return { model, expected, N };
}

test('guided backprop and deconvnet equal the hand-derived modified-ReLU gradients; the stock gradient is restored', async () => {
  const { model, expected, N } = reluNet();
  const x = numbers(N, 63, 1);
  const stock = tf.getGradient('Relu');
  for (const target of [0, 1]) {
    const gb = await run('guided-backprop', model, { x }, target);
    assertClose(gb.values, expected(x, target, 'guided'), 1e-5, 'guided');
    const dc = await run('deconvnet', model, { x }, target);
    assertClose(dc.values, expected(x, target, 'deconvnet'), 1e-5, 'deconvnet');
    const plain = await run('saliency', model, { x }, target, { abs: false });
    assertClose(plain.values, expected(x, target, 'plain'), 1e-5, 'ordinary gradient after the override');
    assert.ok(maxDiff(gb.values, plain.values) > 1e-3, 'guided differs from the plain gradient here');
  }
  assert.equal(tf.getGradient('Relu'), stock);
  // Restored even when the forward pass throws.
  assert.throws(() =>
    withModifiedRelu('guided', () => {
      throw new Error('boom');
    }),
  );
  assert.equal(tf.getGradient('Relu'), stock);
  model.dispose();
});

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('guided Grad-CAM = guided backprop ⊙ upsampled Grad-CAM; CNN methods leak no tensors', async () => {
  const { model } = await smallCnn(8, 4, 3);
  const x = numbers(8 * 8 * 3, 71, 1).map((v) => v + 0.5);
  const cam = await run('grad-cam', model, { x }, 1);
  const gb = await run('guided-backprop', model, { x }, 1);
  const ggc = await run('guided-grad-cam', model, { x }, 1);
  assertClose(ggc.values, gb.values.map((v, i) => v * cam.values[i]), 1e-5, 'guided grad-cam');
  // The conv layers' fused ReLUs are modified too (tfjs does not fuse them while differentiating).
  const plain = await run('saliency', model, { x }, 1, { abs: false });
  assert.ok(maxDiff(gb.values, plain.values) > 1e-6, 'guided backprop differs from the gradient on the CNN');
  assert.ok(ggc.values.some((v) => Math.abs(v) > 1e-6));
  const before = tf.memory().numTensors;
  for (const id of ['grad-cam', 'guided-grad-cam', 'guided-backprop', 'deconvnet']) await run(id, model, { x }, 0);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
