// Activations: Relu, LeakyRelu, PRelu, Elu, Selu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softplus, Softsign, Gelu,
// Clip, Softmax and LogSoftmax (with the pre-13 "coerce to 2D" semantics).
import * as tf from '@tensorflow/tfjs';
import { normalizeAxis } from './hostArray';
import type { OpContext, OpDef, OpTable } from './types';

const float = (ctx: OpContext, i: number) => {
  const t = ctx.tensor(i);
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
};

function simple(f: (x: tf.Tensor, ctx: OpContext) => tf.Tensor): OpDef {
  return { run: (ctx) => [f(float(ctx, 0), ctx)] };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function gelu(x: tf.Tensor, approximate: string): tf.Tensor {
  if (approximate === 'tanh') {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  }
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

const clip: OpDef = {
  run(ctx) {
    const x = ctx.tensor(0);
    let lo: number | tf.Tensor = -Infinity;
    let hi: number | tf.Tensor = Infinity;
    if (ctx.opset < 11) {
      lo = ctx.attrs.float('min', -Infinity);
      hi = ctx.attrs.float('max', Infinity);
    } else {
      // min and max are optional inputs; constants become numbers so clipByValue's gradient applies.
      const bound = (i: number, fallback: number) => (!ctx.has(i) ? fallback : ctx.isHost(i) ? ctx.numbers(i)[0] : ctx.tensor(i));
      lo = bound(1, -Infinity);
      hi = bound(2, Infinity);
    }
    if (typeof lo === 'number' && typeof hi === 'number') {
      if (x.dtype !== 'float32') return [tf.minimum(tf.maximum(x, Math.max(lo, -(2 ** 31))), Math.min(hi, 2 ** 31 - 1))];
      return [tf.clipByValue(x, lo, hi)];
    }
    return [tf.minimum(tf.maximum(x, lo), hi)];
  },
};

/** Softmax-like ops: along one axis (opset ≥ 13), or over the flattened trailing dims from `axis` (before 13). */
function softmaxLike(f: (x: tf.Tensor) => tf.Tensor): OpDef {
  return {
    run(ctx) {
      const x = float(ctx, 0);
      const rank = x.rank;
      if (ctx.opset < 13) {
        const axis = normalizeAxis(ctx.attrs.int('axis', 1), rank);
        const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
        return [tf.reshape(f(tf.reshape(x, [outer, -1])), x.shape)];
      }
      const axis = normalizeAxis(ctx.attrs.int('axis', -1), rank);
      if (axis === rank - 1) return [f(x)];
      const perm = Array.from({ length: rank }, (_, i) => i);
      perm[axis] = rank - 1;
      perm[rank - 1] = axis;
      return [tf.transpose(f(tf.transpose(x, perm)), perm)];
    },
  };
}

export const activationOps: OpTable = {
  Relu: simple((x) => tf.relu(x)),
  LeakyRelu: simple((x, ctx) => tf.leakyRelu(x, ctx.attrs.float('alpha', 0.01))),
  PRelu: {
    run(ctx) {
      const x = float(ctx, 0);
      const slope = float(ctx, 1);
      return [tf.sub(tf.relu(x), tf.mul(slope, tf.relu(tf.neg(x))))];
    },
  },
  Elu: simple((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1)));
  }),
  Selu: simple((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 1.67326319217681884765625);
    const gamma = ctx.attrs.float('gamma', 1.05070102214813232421875);
    return tf.mul(gamma, tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1))));
  }),
  Sigmoid: simple((x) => tf.sigmoid(x)),
  HardSigmoid: simple((x, ctx) =>
    tf.clipByValue(tf.add(tf.mul(ctx.attrs.float('alpha', 0.2), x), ctx.attrs.float('beta', 0.5)), 0, 1),
  ),
  HardSwish: simple((x) => tf.mul(x, tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1))),
  Tanh: simple((x) => tf.tanh(x)),
  Softplus: simple((x) => tf.softplus(x)),
  Softsign: simple((x) => tf.div(x, tf.add(1, tf.abs(x)))),
  Gelu: {
    check(node) {
      const a = node.attributes.get('approximate')?.s ?? 'none';
      return a === 'none' || a === 'tanh' ? undefined : `unknown approximate '${a}'`;
    },
    run: (ctx) => [gelu(float(ctx, 0), ctx.attrs.string('approximate', 'none'))],
  },
  Clip: clip,
  Softmax: softmaxLike((x) => tf.softmax(x)),
  LogSoftmax: softmaxLike((x) => tf.logSoftmax(x)),
};
