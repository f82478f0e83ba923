// Forward parity of the imported graph with ONNX Runtime: the largest output difference relative to the largest
// reference output (floored at 1e-2, so near-zero outputs are compared absolutely).
import * as tf from '@tensorflow/tfjs';
import { onnxError } from './errors';
import type { ExplainableModel } from '../types';

/** Outputs that differ by more than this (relative) make the loader warn. */
export const PARITY_TOLERANCE = 1e-4;

export function relativeError(ours: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (ours.length !== reference.length) return Infinity;
  let scale = 1e-2;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]));
    const d = Math.abs(ours[i] - reference[i]);
    // NaN in either counts as the worst possible difference.
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst / scale;
}

/**
 * Runs x [B, ...inputShape] through the imported graph and through ONNX Runtime; returns the max relative error.
 * Uses `run` (which also takes integer inputs such as token ids) when the model has it.
 */
export async function verifyAgainstOnnxRuntime(model: ExplainableModel, x: tf.Tensor): Promise<number> {
  if (!model.predictFast) throw onnxError('UNSUPPORTED', 'the model has no ONNX Runtime path to verify against', model.summary.path);
  const reference = await model.predictFast(x);
  try {
    const ours = tf.tidy(() => (model.run ? model.run(x, {}).output : model.predict(x)));
    try {
      return relativeError(await ours.data(), await reference.data());
    } finally {
      ours.dispose();
    }
  } finally {
    reference.dispose();
  }
}
