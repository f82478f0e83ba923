// AvgPool's (and AvgPool3D's) gradient is the derivative of the forward pass tfjs computes, also where 'same' padding makes border
// windows partial (tfjs' stock gradient divides those by the full window area).
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';

before(async () => {
  await initBackend('wasm');
});

/** Central differences of Σ w ⊙ avgPool(x) — exact for a linear function up to float32 rounding. */
function numericGradient(x: Float32Array, shape: [number, number, number, number], f: (x: tf.Tensor) => tf.Scalar): Float32Array {
  const out = new Float32Array(x.length);
  const h = 1e-2;
  for (let i = 0; i < x.length; i++) {
    const up = x.slice();
    const down = x.slice();
    up[i] += h;
    down[i] -= h;
    out[i] = (f(tf.tensor4d(up, shape)).dataSync()[0] - f(tf.tensor4d(down, shape)).dataSync()[0]) / (2 * h);
  }
  return out;
}

const cases: { name: string; shape: [number, number, number, number]; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }[] = [
  { name: '2×2 stride 1 same (partial windows at the end)', shape: [2, 5, 6, 3], pool: [2, 2], strides: [1, 1], pad: 'same' },
  { name: '3×3 stride 2 same (partial windows at both ends)', shape: [1, 7, 8, 2], pool: [3, 3], strides: [2, 2], pad: 'same' },
  { name: '3×2 stride 1 same', shape: [1, 6, 5, 1], pool: [3, 2], strides: [1, 1], pad: 'same' },
  { name: '2×2 stride 2 valid (whole windows: unchanged)', shape: [1, 6, 6, 2], pool: [2, 2], strides: [2, 2], pad: 'valid' },
];

for (const c of cases) {
  test(`avgPool gradient equals the numeric derivative: ${c.name}`, () => {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7));
    const outShape = tf.avgPool(tf.zeros(c.shape) as tf.Tensor4D, c.pool, c.strides, c.pad).shape;
    const w = tf.tensor(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.9)), outShape);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(v as tf.Tensor4D, c.pool, c.strides, c.pad), w)) as tf.Scalar;
    const analytic = tf.grad(f)(tf.tensor4d(x, c.shape)).dataSync();
    const numeric = numericGradient(x, c.shape, f);
    numeric.forEach((v, i) => assert.ok(Math.abs(v - analytic[i]) <= 1e-3 * (1 + Math.abs(v)), `element ${i}: numeric ${v}, analytic ${analytic[i]}`));
  });
}

test('avgPool3d gradient equals the numeric derivative with same padding (partial windows in all three axes)', () => {
  const shape: [number, number, number, number, number] = [1, 3, 4, 5, 2];
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.3));
  const outShape = tf.avgPool3d(tf.zeros(shape) as tf.Tensor5D, [2, 2, 3], [1, 2, 2], 'same').shape;
  const w = tf.tensor(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.7)), outShape);
  const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool3d(v as tf.Tensor5D, [2, 2, 3], [1, 2, 2], 'same'), w)) as tf.Scalar;
  const analytic = tf.grad(f)(tf.tensor(x, shape)).dataSync();
  const h = 1e-2;
  for (let i = 0; i < size; i++) {
    const up = x.slice();
    const down = x.slice();
    up[i] += h;
    down[i] -= h;
    const numeric = (f(tf.tensor(up, shape)).dataSync()[0] - f(tf.tensor(down, shape)).dataSync()[0]) / (2 * h);
    assert.ok(Math.abs(numeric - analytic[i]) <= 1e-3 * (1 + Math.abs(numeric)), `element ${i}: numeric ${numeric}, analytic ${analytic[i]}`);
  }
});
