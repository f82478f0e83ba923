// Target scores at many perturbed inputs, ctx.batchSize per forward pass (no gradients: perturbation methods).
// With `fast`, a model's forward-only path (ONNX Runtime for ONNX models) is used when it has one.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../models/types';
import { inBatches, type FillRow } from '../batches';
import type { RunContext } from '../types';
import { targetScores } from '../gradient/targetGradient';

export type ForwardPath = 'onnxruntime' | 'tfjs';

/** The forward pass scoresInBatches takes for this model when asked for the fast one (reported in checks). */
export function fastForwardPath(model: ExplainableModel): ForwardPath {
  return model.predictFast ? 'onnxruntime' : 'tfjs';
}

async function fastTargetScores(model: ExplainableModel, xs: tf.Tensor, target: number): Promise<tf.Tensor> {
  const scores = await model.predictFast!(xs);
  try {
    return tf.tidy(() => tf.squeeze(tf.slice(scores, [0, target], [-1, 1]), [1]));
  } finally {
    scores.dispose();
  }
}

/** F_target of the `total` inputs that `fill` writes, in index order, as float64. */
export async function scoresInBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  options: { fast?: boolean } = {},
): Promise<Float64Array> {
  const scores = new Float64Array(total);
  const evaluate =
    options.fast && model.predictFast ? (xs: tf.Tensor) => fastTargetScores(model, xs, target) : (xs: tf.Tensor) => targetScores(model, xs, target);
  await inBatches(model, total, ctx, fill, evaluate, (start, count, values) => {
    for (let r = 0; r < count; r++) scores[start + r] = values[r];
  });
  return scores;
}
