// Target scores of many perturbed inputs, ctx.batchSize per forward pass, through the model's fast forward-only path
// (model.predictFast, e.g. onnxruntime) when it has one, else predict. Rows are built on the CPU by `fill`, and each
// batch's scores go to `consume` with the rows still at hand (methods that weight masks by scores need both).
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../models/types';
import type { FillRow } from '../batches';
import { sizeOf } from '../shape';
import type { RunContext } from '../types';

export type ConsumeScores = (start: number, count: number, scores: Float64Array) => void;

export async function forwardInBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  consume: ConsumeScores,
): Promise<void> {
  const size = sizeOf(model.inputShape);
  const K = model.outputSize;
  const batchSize = Math.max(1, Math.floor(ctx.batchSize));
  for (let start = 0; start < total; start += batchSize) {
    await ctx.checkpoint();
    const count = Math.min(batchSize, total - start);
    const rows = new Float32Array(count * size);
    for (let r = 0; r < count; r++) fill(start + r, rows.subarray(r * size, (r + 1) * size));
    const xs = tf.tensor(rows, [count, ...model.inputShape], 'float32');
    let out: tf.Tensor | undefined;
    try {
      out = model.predictFast ? await model.predictFast(xs) : tf.tidy(() => model.predict(xs));
      const all = await out.data();
      const scores = new Float64Array(count);
      for (let r = 0; r < count; r++) scores[r] = all[r * K + target];
      consume(start, count, scores);
    } finally {
      xs.dispose();
      out?.dispose();
    }
    ctx.progress((start + count) / total);
  }
}

/** F_target of the `total` inputs that `fill` writes, in order. */
export async function forwardScores(model: ExplainableModel, target: number, total: number, ctx: RunContext, fill: FillRow): Promise<Float64Array> {
  const scores = new Float64Array(total);
  await forwardInBatches(model, target, total, ctx, fill, (start, count, s) => scores.set(s, start));
  return scores;
}
