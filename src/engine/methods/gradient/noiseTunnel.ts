// Noise tunnel (Captum's NoiseTunnel): a gradient method run on `samples` copies of the input with Gaussian noise
// added, then reduced per feature: SmoothGrad (Smilkov et al. 2017) takes the mean, SmoothGrad² the mean of
// squares, VarGrad (Adebayo et al. 2018) the variance. Baselines (for IG) are not perturbed, as in Captum.
//
// Defaults: samples = 25 (Captum's nt_samples default is 5, which leaves visibly noisy maps; SmoothGrad's
// paper reports diminishing returns around 50), stdev = 0.15 · (max(x) − min(x)), the middle of the 10–20 %
// noise level the SmoothGrad paper recommends; the stdev used is reported in checks.stdev.
import type * as tf from '@tensorflow/tfjs';
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { SeededRandom } from '../../util/random';
import { subContext } from '../batches';
import { booleanOption, choiceOption, integerOption, MAX_SAMPLES, nonNegativeOption, seedOption } from '../options';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod, PreparedInput, RunContext } from '../types';
import { gradientsInBatches, type GradientPath } from './batchedGradients';
import { inputXGradientRule, saliencyRule, type GradientRule } from './gradientRules';
import { integrate, resolveIgOptions } from './integratedGradients';
import { RunningMoments } from './runningMoments';

export type NoiseTunnelId = 'smoothgrad' | 'smoothgrad-sq' | 'vargrad';
type BaseMethod = NonNullable<MethodOptions['baseMethod']>;

const BASE_METHODS: readonly BaseMethod[] = ['saliency', 'input-x-gradient', 'integrated-gradients'];
export const DEFAULT_NOISE_SAMPLES = 25;
/** Fraction of the input's value range used as the noise's standard deviation by default. */
export const DEFAULT_NOISE_LEVEL = 0.15;

/** The default stdev: a fraction of the input's range; for a constant input, of its magnitude (or 1 if it is 0). */
export function defaultStdev(x: ArrayLike<number>): number {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < x.length; j++) {
    min = Math.min(min, x[j]);
    max = Math.max(max, x[j]);
  }
  const scale = max > min ? max - min : Math.abs(max) || 1;
  return DEFAULT_NOISE_LEVEL * scale;
}

/**
 * The default noise per feature when the input came with reference rows (a CSV dataset): a fraction of each
 * column's range over the rows and the input, so a column in dollars and one in years both get noise on their own
 * scale. Undefined when there are no rows or every column is constant (then the scalar default applies).
 */
export async function perFeatureStdev(x: Float32Array, rows: tf.Tensor | undefined): Promise<Float32Array | undefined> {
  if (!rows || rows.shape[0]! < 2) return undefined;
  const values = (await rows.data()) as Float32Array;
  const size = x.length;
  const min = Float32Array.from(x);
  const max = Float32Array.from(x);
  for (let i = 0; i < values.length; i++) {
    const j = i % size;
    if (values[i]! < min[j]!) min[j] = values[i]!;
    if (values[i]! > max[j]!) max[j] = values[i]!;
  }
  const stdev = new Float32Array(size);
  let any = false;
  for (let j = 0; j < size; j++) {
    stdev[j] = DEFAULT_NOISE_LEVEL * (max[j]! - min[j]!);
    any ||= stdev[j]! > 0;
  }
  return any ? stdev : undefined;
}

type NoiseTunnelOptions = MethodOptions & { baseMethod: BaseMethod; samples: number; seed: number };

function resolveNoiseTunnelOptions(options: MethodOptions): NoiseTunnelOptions {
  const baseMethod = choiceOption(options.baseMethod, 'baseMethod', BASE_METHODS, 'saliency');
  const resolved: NoiseTunnelOptions = {
    ...options,
    baseMethod,
    samples: integerOption(options.samples, 'samples', DEFAULT_NOISE_SAMPLES, 1, MAX_SAMPLES),
    seed: seedOption(options.seed),
  };
  const stdev = nonNegativeOption(options.stdev, 'stdev');
  if (stdev !== undefined) resolved.stdev = stdev;
  if (baseMethod === 'saliency') resolved.abs = booleanOption(options.abs, 'abs', true);
  if (baseMethod === 'integrated-gradients') {
    const { steps, igMethod } = resolveIgOptions(options);
    Object.assign(resolved, { steps, igMethod });
  }
  return resolved;
}

/** Feeds the attributions of each noisy sample, in sample order, to `moments`. */
async function sampleAttributions(
  model: ExplainableModel,
  input: PreparedInput,
  target: number,
  options: NoiseTunnelOptions,
  x: Float32Array,
  stdev: number | Float32Array,
  moments: RunningMoments,
  ctx: RunContext,
): Promise<GradientPath> {
  const size = x.length;
  const samples = options.samples;
  const random = new SeededRandom(options.seed);
  const addNoise =
    typeof stdev === 'number'
      ? (row: Float32Array) => {
          for (let j = 0; j < size; j++) row[j] = x[j] + stdev * random.normal();
        }
      : (row: Float32Array) => {
          for (let j = 0; j < size; j++) row[j] = x[j] + stdev[j]! * random.normal();
        };

  if (options.baseMethod === 'integrated-gradients') {
    // Each sample is a whole IG run (its steps batched); samples run one after another.
    const settings = resolveIgOptions(options);
    const baseline = await readValues(input.baseline);
    const noisy = new Float32Array(size);
    let path: GradientPath = 'tfjs';
    for (let s = 0; s < samples; s++) {
      addNoise(noisy);
      const part = subContext(ctx, s / samples, (s + 1) / samples);
      moments.add(await integrate(model, noisy, baseline, target, settings, part, (p) => (path = p)));
    }
    return path;
  }
  // Plain gradients: the noisy samples themselves are batched. Noise is drawn in sample order, so the
  // result does not depend on the batch size.
  const rule: GradientRule = options.baseMethod === 'input-x-gradient' ? inputXGradientRule : saliencyRule(options.abs ?? true);
  const attribution = new Float64Array(size);
  return gradientsInBatches(model, target, samples, ctx, (_, row) => addNoise(row), (_, gradient, row) => {
    rule(row, gradient, attribution);
    moments.add(attribution);
  });
}

export function noiseTunnel(id: NoiseTunnelId): AttributionMethod {
  return {
    id,
    kind: 'gradient',
    resolveOptions: resolveNoiseTunnelOptions,
    async attribute(model, input, target, rawOptions, ctx) {
      const options = resolveNoiseTunnelOptions(rawOptions);
      const x = await readValues(input.x);
      const perFeature = options.stdev === undefined ? await perFeatureStdev(x, input.baselineSet) : undefined;
      const stdev = options.stdev ?? perFeature ?? defaultStdev(x);
      const moments = new RunningMoments(sizeOf(model.inputShape));
      const gradientPath = await sampleAttributions(model, input, target, options, x, stdev, moments, ctx);
      const reduced = id === 'smoothgrad' ? moments.mean : id === 'smoothgrad-sq' ? moments.meanOfSquares : moments.variance();
      return {
        attributions: toAttributionTensor(reduced, model.inputShape),
        checks: {
          // Per-feature noise is reported by its mean, and said to be per feature.
          stdev: typeof stdev === 'number' ? stdev : stdev.reduce((a, b) => a + b, 0) / stdev.length,
          ...(typeof stdev === 'number' ? {} : { stdevScale: `per feature: ${DEFAULT_NOISE_LEVEL} × each column's range in the dataset` }),
          samples: moments.samples,
          baseMethod: options.baseMethod,
          gradientPath,
        },
      };
    },
  };
}
