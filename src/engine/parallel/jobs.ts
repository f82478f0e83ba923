// What a worker computes for a batch of rows, on the main thread and in workers alike, so both give the same numbers:
// the target score's input gradient per row, or the model's output scores.
import * as tf from '@tensorflow/tfjs';
import { withoutWeightGradientsSync } from '../backend/weightGradients';
import type { ExplainableModel } from '../models/types';

export type JobKind = 'gradients' | 'forward';

/** ∂F_target/∂x for each row of xs; the caller disposes the result. */
export function inputGradients(model: ExplainableModel, xs: tf.Tensor, target: number): tf.Tensor {
  return tf.tidy(() => {
    // A one-hot product rather than gather: gather's gradient needs a kernel wasm lacks.
    const mask = tf.oneHot([target], model.outputSize).reshape([1, model.outputSize]);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(model.predict(x), mask)));
    return withoutWeightGradientsSync(model.summary.format === 'tfjs-layers', () => grad(xs));
  });
}

export function runJob(model: ExplainableModel, kind: JobKind, xs: tf.Tensor, target: number): tf.Tensor {
  return kind === 'gradients' ? inputGradients(model, xs, target) : tf.tidy(() => model.predict(xs));
}
