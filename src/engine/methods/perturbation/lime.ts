// LIME (Ribeiro et al. 2016), as Captum's Lime with its defaults except the surrogate: `samples` random coalitions
// (each feature group kept with probability ½), each input scored by the model and weighted by the exponential
// kernel exp(−d² / kernelWidth²) of the cosine distance d between the original and the perturbed input (Captum's
// default similarity, kernel width 1); a weighted ridge regression (penalty `ridge`, intercept not penalised;
// Captum's default surrogate is Lasso) on the binary coalition vectors gives one coefficient per group, written to
// every element of the group (maps.groups: by ascending group id). Groups: featureGroups, superpixels for images,
// else one per element (coalitions.ts).
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { SeededRandom } from '../../util/random';
import { integerOption, invalidOption, MAX_SAMPLES, nonNegativeOption, seedOption } from '../options';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod, RunContext } from '../types';
import { applyCoalition, featureGroups, perElement, resolveGroupOptions, type FeatureGroups } from './coalitions';
import { forwardScores } from './forwardScores';
import { weightedRidge, type WeightedFit } from './linearFit';

export const DEFAULT_LIME_SAMPLES = 1000;
export const DEFAULT_KERNEL_WIDTH = 1;
export const DEFAULT_RIDGE = 0.01;

type LimeOptions = MethodOptions & { samples: number; kernelWidth: number; ridge: number; seed: number };

export function resolveLimeOptions(options: MethodOptions, model: ExplainableModel): LimeOptions {
  const kernelWidth = nonNegativeOption(options.kernelWidth, 'kernelWidth') ?? DEFAULT_KERNEL_WIDTH;
  if (kernelWidth === 0) throw invalidOption('kernelWidth', 'must be greater than 0', kernelWidth);
  return {
    ...resolveGroupOptions(options, model),
    samples: integerOption(options.samples, 'samples', DEFAULT_LIME_SAMPLES, 1, MAX_SAMPLES),
    kernelWidth,
    ridge: nonNegativeOption(options.ridge, 'ridge') ?? DEFAULT_RIDGE,
    seed: seedOption(options.seed),
  };
}

function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  // As torch's cosine_similarity: norms clamped by eps = 1e-8.
  return 1 - dot / (Math.max(Math.sqrt(na), 1e-8) * Math.max(Math.sqrt(nb), 1e-8));
}

/** The LIME fit over `groups` (exported for other modalities, which pass their own groups). */
export async function limeFit(
  model: ExplainableModel,
  x: Float32Array,
  baseline: Float32Array,
  target: number,
  groups: FeatureGroups,
  options: { samples: number; kernelWidth: number; ridge: number; seed: number },
  ctx: RunContext,
): Promise<WeightedFit> {
  const G = groups.count;
  const random = new SeededRandom(options.seed);
  const Z = new Float64Array(options.samples * G);
  const weights = new Float64Array(options.samples);
  for (let i = 0; i < Z.length; i++) Z[i] = random.uniform() < 0.5 ? 0 : 1;
  const scores = await forwardScores(model, target, options.samples, ctx, (i, row) => {
    applyCoalition(x, baseline, groups, Z.subarray(i * G, (i + 1) * G), row);
    weights[i] = Math.exp(-(cosineDistance(x, row) ** 2) / options.kernelWidth ** 2);
  });
  return weightedRidge(Z, scores, weights, options.samples, G, options.ridge);
}

export const lime: AttributionMethod = {
  id: 'lime',
  kind: 'perturbation',
  resolveOptions: resolveLimeOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveLimeOptions(rawOptions, model);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    const groups = featureGroups(options, model, x);
    const fit = await limeFit(model, x, baseline, target, groups, options, ctx);
    return {
      attributions: toAttributionTensor(perElement(fit.coefficients, groups), model.inputShape),
      checks: { groups: groups.count, groupSource: groups.source, samples: options.samples, intercept: fit.intercept, weightedR2: fit.r2 },
      maps: { groups: { shape: [groups.count], values: Array.from(fit.coefficients) } },
    };
  },
};
