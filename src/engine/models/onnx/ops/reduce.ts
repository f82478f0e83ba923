// Reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2,
// ReduceLogSumExp) and ArgMax/ArgMin. Axes are an attribute until opset 13 (ReduceSum) or 18 (the others), then an
// optional input; no axes reduces everything unless noop_with_empty_axes.
import * as tf from '@tensorflow/tfjs';
import { hostTensor, isHost } from '../hostTensor';
import { normalizeAxis, reduceHost } from './hostArray';
import { axesOf } from './shape';
import type { OpContext, OpDef, OpTable } from './types';

interface HostReduce {
  init: number;
  f: (acc: number, v: number) => number;
  finish?: (acc: number, count: number) => number;
}

function reduce(axesInputSince: number, tfOp: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor, host?: HostReduce): OpDef {
  return {
    run(ctx) {
      const rank = ctx.shape(0).length;
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      const given = axesOf(ctx, axesInputSince);
      if ((!given || given.length === 0) && ctx.attrs.int('noop_with_empty_axes', 0) === 1) {
        const v = ctx.value(0);
        return [isHost(v) ? v : tf.clone(v)];
      }
      const axes = given && given.length ? [...new Set(given.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b) : Array.from({ length: rank }, (_, i) => i);
      if (host && ctx.isHost(0)) return [reduceHost(ctx.host(0), axes, keep, host.init, host.f, host.finish)];
      const x = ctx.tensor(0);
      return [tfOp(x.dtype === 'bool' ? tf.cast(x, 'float32') : x, axes, keep)];
    },
  };
}

const sum: HostReduce = { init: 0, f: (a, v) => a + v };

function argExtreme(tfOp: typeof tf.argMax, better: (a: number, b: number) => boolean): OpDef {
  return {
    check: (node) => (node.attributes.get('select_last_index')?.i ? 'select_last_index is not supported' : undefined),
    run(ctx: OpContext) {
      const shape = ctx.shape(0);
      const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length);
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      const outShape = keep ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
      if (ctx.isHost(0)) {
        const h = ctx.host(0);
        const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
        const out: number[] = [];
        for (let o = 0; o < outer; o++) {
          for (let k = 0; k < inner; k++) {
            let best = 0;
            for (let j = 1; j < shape[axis]; j++) if (better(h.data[(o * shape[axis] + j) * inner + k], h.data[(o * shape[axis] + best) * inner + k])) best = j;
            out.push(best);
          }
        }
        return [hostTensor('int64', outShape, out)];
      }
      return [tf.reshape(tfOp(ctx.tensor(0), axis), outShape)];
    },
  };
}

export const reduceOps: OpTable = {
  ReduceSum: reduce(13, (x, a, k) => tf.sum(x, a, k), sum),
  ReduceMean: reduce(18, (x, a, k) => tf.mean(x, a, k), { ...sum, finish: (acc, n) => acc / n }),
  ReduceMax: reduce(18, (x, a, k) => tf.max(x, a, k), { init: -Infinity, f: Math.max }),
  ReduceMin: reduce(18, (x, a, k) => tf.min(x, a, k), { init: Infinity, f: Math.min }),
  ReduceProd: reduce(18, (x, a, k) => tf.prod(x, a, k), { init: 1, f: (acc, v) => acc * v }),
  ReduceSumSquare: reduce(18, (x, a, k) => tf.sum(tf.square(x), a, k), { init: 0, f: (acc, v) => acc + v * v }),
  ReduceL1: reduce(18, (x, a, k) => tf.sum(tf.abs(x), a, k), { init: 0, f: (acc, v) => acc + Math.abs(v) }),
  ReduceL2: reduce(18, (x, a, k) => tf.sqrt(tf.sum(tf.square(x), a, k))),
  ReduceLogSumExp: reduce(18, (x, a, k) => tf.logSumExp(x, a, k)),
  ArgMax: argExtreme(tf.argMax, (a, b) => a > b),
  ArgMin: argExtreme(tf.argMin, (a, b) => a < b),
};
