// The loop every method shares: evaluate `total` inputs, built row by row on the CPU, ctx.batchSize at a time,
// awaiting ctx.checkpoint() before each batch (cancellation) and reporting progress after it.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../models/types';
import { sizeOf } from './shape';
import type { RunContext } from './types';

/** Writes input number `index` into `row` (length = input size). */
export type FillRow = (index: number, row: Float32Array) => void;

/**
 * Runs `evaluate` on batches of rows and hands each batch's values (read asynchronously) to `consume`
 * with the row data. Tensors are disposed before the next checkpoint, so a cancel leaks nothing.
 */
export async function inBatches(
  model: ExplainableModel,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  evaluate: (xs: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>,
  consume: (start: number, count: number, values: Float32Array, rows: Float32Array) => void,
): Promise<void> {
  const size = sizeOf(model.inputShape);
  const batchSize = Math.max(1, Math.floor(ctx.batchSize));
  for (let start = 0; start < total; start += batchSize) {
    await ctx.checkpoint();
    const count = Math.min(batchSize, total - start);
    const rows = new Float32Array(count * size);
    for (let r = 0; r < count; r++) fill(start + r, rows.subarray(r * size, (r + 1) * size));
    const xs = tf.tensor(rows, [count, ...model.inputShape], 'float32');
    let out: tf.Tensor | undefined;
    try {
      out = await evaluate(xs);
      const values = (await out.data()) as Float32Array;
      consume(start, count, values, rows);
    } finally {
      xs.dispose();
      out?.dispose();
    }
    ctx.progress((start + count) / total);
  }
}

/** A RunContext whose progress maps [0, 1] onto [from, to] of the parent's, for methods that run another one. */
export function subContext(ctx: RunContext, from: number, to: number): RunContext {
  return {
    batchSize: ctx.batchSize,
    checkpoint: () => ctx.checkpoint(),
    progress: (fraction, message) => ctx.progress(from + (to - from) * fraction, message),
  };
}
