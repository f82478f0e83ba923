// Skipped weight gradients: inside withoutWeightGradients the wasm filter-gradient kernels return zeros (the work is
// skipped), input gradients of a layers model are unchanged, and explain() turns it on for layers models only.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { weightGradientsSkipped, withoutWeightGradients, withoutWeightGradientsSync } from '../../../src/engine/backend/weightGradients';

before(async () => {
  await initBackend('wasm');
});

/** A MobileNet-like block: conv (linear, fused inside gradients) → BatchNorm → ReLU6 → depthwise conv → dense. */
function block(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU({ maxValue: 6 }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.randomNormal({ seed: 2 }) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }));
  return m;
}

test('input gradients are the same with weight gradients skipped, and the filter-gradient kernels do no work', async () => {
  const model = block();
  const x = tf.randomUniform([4, 12, 12, 3], 0, 1, 'float32', 5);
  const f = (input: tf.Tensor) => tf.sum(tf.mul(model.apply(input) as tf.Tensor, tf.tensor([[0, 1, 0]])));
  const kernelsOf = async (skip: boolean) => {
    let grad: tf.Tensor | undefined;
    const info = await tf.profile(() => {
      grad = withoutWeightGradientsSync(skip, () => tf.grad(f)(x));
      return [];
    });
    return { grad: grad!, kernels: info.kernelNames };
  };
  const full = await kernelsOf(false);
  const skipped = await kernelsOf(true);
  assert.ok(full.kernels.includes('Conv2DBackpropFilter'), 'the fused conv gradient computes the filter gradient');
  const [a, b] = [await full.grad.data(), await skipped.grad.data()];
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.equal(worst, 0, 'the input gradient does not change');
  tf.dispose([full.grad, skipped.grad, x]);
  model.dispose();
});

test('a filter gradient asked for while skipped is zeros; the flag nests and is restored after throws', async () => {
  const x = tf.randomUniform([1, 5, 5, 2], 0, 1, 'float32', 7);
  const w = tf.randomUniform([3, 3, 2, 4], -1, 1, 'float32', 8);
  const dW = () => tf.grad((filter: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same')))(w);
  const real = dW();
  assert.ok((await real.abs().sum().data())[0]! > 0);
  const zeros = withoutWeightGradientsSync(true, dW);
  assert.deepEqual(Array.from(await zeros.data()), new Array(w.size).fill(0));
  await assert.rejects(withoutWeightGradients(true, async () => {
    await withoutWeightGradients(true, async () => assert.ok(weightGradientsSkipped()));
    assert.ok(weightGradientsSkipped(), 'still skipped in the outer scope');
    throw new Error('boom');
  }));
  assert.equal(weightGradientsSkipped(), false);
  tf.dispose([x, w, real, zeros]);
});
