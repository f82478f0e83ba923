// Element-wise math on one input: on the host for constants and shape arithmetic, else on tfjs.
import * as tf from '@tensorflow/tfjs';
import { mapHost } from './hostArray';
import type { OpDef, OpTable } from './types';

function unary(tfOp: (x: tf.Tensor) => tf.Tensor, hostOp?: (v: number) => number): OpDef {
  return {
    run(ctx) {
      if (hostOp && ctx.isHost(0)) return [mapHost([ctx.host(0)], ctx.dtype(0), hostOp)];
      const x = ctx.tensor(0);
      return [tfOp(x.dtype === 'float32' || tfOp === tf.neg || tfOp === tf.abs ? x : tf.cast(x, 'float32'))];
    },
  };
}

/** Round half to even, as ONNX Round. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const unaryOps: OpTable = {
  Sqrt: unary(tf.sqrt, Math.sqrt),
  Exp: unary(tf.exp, Math.exp),
  Log: unary(tf.log, Math.log),
  Neg: unary(tf.neg, (v) => -v),
  Abs: unary(tf.abs, Math.abs),
  Reciprocal: unary(tf.reciprocal, (v) => 1 / v),
  Floor: unary(tf.floor, Math.floor),
  Ceil: unary(tf.ceil, Math.ceil),
  Round: unary(tf.round, roundHalfEven),
  Sign: unary(tf.sign, Math.sign),
  Sin: unary(tf.sin, Math.sin),
  Cos: unary(tf.cos, Math.cos),
  Erf: unary(tf.erf),
};
