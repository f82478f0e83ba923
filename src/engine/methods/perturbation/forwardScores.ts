// Target scores of many perturbed inputs, ctx.batchSize per forward pass, through the model's fast forward-only path
// (model.predictFast, e.g. onnxruntime) when it has one, else predict. Rows are built on the CPU by `fill`, and each
// batch's scores go to `consume` with the rows still at hand (methods that weight masks by scores need both).
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../models/types';
import { inBatches, type FillRow } from '../batches';
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
  const K = model.outputSize;
  await inBatches(
    model,
    total,
    ctx,
    fill,
    (xs) => (model.predictFast ? model.predictFast(xs) : tf.tidy(() => model.predict(xs))),
    (start, count, all) => {
      const scores = new Float64Array(count);
      for (let r = 0; r < count; r++) scores[r] = all[r * K + target];
      consume(start, count, scores);
    },
  );
}

/** F_target of the `total` inputs that `fill` writes, in order. */
export async function forwardScores(model: ExplainableModel, target: number, total: number, ctx: RunContext, fill: FillRow): Promise<Float64Array> {
  const scores = new Float64Array(total);
  await forwardInBatches(model, target, total, ctx, fill, (start, count, s) => scores.set(s, start));
  return scores;
}
