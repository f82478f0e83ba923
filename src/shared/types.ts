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
  | 'layer-gradient-x-activation'
  // Relevance propagation
  | 'lrp';

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
  /** ONNX: the opsets the model imports, domain ('ai.onnx', 'com.microsoft', …) → version. */
  opset?: Record<string, number>;
  /** ONNX: nodes the engine cannot import for gradient methods (black-box methods still work). */
  unsupportedOps?: { opType: string; node: string; reason?: string }[];
  /** Findings from loading worth showing, e.g. a forward-parity mismatch with ONNX Runtime. */
  warnings?: string[];
  /** What the model's input is: from its Lens manifest or folder (tokenizer → text), else guessed from the input
   *  shape (rank 4, or rank 3 with 1/3/4 channels → image; rank 2 → tabular). `modalitySource` says which. */
  modality?: Modality;
  modalitySource?: 'manifest' | 'folder' | 'shape';
  /** Class labels from the manifest or config.json, when there are any. */
  labels?: string[];
}

export type Modality = 'text' | 'image' | 'tabular' | 'timeseries';

/**
 * How the reference input is chosen. `mean` is the per-feature mean of the dataset the input came from;
 * `tensor` is a full input without the batch dimension.
 */
export type BaselineSpec =
  | { kind: 'zero' }
  | { kind: 'constant'; value: number }
  | { kind: 'mean' }
  | { kind: 'tensor'; data: TensorData }
  /** Text models: every token of the text replaced by the tokenizer's [PAD] (or [MASK]) token; special tokens kept. */
  | { kind: 'pad' }
  | { kind: 'mask' };

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
  /** Inputs evaluated per forward/backward pass (an upper bound; the memory budget may lower it). */
  batchSize?: number;
  /** Upper bound, in MiB, on the memory one batch of a gradient or forward pass may take; the engine sizes batches
   *  from it so peak memory does not grow with steps or samples. Default 512. */
  memoryBudgetMB?: number;
  seed?: number;
  /** Layer name (for layer methods, later issues). */
  layer?: string;

  // text methods (Text issue)
  /** Layer methods: how a position's attribution is summed over the layer's other dimensions (e.g. the embedding). */
  reduction?: 'sum' | 'l2';
  /** Text inputs: one feature per token, or sub-word tokens merged into words (scores summed; ablation per word). */
  granularity?: 'token' | 'word';

  // image methods (Images issue)
  /** Where the channels are in an image input (and in 4-D layer outputs); set from the image input, else inferred. */
  layout?: 'NHWC' | 'NCHW' | 'HW';
  /** rise, sobol: cells per side of the low-resolution mask grid. */
  gridSize?: number;
  /** rise: probability that a grid cell is kept. */
  probability?: number;
  /** sobol: how masked-out regions are filled: the baseline (inpainting), a blurred copy, or the input scaled down. */
  perturbation?: 'inpainting' | 'blur' | 'amplitude';
  /** Standard deviation (pixels) of the Gaussian blur (sobol 'blur', extremal-perturbation). */
  blurSigma?: number;
  /** lime, kernel-shap on images without featureGroups: superpixels by SLIC or a regular grid, about `segments` of them. */
  superpixels?: 'slic' | 'grid';
  segments?: number;
  /** lime: width of the exponential kernel on the cosine distance (Captum's default 1). */
  kernelWidth?: number;
  /** lime: ridge penalty of the weighted linear fit. */
  ridge?: number;
  /** extremal-perturbation: fraction of the image the mask keeps, in (0, 1). */
  area?: number;
  /** extremal-perturbation: optimisation steps. */
  iterations?: number;

  // relevance propagation (lrp)
  /**
   * Which rule each layer gets (after Zennit's composites): 'epsilon' everywhere; 'epsilon-plus' (ε for dense layers,
   * z⁺ for convolutions); 'epsilon-gamma-box' (ε dense, γ convolutions, zᴮ on the first layer); 'epsilon-alpha2-beta1'
   * (ε dense, α2β1 convolutions); 'zero' (LRP-0, which equals gradient × input on ReLU networks).
   */
  composite?: 'epsilon' | 'epsilon-plus' | 'epsilon-gamma-box' | 'epsilon-alpha2-beta1' | 'zero';
  /** ε of the ε-rule (stabilizer of the denominators). */
  epsilon?: number;
  /** γ of the γ-rule (weight on the positive weights). */
  gamma?: number;
  /** zᴮ-rule: the lowest and highest value an input feature can take (e.g. the normalized range of pixels). */
  inputBounds?: [number, number];
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
  /** Text models: the characters of the token (or word) as written, and their offsets [start, end) into the given
   *  text (`text` inputs) or into the file (`dataset-file` inputs), in UTF-16 code units. */
  text?: string;
  start?: number;
  end?: number;
  /** Text models: positions in the model's token sequence this feature covers (several when words are merged). */
  positions?: number[];
}

