// ∂F_target/∂x for a batch. The target score is picked by multiplying the output with a one-hot row and summing,
// not with tf.gather: gather's gradient needs a kernel (UnsortedSegmentSum) the wasm backend lacks.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../models/types';

function oneHotRow(outputSize: number, target: number): tf.Tensor2D {
  const row = new Float32Array(outputSize);
  row[target] = 1;
  return tf.tensor2d(row, [1, outputSize]);
}

/** Σ over the batch of F_target(row): the rows are independent, so its gradient is each row's own gradient. */
function summedTargetScore(model: ExplainableModel, xs: tf.Tensor, mask: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.mul(model.predict(xs), mask));
}

/** Gradient of the target score for each row of xs [B, ...inputShape]; same shape. The caller disposes it. */
export function targetGradient(model: ExplainableModel, xs: tf.Tensor, target: number): tf.Tensor {
  return tf.tidy(() => {
    const mask = oneHotRow(model.outputSize, target);
    return tf.grad((x: tf.Tensor) => summedTargetScore(model, x, mask))(xs);
  });
}

/** The target score of each row of xs [B, ...inputShape], as [B]. The caller disposes it. */
export function targetScores(model: ExplainableModel, xs: tf.Tensor, target: number): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(model.predict(xs), oneHotRow(model.outputSize, target)), 1) as tf.Tensor1D);
}
