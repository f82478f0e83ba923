// Plain data shared by the engine, the extension, the CLI and the webviews.
// Nothing here may import tfjs or vscode: these objects cross process and webview boundaries.

export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export type MethodId =
  | 'saliency'
  | 'input-x-gradient'
  | 'integrated-gradients'
  | 'smoothgrad'
  | 'smoothgrad-sq'
  | 'vargrad'
  | 'gradient-shap'
  | 'occlusion'
  | 'feature-ablation'
  // Image and layer methods (Images issue)
  | 'grad-cam'
  | 'guided-grad-cam'
  | 'guided-backprop'
  | 'deconvnet'
  | 'rise'
  | 'sobol'
  | 'lime'
  | 'kernel-shap'
  | 'extremal-perturbation'
  // Layer attributions (Text issue: token attributions at the embedding output)
  | 'layer-integrated-gradients'
  | 'layer-gradient-x-activation';

export type MethodKind = 'gradient' | 'perturbation' | 'relevance' | 'attention';

export type IgRule = 'gausslegendre' | 'riemann-left' | 'riemann-right' | 'riemann-middle' | 'riemann-trapezoid';

/** A dense tensor as plain numbers, row-major, without tfjs. */
export interface TensorData {
  shape: number[];
  values: number[];
}

export interface TensorInfo {
  name: string;
  /** null marks a dynamic dimension (e.g. the batch). */
  shape: (number | null)[];
  dtype: string;
}

export interface LayerInfo {
  name: string;
  /** Keras class name for layers models, op type for graph/ONNX nodes. */
  type: string;
  outputShape?: (number | null)[];
  parameterCount?: number;
}

export interface ModelSummary {
  path: string;
  format: ModelFormat;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  layers: LayerInfo[];
  parameterCount: number;
  /** sha256 of the model files, used as a cache key. */
  hash: string;
}

/**
 * How the reference input is chosen. `mean` is the per-feature mean of the dataset the input came from;
 * `tensor` is a full input without the batch dimension.
 */
export type BaselineSpec =
  | { kind: 'zero' }
  | { kind: 'constant'; value: number }
  | { kind: 'mean' }
  | { kind: 'tensor'; data: TensorData };

export interface MethodOptions {
  /** integrated-gradients, gradient-shap (samples per baseline draw is `samples`). */
  steps?: number;
  igMethod?: IgRule;
  /** saliency: take the absolute value of the gradient (Captum's default). */
  abs?: boolean;
  /** Noise tunnel (smoothgrad, smoothgrad-sq, vargrad) and gradient-shap. */
  samples?: number;
  stdev?: number;
  /** The gradient method wrapped by the noise tunnel. */
  baseMethod?: 'saliency' | 'input-x-gradient' | 'integrated-gradients';
  /** occlusion: window and stride in the input's own layout, without the batch dimension. */
  window?: number[];
  stride?: number[];
  /** feature-ablation: group id per input element (same length as the flat input). */
  featureGroups?: number[];
  baseline?: BaselineSpec;
  /** Inputs evaluated per forward/backward pass. */
  batchSize?: number;
  seed?: number;
  /** Layer name (for layer methods, later issues). */
  layer?: string;
}

/** Where a feature of the input came from, so a view can reveal it. Offsets are UTF-16 code units. */
export interface SourceSpan {
  file: string;
  offset: number;
  length: number;
  line: number;
  /** 0-based column in UTF-16 code units. */
  column: number;
}

export interface FeatureAttribution {
  name: string;
  value?: number | string;
  score: number;
  span?: SourceSpan;
}

export interface Explanation {
  model: { path: string; format: ModelFormat; inputs: TensorInfo[]; outputs: TensorInfo[]; hash: string };
  method: { id: MethodId; options: MethodOptions };
  target: { index: number; label?: string };
  prediction: { scores: number[]; index: number; label?: string; labels?: string[] };
  /** Same shape and layout as the input, without the batch dimension. */
  attributions: TensorData;
  features: FeatureAttribution[];
  checks: Record<string, number | string | boolean>;
  backend: BackendName;
  timings: { loadMs: number; attributeMs: number };
  input: { source: string; row?: number; shape: number[] };
}

/** What the user asks for. The engine resolves files itself, so the same request works from the CLI and the extension. */
export type InputSpec =
  | { kind: 'tensor'; data: TensorData | number[] | unknown[] }
  | { kind: 'json-file'; path: string }
  | { kind: 'csv-file'; path: string; row: number };

export interface ExplainRequest {
  modelPath: string;
  input: InputSpec;
  method: MethodId;
  options?: MethodOptions;
  /** Output index, or a label from the model's labels. Defaults to the predicted class. */
  target?: number | string;
}

/** Errors the user can act on carry a code; anything else is a bug and keeps its stack for the log. */
export type EngineErrorCode =
  | 'MODEL_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'INPUT_INVALID'
  | 'METHOD_UNKNOWN'
  | 'OPTION_INVALID'
  | 'TARGET_INVALID'
  | 'UNSUPPORTED'
  | 'NUMERIC'
  | 'CANCELLED'
  | 'ENGINE_CRASHED'
  | 'INTERNAL';