/** One position of a text model's input sequence. */
export interface ExplainedToken {
  position: number;
  id: number;
  /** Vocabulary entry ('##able', '[CLS]', …). */
  token: string;
  /** [CLS], [SEP], padding: fed to the model, not shown. */
  special: boolean;
  /** [start, end) in TextExplanation.text; absent for tokens the text does not contain. */
  start?: number;
  end?: number;
  score: number;
}

/** Text inputs: the example's text and every token of the model input, so a view can color the text. */
export interface TextExplanation {
  text: string;
  /** Dataset inputs: the file, the example's 0-based row and line. */
  file?: string;
  row?: number;
  line?: number;
  tokenizer: string;
  tokens: ExplainedToken[];
  /** How features group tokens: one per token, or sub-word tokens merged into words (scores summed). */
  granularity: 'token' | 'word';
  /** The text had more tokens than the model takes; the rest were cut off. */
  truncated: boolean;
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
  /** Assumptions and conversions the engine made (e.g. an image layout inferred from the model's input shape). */
  notes?: string[];
  /** Extra maps a method produced besides the attributions, e.g. Grad-CAM's low-resolution `cam`, a `mask`. */
  maps?: Record<string, TensorData>;
  /** Image inputs: the per-pixel map to overlay and the image as the model saw it. */
  image?: ImageExplanation;
  /** Text inputs: the text and its tokens with scores. */
  text?: TextExplanation;
}

export interface ImageExplanation {
  /** Model input size in pixels. */
  width: number;
  height: number;
  layout: 'NHWC' | 'NCHW' | 'HW';
  channels: 'RGB' | 'BGR' | 'L';
  /**
   * One value per pixel, shape [height, width]: the channels summed ('sum'), or the common value when the method
   * gave every channel of a pixel the same value ('replicated': Grad-CAM, RISE, Sobol, masks, superpixel groups).
   */
  pixelMap: TensorData;
  channelReduction: 'sum' | 'replicated';
  /** The resized image as the model saw it (before scaling/normalisation), PNG, base64. */
  preview: { mime: 'image/png'; base64: string };
  /** The file as decoded. */
  original: { format: 'png' | 'jpeg'; width: number; height: number; detail: string };
}

/** What the user asks for. The engine resolves files itself, so the same request works from the CLI and the extension. */
export type InputSpec =
  | { kind: 'tensor'; data: TensorData | number[] | unknown[] }
  | { kind: 'json-file'; path: string }
  | { kind: 'csv-file'; path: string; row: number }
  | { kind: 'image-file'; path: string }
  /** Text models: a text given directly; feature offsets are into this text. */
  | { kind: 'text'; text: string }
  /**
   * Text models: one example of a dataset file (.csv/.tsv text column, .jsonl text field, .txt one example per line);
   * `row` counts examples from 0 (CSV: after the header). `field` names the column/field (default: guessed).
   */
  | { kind: 'dataset-file'; path: string; row: number; field?: string };

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
