// Broadcasting binary and variadic ops (Add, Sub, Mul, Div, Pow, Mod, Min, Max, Sum, Mean), comparisons, logic and
// Where. Each runs on the host when all its inputs are host tensors (shape arithmetic), else on tfjs.
import * as tf from '@tensorflow/tfjs';
import type { OnnxDType } from '../dtypes';
import { broadcastShapes, mapHost } from './hostArray';
import type { OpContext, OpDef, OpTable, Value } from './types';

type TfBinary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type HostBinary = (a: number, b: number) => number;

/** Present inputs as tfjs tensors of one numeric dtype (the first's), so mixed int/float inputs combine. */
function tensorsAlike(ctx: OpContext, indices: number[]): tf.Tensor[] {
  const ts = indices.map((i) => ctx.tensor(i));
  const dtype = ts.some((t) => t.dtype === 'float32') ? 'float32' : ts[0].dtype;
  return ts.map((t) => (t.dtype === dtype ? t : tf.cast(t, dtype)));
}

const present = (ctx: OpContext) => Array.from({ length: ctx.count }, (_, i) => i).filter((i) => ctx.has(i));

function binary(tfOp: TfBinary, hostOp: HostBinary, result: 'same' | 'bool' = 'same'): OpDef {
  return {
    run(ctx) {
      if (ctx.allHost()) {
        const dtype: OnnxDType = result === 'bool' ? 'bool' : ctx.dtype(0);
        return [mapHost([ctx.host(0), ctx.host(1)], dtype, hostOp)];
      }
      const [a, b] = result === 'bool' && ctx.dtype(0) === 'bool' ? [ctx.tensor(0), ctx.tensor(1)] : tensorsAlike(ctx, [0, 1]);
      return [tfOp(a, b)];
    },
  };
}

/** Min, Max, Sum: a fold over any number of inputs. */
function variadic(tfOp: TfBinary, hostOp: HostBinary, finish?: { tf: (t: tf.Tensor, n: number) => tf.Tensor; host: (v: number, n: number) => number }): OpDef {
  return {
    run(ctx) {
      const inputs = present(ctx);
      if (ctx.allHost()) {
        const dtype = ctx.dtype(inputs[0]);
        const hs = inputs.map((i) => ctx.host(i));
        return [mapHost(hs, dtype, (...v) => (finish ? finish.host(v.reduce(hostOp), v.length) : v.reduce(hostOp)))];
      }
      const ts = tensorsAlike(ctx, inputs);
      const folded = ts.slice(1).reduce((acc, t) => tfOp(acc, t), ts[0]);
      return [finish ? finish.tf(folded, ts.length) : ts.length === 1 ? tf.clone(folded) : folded];
    },
  };
}

/** Integer division truncates toward zero in ONNX; tfjs floors for int32, so integers divide as floats. */
const divide: TfBinary = (a, b) => (a.dtype === 'int32' ? tf.cast(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32')), 'int32') : tf.div(a, b));

const mod: OpDef = {
  run(ctx) {
    const fmod = ctx.attrs.int('fmod', 0) === 1;
    // fmod: sign of the dividend (C fmod); otherwise the sign of the divisor (Python %).
    const host = (a: number, b: number) => (fmod ? a % b : ((a % b) + b) % b);
    if (ctx.allHost()) return [mapHost([ctx.host(0), ctx.host(1)], ctx.dtype(0), host)];
    const [a, b] = tensorsAlike(ctx, [0, 1]);
    if (!fmod) return [tf.mod(a, b)];
    const af = tf.cast(a, 'float32');
    const bf = tf.cast(b, 'float32');
    const q = tf.cast(tf.cast(tf.div(af, bf), 'int32'), 'float32');
    return [tf.cast(tf.sub(af, tf.mul(bf, q)), a.dtype)];
  },
};

const where: OpDef = {
  run(ctx) {
    if (ctx.allHost()) {
      const x = ctx.host(1);
      return [mapHost([ctx.host(0), x, ctx.host(2)], x.dtype, (c, a, b) => (c ? a : b))];
    }
    const cond = ctx.tensor(0);
    const [a, b] = tensorsAlike(ctx, [1, 2]);
    const shape = broadcastShapes(cond.shape, a.shape, b.shape);
    if (!shape) return ctx.fail(`shapes [${cond.shape}], [${a.shape}] and [${b.shape}] do not broadcast`);
    const c = cond.dtype === 'bool' ? cond : tf.cast(cond, 'bool');
    const fit = (t: tf.Tensor) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape));
    return [tf.where(fit(c), fit(a), fit(b))];
  },
};

const not: OpDef = {
  run(ctx): Value[] {
    if (ctx.allHost()) return [mapHost([ctx.host(0)], 'bool', (v) => (v ? 0 : 1))];
    return [tf.logicalNot(tf.cast(ctx.tensor(0), 'bool'))];
  },
};

const logical = (tfOp: TfBinary, hostOp: HostBinary): OpDef => ({
  run(ctx) {
    if (ctx.allHost()) return [mapHost([ctx.host(0), ctx.host(1)], 'bool', hostOp)];
    return [tfOp(tf.cast(ctx.tensor(0), 'bool'), tf.cast(ctx.tensor(1), 'bool'))];
  },
});

export const arithmeticOps: OpTable = {
  Add: binary(tf.add, (a, b) => a + b),
  Sub: binary(tf.sub, (a, b) => a - b),
  Mul: binary(tf.mul, (a, b) => a * b),
  // Host integer results are truncated toward zero by mapHost, as ONNX integer division does.
  Div: binary(divide, (a, b) => a / b),
  Pow: binary((a, b) => tf.pow(a, b), (a, b) => Math.pow(a, b)),
  Mod: mod,
  Min: variadic(tf.minimum, Math.min),
  Max: variadic(tf.maximum, Math.max),
  Sum: variadic(tf.add, (a, b) => a + b),
  Mean: variadic(tf.add, (a, b) => a + b, { tf: (t, n) => tf.div(t, n), host: (v, n) => v / n }),
  Equal: binary(tf.equal, (a, b) => (a === b ? 1 : 0), 'bool'),
  Less: binary(tf.less, (a, b) => (a < b ? 1 : 0), 'bool'),
  Greater: binary(tf.greater, (a, b) => (a > b ? 1 : 0), 'bool'),
  LessOrEqual: binary(tf.lessEqual, (a, b) => (a <= b ? 1 : 0), 'bool'),
  GreaterOrEqual: binary(tf.greaterEqual, (a, b) => (a >= b ? 1 : 0), 'bool'),
  And: logical(tf.logicalAnd, (a, b) => (a && b ? 1 : 0)),
  Or: logical(tf.logicalOr, (a, b) => (a || b ? 1 : 0)),
  Xor: logical(tf.logicalXor, (a, b) => (!a !== !b ? 1 : 0)),
  Not: not,
  Where: where,
};
