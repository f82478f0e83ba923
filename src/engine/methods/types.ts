import type * as tf from '@tensorflow/tfjs';
import type { MethodId, MethodKind, MethodOptions, TensorData } from '../../shared/types';
import type { ExplainableModel } from '../models/types';

export interface RunContext {
  /** fraction in [0, 1]. */
  progress(fraction: number, message?: string): void;
  /**
   * Yields to the event loop (so a cancel message can arrive) and throws CancelledError once the request
   * was cancelled. Methods await it between batches.
   */
  checkpoint(): Promise<void>;
  /** Largest number of inputs to evaluate in one forward/backward pass. */
  batchSize: number;
  /**
   * Bytes of tensor memory one batch may take. Batches are sized from it (see batches.ts): the first batch, of one
   * input, is measured, and the rest hold as many inputs as fit, at most batchSize. Absent: batchSize alone.
   */
  memoryBudgetBytes?: number;
  /**
   * Largest batch on a native fast path (ONNX Runtime), whose fixed cost per call favours few large batches: the
   * user's batch size when set, else larger than batchSize. The memory budget still bounds it. Absent: batchSize.
   */
  nativeBatchSize?: number;
}

/** Everything a method needs besides the model, resolved by explain(): tensors carry a leading batch of 1. */
export interface PreparedInput {
  /** [1, ...inputShape] */
  x: tf.Tensor;
  /** [1, ...inputShape]; the resolved reference input. */
  baseline: tf.Tensor;
  /** [M, ...inputShape]; reference inputs to draw from (gradient-shap), e.g. other dataset rows. */
  baselineSet?: tf.Tensor;
}

export interface AttributionResult {
  /** Same shape as the input, without the batch dimension. The caller disposes it. */
  attributions: tf.Tensor;
  checks: Record<string, number | string | boolean>;
  /** Extra maps worth showing besides the attributions (Grad-CAM's low-resolution map, a perturbation mask). */
  maps?: Record<string, TensorData>;
}

export interface AttributionMethod {
  id: MethodId;
  kind: MethodKind;
  /** Fills in defaults and rejects bad options with an EngineError('OPTION_INVALID') before anything runs. */
  resolveOptions(options: MethodOptions, model: ExplainableModel): MethodOptions;
  attribute(
    model: ExplainableModel,
    input: PreparedInput,
    target: number,
    options: MethodOptions,
    ctx: RunContext,
  ): Promise<AttributionResult>;
}
