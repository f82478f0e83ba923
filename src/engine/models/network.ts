import type * as tf from '@tensorflow/tfjs';
import type { LayerInfo, ModelFormat } from '../../shared/types';
import type { IntermediateInfo, RunOptions } from './types';

/** A model input or output as tfjs describes it; `shape` is undefined when the model does not declare it. */
export interface NetworkTensor {
  name: string;
  shape?: (number | null)[];
  /** Undefined when the model does not declare it (graph outputs). */
  dtype?: string;
}

/** What the layers and graph loaders hand to the ExplainableModel builder: one tfjs model, format-neutral. */
export interface TfjsNetwork {
  format: ModelFormat;
  inputs: NetworkTensor[];
  outputs: NetworkTensor[];
  layers: LayerInfo[];
  parameterCount: number;
  /** Differentiable forward pass of the single input to the single output (tfjs ops only). */
  forward(x: tf.Tensor): tf.Tensor;
  /** Named intermediate outputs (layers, graph nodes) that `run` can capture or replace; absent when unsupported. */
  readonly intermediates?: IntermediateInfo[];
  /** For networks that do not declare their intermediates' shapes (graph models): measured by one run on `probe`. */
  measureIntermediates?(probe: tf.Tensor): IntermediateInfo[];
  /** forward() that also captures and replaces named intermediates (see ExplainableModel.run). */
  run?(x: tf.Tensor, options: RunOptions): { output: tf.Tensor; captured: Record<string, tf.Tensor> };
  /** The layers model itself (layers format only): translated to ONNX for the fast paths (models/tfjsOnnx/). */
  readonly layersModel?: tf.LayersModel;
  dispose(): void;
}
