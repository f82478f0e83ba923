// Tiny ExplainableModels built from plain weights, with a float64 reference forward in plain JS,
// so tests can compute expected attributions independently of tfjs.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../../src/engine/models/types';
import type { RunContext } from '../../../src/engine/methods/types';

export interface TestModel extends ExplainableModel {
  /** Float64 reference: target scores of one flat input. */
  reference(x: ArrayLike<number>): number[];
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function build(
  inputShape: number[],
  outputSize: number,
  weights: tf.Tensor[],
  forward: (flat: tf.Tensor2D) => tf.Tensor2D,
  reference: (x: ArrayLike<number>) => number[],
): TestModel {
  const n = sizeOf(inputShape);
  return {
    summary: {
      path: 'test-model',
      format: 'tfjs-layers',
      inputs: [{ name: 'x', shape: [null, ...inputShape], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [null, outputSize], dtype: 'float32' }],
      layers: [],
      parameterCount: weights.reduce((a, w) => a + w.size, 0),
      hash: 'test',
    },
    inputShape,
    outputSize,
    predict: (x) => tf.tidy(() => forward(tf.reshape(x, [-1, n]) as tf.Tensor2D)),
    reference,
    dispose: () => tf.dispose(weights),
  };
}

/** y = flatten(x) · W + b, W: N×K (rows = input features). */
export function linearModel(inputShape: number[], W: number[][], b: number[]): TestModel {
  const K = b.length;
  const w = tf.tensor2d(W.flat(), [W.length, K]);
  const bias = tf.tensor1d(b);
  return build(inputShape, K, [w, bias], (x) => tf.add(tf.matMul(x, w), bias), (x) =>
    b.map((bk, k) => W.reduce((s, row, i) => s + row[k] * x[i], bk)),
  );
}

/** y = tanh(x · W1 + b1) · W2 + b2, W1: N×H, W2: H×K. */
export function tanhMlp(inputShape: number[], W1: number[][], b1: number[], W2: number[][], b2: number[]): TestModel {
  const H = b1.length;
  const K = b2.length;
  const w1 = tf.tensor2d(W1.flat(), [W1.length, H]);
  const c1 = tf.tensor1d(b1);
  const w2 = tf.tensor2d(W2.flat(), [H, K]);
  const c2 = tf.tensor1d(b2);
  return build(
    inputShape,
    K,
    [w1, c1, w2, c2],
    (x) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), c1)), w2), c2),
    (x) => mlpReference(x, W1, b1, W2, b2),
  );
}

function mlpReference(x: ArrayLike<number>, W1: number[][], b1: number[], W2: number[][], b2: number[]): number[] {
  const h = b1.map((c, j) => Math.tanh(W1.reduce((s, row, i) => s + row[j] * x[i], c)));
  return b2.map((c, k) => h.reduce((s, hj, j) => s + hj * W2[j][k], c));
}

/**
 * The same function as tanhMlp(W1, b1, W2, b2), built differently: the hidden layer is split in two blocks that
 * are computed separately, concatenated in reverse order (a permutation), and every hidden unit is duplicated
 * with half its output weight.
 */
export function splitPermutedTanhMlp(inputShape: number[], W1: number[][], b1: number[], W2: number[][], b2: number[]): TestModel {
  const H = b1.length;
  const K = b2.length;
  const cut = Math.floor(H / 2);
  const cols = (lo: number, hi: number) => W1.map((row) => row.slice(lo, hi));
  const blockA = tf.tensor2d(cols(0, cut).flat(), [W1.length, cut]);
  const biasA = tf.tensor1d(b1.slice(0, cut));
  const blockB = tf.tensor2d(cols(cut, H).flat(), [W1.length, H - cut]);
  const biasB = tf.tensor1d(b1.slice(cut));
  // Hidden order after concat([B, A]) and duplication: [B units, A units, B units, A units].
  const order = [...range(cut, H), ...range(0, cut)];
  const half = [...order, ...order].map((j) => W2[j].map((v) => v / 2));
  const w2 = tf.tensor2d(half.flat(), [2 * H, K]);
  const c2 = tf.tensor1d(b2);
  return build(
    inputShape,
    K,
    [blockA, biasA, blockB, biasB, w2, c2],
    (x) => {
      const hA = tf.tanh(tf.add(tf.matMul(x, blockA), biasA));
      const hB = tf.tanh(tf.add(tf.matMul(x, blockB), biasB));
      const h = tf.concat([hB, hA], 1);
      return tf.add(tf.matMul(tf.concat([h, h], 1), w2), c2);
    },
    (x) => mlpReference(x, W1, b1, W2, b2),
  );
}

export function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo }, (_, i) => lo + i);
}

/** Deterministic pseudo-random numbers in [-scale, scale) for weights and inputs (a small LCG; tests only). */
export function numbers(count: number, seed: number, scale = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 * scale - scale;
  });
}

export function matrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const v = numbers(rows * cols, seed, scale);
  return range(0, rows).map((r) => v.slice(r * cols, (r + 1) * cols));
}

/** A RunContext for tests: no progress UI, never cancelled. */
export function testContext(batchSize = 32): RunContext & { fractions: number[]; checkpoints: number } {
  const ctx = {
    batchSize,
    fractions: [] as number[],
    checkpoints: 0,
    progress(fraction: number) {
      ctx.fractions.push(fraction);
    },
    async checkpoint() {
      ctx.checkpoints++;
    },
  };
  return ctx;
}

/** A [1, ...shape] tensor from flat values. */
export function batchOf(values: number[], shape: number[]): tf.Tensor {
  return tf.tensor(values, [1, ...shape]);
}
