// The attribution methods the engine offers, which inputs each one suits, the one-line descriptions shown in the
// method pickers, and how the user's settings turn into MethodOptions. vscode-free.
import type { MethodId, MethodOptions, Modality } from '../shared/types';

export interface MethodEntry {
  id: MethodId;
  label: string;
  description: string;
  /** Inputs the method makes sense for. Text models are explained at their embeddings (token ids have no gradient). */
  modalities: readonly Modality[];
}

const DENSE: readonly Modality[] = ['tabular', 'image', 'timeseries'];
const ALL: readonly Modality[] = ['tabular', 'image', 'timeseries', 'text'];

export const METHODS: readonly MethodEntry[] = [
  { id: 'integrated-gradients', label: 'Integrated Gradients', modalities: DENSE, description: 'Gradients integrated along the path from the baseline to the input; attributions add up to F(x) − F(baseline).' },
  { id: 'saliency', label: 'Saliency', modalities: DENSE, description: 'Absolute gradient of the target score at the input: which features it is most sensitive to.' },
  { id: 'input-x-gradient', label: 'Input × Gradient', modalities: DENSE, description: 'Input times gradient: a first-order estimate of each feature’s contribution.' },
  { id: 'smoothgrad', label: 'SmoothGrad', modalities: DENSE, description: 'Gradients averaged over noisy copies of the input, which reduces gradient noise.' },
  { id: 'smoothgrad-sq', label: 'SmoothGrad²', modalities: DENSE, description: 'Mean of squared gradients over noisy copies of the input.' },
  { id: 'vargrad', label: 'VarGrad', modalities: DENSE, description: 'Variance of gradients over noisy copies of the input.' },
  { id: 'gradient-shap', label: 'GradientSHAP', modalities: DENSE, description: 'Expected gradients over random baselines (other dataset rows) and points on the path.' },
  { id: 'layer-integrated-gradients', label: 'Layer Integrated Gradients', modalities: ['text'], description: 'Integrated gradients at the embedding output, from pad/mask-token embeddings; token score = sum over the embedding.' },
  { id: 'layer-gradient-x-activation', label: 'Gradient × Embedding', modalities: ['text'], description: 'Gradient times activation at the embedding output: a one-pass estimate of each token’s contribution.' },
  { id: 'occlusion', label: 'Occlusion', modalities: ALL, description: 'Change in the target score when a sliding window of features (pixels, tokens) is replaced by the baseline.' },
  { id: 'feature-ablation', label: 'Feature Ablation', modalities: ALL, description: 'Change in the target score when each feature (or token) is replaced by the baseline, one at a time.' },
  { id: 'lime', label: 'LIME', modalities: ALL, description: 'A weighted linear surrogate fitted to the model on random coalitions of features, superpixels or tokens.' },
  { id: 'kernel-shap', label: 'KernelSHAP', modalities: ALL, description: 'Shapley values estimated by a weighted linear fit on coalitions (SHAP kernel) of features, superpixels or tokens.' },
  { id: 'grad-cam', label: 'Grad-CAM', modalities: ['image'], description: 'Activations of a convolution layer (the last by default) weighted by their spatially averaged gradients.' },
  { id: 'guided-grad-cam', label: 'Guided Grad-CAM', modalities: ['image'], description: 'Guided backpropagation multiplied by the upsampled Grad-CAM map: fine detail inside the class region.' },
  { id: 'guided-backprop', label: 'Guided Backprop', modalities: ['image'], description: 'Gradients through ReLUs that pass only positive signals, backward and forward.' },
  { id: 'deconvnet', label: 'Deconvnet', modalities: ['image'], description: 'Gradients through ReLUs applied to the backward signal only (Zeiler & Fergus).' },
  { id: 'rise', label: 'RISE', modalities: ['image'], description: 'The score averaged over random smooth masks: the importance of each pixel for the prediction.' },
  { id: 'sobol', label: 'Sobol', modalities: ['image'], description: 'Total Sobol indices of mask regions from quasi-Monte-Carlo perturbations: variance-based importance.' },
  { id: 'lrp', label: 'LRP', modalities: DENSE, description: 'The logit redistributed layer by layer down to the input by LRP rules (Zennit composites: ε, z⁺, γ, zᴮ, α2β1); relevances add up to the logit minus what biases absorb.' },
  { id: 'extremal-perturbation', label: 'Extremal Perturbation', modalities: ['image'], description: 'The smooth mask of a given area that keeps the score highest (Fong et al.).' },
];

export const METHOD_IDS: readonly MethodId[] = METHODS.map((m) => m.id);

export function isMethodId(value: unknown): value is MethodId {
  return typeof value === 'string' && (METHOD_IDS as readonly string[]).includes(value);
}

export function methodEntry(id: MethodId): MethodEntry | undefined {
  return METHODS.find((m) => m.id === id);
}

/** Methods for a model's modality (every method when it is unknown), in catalog order. */
export function methodsFor(modality: Modality | undefined): MethodEntry[] {
  return modality ? METHODS.filter((m) => m.modalities.includes(modality)) : METHODS.slice();
}

/** The method preselected for a modality: the configured default when it suits, else the modality's natural one. */
export function defaultMethodFor(modality: Modality | undefined, configured: unknown): MethodId {
  const fits = methodsFor(modality);
  if (isMethodId(configured) && fits.some((m) => m.id === configured)) return configured;
  if (modality === 'text') return 'layer-integrated-gradients';
  return fits.some((m) => m.id === 'integrated-gradients') ? 'integrated-gradients' : fits[0]!.id;
}

export interface MethodSettings {
  /** attributionLens.integratedGradients.steps */
  integratedGradientsSteps?: number;
  /** attributionLens.batchSize */
  batchSize?: number;
  /** attributionLens.memoryBudgetMB */
  memoryBudgetMB?: number;
}

const positiveInteger = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

/** Only options the user set (and that are valid) are sent; the engine fills in its own defaults for the rest. */
export function methodOptionsFromSettings(method: MethodId, settings: MethodSettings): MethodOptions {
  const options: MethodOptions = {};
  if ((method === 'integrated-gradients' || method === 'layer-integrated-gradients') && positiveInteger(settings.integratedGradientsSteps)) {
    options.steps = settings.integratedGradientsSteps;
  }
  if (positiveInteger(settings.batchSize)) options.batchSize = settings.batchSize;
  if (positiveInteger(settings.memoryBudgetMB)) options.memoryBudgetMB = settings.memoryBudgetMB;
  return options;
}

/** The part of a vscode.WorkspaceConfiguration (section attributionLens) the method options come from. */
export interface ConfigLike {
  get<T>(key: string): T | undefined;
}

/** methodOptionsFromSettings with the settings read from the attributionLens configuration. */
export function methodOptionsFromConfig(method: MethodId, config: ConfigLike): MethodOptions {
  return methodOptionsFromSettings(method, {
    integratedGradientsSteps: config.get<number>('integratedGradients.steps'),
    batchSize: config.get<number>('batchSize'),
    memoryBudgetMB: config.get<number>('memoryBudgetMB'),
  });
}
