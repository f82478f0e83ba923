// MatMul (numpy semantics: 1D operands promoted, batch dimensions broadcast) and Gemm (transA, transB, alpha, beta).
// A constant weight matrix is kept both as W and Wᵀ: the wasm kernel caches packed weights only for untransposed
// operands, and transposing a large W on every call (Gemm's transB, or the backward pass) costs seconds.
import * as tf from '@tensorflow/tfjs';
import { broadcastShapes } from './hostArray';
import type { OpContext, OpDef, OpTable } from './types';

const float = (ctx: OpContext, i: number) => {
  const t = ctx.tensor(i);
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
};

export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const aVector = a.rank === 1;
  const bVector = b.rank === 1;
  const a2 = aVector ? tf.reshape(a, [1, -1]) : a;
  const b2 = bVector ? tf.reshape(b, [-1, 1]) : b;
  let y: tf.Tensor;
  if (b2.rank === 2 && a2.rank > 2) {
    // [..., M, K] · [K, N]: one 2D product over all rows.
    const shape = a2.shape as number[];
    const rows = tf.reshape(a2, [-1, shape[shape.length - 1]]);
    y = tf.reshape(tf.matMul(rows as tf.Tensor2D, b2 as tf.Tensor2D), [...shape.slice(0, -1), (b2.shape as number[])[1]]);
  } else if (a2.rank === 2 && b2.rank === 2) {
    y = tf.matMul(a2 as tf.Tensor2D, b2 as tf.Tensor2D);
  } else {
    // Batch dimensions broadcast explicitly (the wasm kernel mishandles operands of different batch ranks).
    const as = a2.shape as number[];
    const bs = b2.shape as number[];
    const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
    if (!batch) throw new Error(`MatMul operands [${as}] and [${bs}] do not broadcast`);
    const [m, k] = as.slice(-2);
    const n = bs[bs.length - 1];
    const fit = (t: tf.Tensor, shape: number[]) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape));
    const a3 = tf.reshape(fit(a2, [...batch, m, k]), [-1, m, k]) as tf.Tensor3D;
    const b3 = tf.reshape(fit(b2, [...batch, k, n]), [-1, k, n]) as tf.Tensor3D;
    y = tf.reshape(tf.matMul(a3, b3), [...batch, m, n]);
  }
  if (aVector) y = tf.squeeze(y, [y.rank - 2]);
  if (bVector) y = tf.squeeze(y, [y.rank - 1]);
  return y;
}

/** rows [M, K] · W [K, N] with W constant: forward with W, backward (w.r.t. rows) with the kept Wᵀ. */
function constantMatMul(rows: tf.Tensor2D, w: tf.Tensor2D, wt: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, w),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.matMul(dy as tf.Tensor2D, wt),
  }));
  return product(rows) as tf.Tensor2D;
}

/** W and Wᵀ of the constant input `i` (2D), optionally transposed first (Gemm's transB); kept for the model's life. */
function constantWeights(ctx: OpContext, i: number, transpose: boolean): [tf.Tensor2D, tf.Tensor2D] {
  // The uploaded constant itself is one of the two (kept already); only the other is a new tensor.
  const b = () => float(ctx, i) as tf.Tensor2D;
  const w = ctx.once(`w${i}`, () => (transpose ? tf.transpose(b()) : b()));
  const wt = ctx.once(`wt${i}`, () => (transpose ? b() : tf.transpose(b())));
  return [w, wt];
}

/** a [..., K] · W for a constant 2D W, as one 2D product over all rows. */
function timesConstant(ctx: OpContext, a: tf.Tensor, i: number, transpose = false): tf.Tensor {
  const [w, wt] = constantWeights(ctx, i, transpose);
  const shape = a.shape as number[];
  const rows = tf.reshape(a, [-1, shape[shape.length - 1]]) as tf.Tensor2D;
  return tf.reshape(constantMatMul(rows, w, wt), [...shape.slice(0, -1), (w.shape as number[])[1]]);
}

const gemm: OpDef = {
  run(ctx) {
    const a = float(ctx, 0);
    const b = float(ctx, 1);
    if (a.rank !== 2 || b.rank !== 2) return ctx.fail(`needs 2D operands, got [${a.shape}] and [${b.shape}]`);
    const alpha = ctx.attrs.float('alpha', 1);
    const beta = ctx.attrs.float('beta', 1);
    const transA = ctx.attrs.int('transA', 0) === 1;
    const transB = ctx.attrs.int('transB', 0) === 1;
    let y: tf.Tensor =
      ctx.isConstant(1) && !ctx.isConstant(0)
        ? timesConstant(ctx, transA ? tf.transpose(a) : a, 1, transB)
        : tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transA, transB);
    if (alpha !== 1) y = tf.mul(y, alpha);
    if (ctx.has(2) && beta !== 0) {
      const c = float(ctx, 2);
      y = tf.add(y, beta === 1 ? c : tf.mul(c, beta));
    }
    return [y];
  },
};

export const matmulOps: OpTable = {
  MatMul: {
    run(ctx) {
      const a = float(ctx, 0);
      const constantWeight = ctx.isConstant(1) && !ctx.isConstant(0) && ctx.shape(1).length === 2 && a.rank >= 2;
      return [constantWeight ? timesConstant(ctx, a, 1) : matMul(a, float(ctx, 1))];
    },
  },
  Gemm: gemm,
};
