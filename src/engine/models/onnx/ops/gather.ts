// Gather along an axis (negative indices count from the end). On tfjs its gradient w.r.t. the data is a scatter-add
// (UnsortedSegmentSum, registered for wasm by the backend); embeddings gather from constants with int indices.
import * as tf from '@tensorflow/tfjs';
import { gatherHost, normalizeAxis } from './hostArray';
import type { OpDef, OpTable } from './types';

const gather: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length);
    const dim = shape[axis];
    if (ctx.allHost()) {
      try {
        return [gatherHost(ctx.host(0), ctx.host(1), axis)];
      } catch (e) {
        return ctx.fail((e as Error).message);
      }
    }
    let indices: tf.Tensor;
    if (ctx.isHost(1)) {
      const h = ctx.host(1);
      const values = Int32Array.from(h.data, (v) => (v < 0 ? v + dim : v));
      const bad = values.findIndex((v) => v < 0 || v >= dim);
      if (bad >= 0) return ctx.fail(`index ${h.data[bad]} is out of range for a dimension of size ${dim}`);
      indices = tf.tensor(values, h.shape, 'int32');
    } else {
      const t = ctx.tensor(1);
      const ints = t.dtype === 'int32' ? t : tf.cast(t, 'int32');
      indices = tf.where(tf.less(ints, tf.scalar(0, 'int32')), tf.add(ints, tf.scalar(dim, 'int32')), ints);
    }
    return [tf.gather(ctx.tensor(0), indices, axis)];
  },
};

export const gatherOps: OpTable = { Gather: gather };
