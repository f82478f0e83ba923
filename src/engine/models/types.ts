import type * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../shared/types';

/**
 * What every loader returns. `predict` is differentiable (tfjs ops only) so gradient methods can use it;
 * it takes a batch [B, ...inputShape] and returns scores [B, K].
 */
export interface ExplainableModel {
  readonly summary: ModelSummary;
  /** Input shape without the batch dimension, fully known. */
  readonly inputShape: number[];
  /** Number of output scores per example. */
  readonly outputSize: number;
  /** Class labels, when the model or its manifest names them. */
  readonly labels?: string[];
  /** Names of the input features (tabular models), from the manifest; they select CSV columns. */
  readonly featureNames?: string[];
  predict(x: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}
