import type * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../shared/types';
import type { TextInputNames } from '../modalities/text/textManifest';

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
  /**
   * A text model with several inputs: which model input holds each role. Its input is then packed [R, L], rows in
   * the order ids, mask, typeIds, positions (those present; see modalities/text/modelInput.ts).
   */
  readonly textInputs?: TextInputNames;
  /** The intermediate that looks token ids up (word embeddings), when the loader can tell: layer methods' default. */
  readonly embeddingLayer?: string;
  /**
   * Intermediate tensors that layer methods (Grad-CAM, layer IG, LRP, attention) can read, in topological order.
   * Shapes exclude the batch dimension. Absent when the model cannot expose them.
   */
  readonly intermediates?: IntermediateInfo[];
  /**
   * Forward pass that also returns named intermediates (`capture`) and can substitute them (`replace`), so that the
   * output is differentiable w.r.t. a replaced intermediate: grad(a => run(x, {replace: {L: a}}).output)(A).
   */
  run?(x: tf.Tensor, options: RunOptions): { output: tf.Tensor2D; captured: Record<string, tf.Tensor> };
  /**
   * A fast forward-only path (e.g. onnxruntime) for perturbation methods and batch prediction. Same contract as
   * predict but not differentiable. Methods use it when present.
   */
  predictFast?(x: tf.Tensor): Promise<tf.Tensor2D>;
  /**
   * A fast path for input gradients (e.g. a backward graph run by onnxruntime): ∂F_target/∂x for each row of xs
   * [B, ...inputShape], same shape; undefined when the model cannot (the caller then differentiates predict).
   */
  gradientsFast?(xs: tf.Tensor, target: number): Promise<tf.Tensor | undefined>;
  /**
   * gradientsFast on flat rows ([rows × input size] values), without tfjs tensors: native paths take and return
   * plain arrays, so a batch is not copied through the wasm heap four times. Undefined result: not available.
   */
  gradientsFastRaw?(values: Float32Array, rows: number, target: number): Promise<Float32Array | undefined>;
  /** What computes gradientsFast, for the explanation's checks (default 'onnxruntime'). */
  readonly fastGradientPath?: string;
  /**
   * Builds the model's native fast paths ahead of a gradient loop (TF.js models translated to ONNX); resolves to
   * whether gradientsFast and predictFast run on them. Absent when the model has nothing to prepare.
   */
  prepareFastPaths?(): Promise<boolean>;
  /** Why the native fast path is not in use, once prepareFastPaths has decided (e.g. a layer without translation). */
  readonly fastPathNote?: string;
  dispose(): void;
}

export interface IntermediateInfo {
  name: string;
  /** Layer class or op type. */
  type: string;
  /** Without the batch dimension; null where unknown. */
  shape: (number | null)[];
}

export interface RunOptions {
  capture?: string[];
  replace?: Record<string, tf.Tensor>;
}
