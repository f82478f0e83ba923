// The attribution methods the engine offers, with the one-line descriptions shown in the method picker,
// and how the user's settings turn into MethodOptions. vscode-free.
import type { MethodId, MethodOptions } from '../shared/types';

export interface MethodEntry {
  id: MethodId;
  description: string;
}

export const METHODS: readonly MethodEntry[] = [
  { id: 'integrated-gradients', description: 'Gradients integrated along the path from the baseline to the input; attributions add up to F(x) − F(baseline).' },
  { id: 'saliency', description: 'Absolute gradient of the target score at the input: which features it is most sensitive to.' },
  { id: 'input-x-gradient', description: 'Input times gradient: a first-order estimate of each feature’s contribution.' },
  { id: 'smoothgrad', description: 'Gradients averaged over noisy copies of the input, which reduces gradient noise.' },
  { id: 'smoothgrad-sq', description: 'Mean of squared gradients over noisy copies of the input.' },
  { id: 'vargrad', description: 'Variance of gradients over noisy copies of the input.' },
  { id: 'gradient-shap', description: 'Expected gradients over random baselines (other dataset rows) and points on the path.' },
  { id: 'occlusion', description: 'Change in the target score when a sliding window of features is replaced by the baseline.' },
  { id: 'feature-ablation', description: 'Change in the target score when each feature is replaced by the baseline, one at a time.' },
];

export const METHOD_IDS: readonly MethodId[] = METHODS.map((m) => m.id);

export function isMethodId(value: unknown): value is MethodId {
  return typeof value === 'string' && (METHOD_IDS as readonly string[]).includes(value);
}

export interface MethodSettings {
  /** attributionLens.integratedGradients.steps */
  integratedGradientsSteps?: number;
  /** attributionLens.batchSize */
  batchSize?: number;
}

const positiveInteger = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

/** Only options the user set (and that are valid) are sent; the engine fills in its own defaults for the rest. */
export function methodOptionsFromSettings(method: MethodId, settings: MethodSettings): MethodOptions {
  const options: MethodOptions = {};
  if (method === 'integrated-gradients' && positiveInteger(settings.integratedGradientsSteps)) {
    options.steps = settings.integratedGradientsSteps;
  }
  if (positiveInteger(settings.batchSize)) options.batchSize = settings.batchSize;
  return options;
}
