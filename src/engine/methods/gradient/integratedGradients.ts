// Integrated gradients (Sundararajan et al. 2017): (x − x′) ⊙ ∫₀¹ ∇F(x′ + α(x − x′)) dα, by quadrature.
import type { IgRule, MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { subContext } from '../batches';
import { scoresInBatches } from '../perturbation/batchedForward';
import { choiceOption, integerOption, invalidOption, MAX_STEPS } from '../options';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod, RunContext } from '../types';
import { gradientsInBatches, type GradientPath } from './batchedGradients';
import { minimumSteps, quadrature } from './quadrature';

export const IG_RULES: readonly IgRule[] = [
  'gausslegendre',
  'riemann-left',
  'riemann-right',
  'riemann-middle',
  'riemann-trapezoid',
];
export const DEFAULT_IG_STEPS = 50;

export interface IgSettings {
  steps: number;
  igMethod: IgRule;
}

export function resolveIgOptions(options: MethodOptions): MethodOptions & IgSettings {
  const igMethod = choiceOption(options.igMethod, 'igMethod', IG_RULES, 'gausslegendre');
  const steps = integerOption(options.steps, 'steps', DEFAULT_IG_STEPS, 1, MAX_STEPS);
  if (steps < minimumSteps(igMethod)) {
    throw invalidOption('steps', `must be at least ${minimumSteps(igMethod)} for igMethod '${igMethod}'`, steps);
  }
  return { ...options, steps, igMethod };
}

/**
 * The IG attributions of input x against baseline x′ (flat values), accumulated in float64; the steps
 * are evaluated ctx.batchSize at a time.
 */
export async function integrate(
  model: ExplainableModel,
  x: Float32Array,
  baseline: Float32Array,
  target: number,
  settings: IgSettings,
  ctx: RunContext,
  /** Receives the path that computed the gradients (checks.gradientPath). */
  onPath?: (path: GradientPath) => void,
): Promise<Float64Array> {
  const { alphas, weights } = quadrature(settings.igMethod, settings.steps);
  const size = sizeOf(model.inputShape);
  const meanGradient = new Float64Array(size);
  const path = await gradientsInBatches(
    model,
    target,
    settings.steps,
    ctx,
    (i, row) => {
      const a = alphas[i];
      for (let j = 0; j < size; j++) row[j] = baseline[j] + a * (x[j] - baseline[j]);
    },
    (i, gradient) => {
      const w = weights[i];
      for (let j = 0; j < size; j++) meanGradient[j] += w * gradient[j];
    },
  );
  onPath?.(path);
  for (let j = 0; j < size; j++) meanGradient[j] *= x[j] - baseline[j];
  return meanGradient;
}

/** Share of the progress bar taken by the gradient passes; the rest is the forward pass for the check. */
const GRADIENT_SHARE = 0.95;

export const integratedGradients: AttributionMethod = {
  id: 'integrated-gradients',
  kind: 'gradient',
  resolveOptions: resolveIgOptions,
  async attribute(model, input, target, options, ctx) {
    const settings = resolveIgOptions(options);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    let gradientPath: GradientPath = 'tfjs';
    // Completeness: Σ attributions = F(x) − F(x′) up to the quadrature error, with the scores from the path that
    // computes the gradients (onnxruntime's for ONNX models), so it compares like with like. Two rows fit any budget a
    // gradient row fits: one batch, no memory calibration.
    const { memoryBudgetBytes: _unused, ...endsCtx } = subContext(ctx, GRADIENT_SHARE, 1);
    const attributions = await integrate(model, x, baseline, target, settings, subContext(ctx, 0, GRADIENT_SHARE), (p) => (gradientPath = p));
    const [inputScore, baselineScore] = await scoresInBatches(model, target, 2, { ...endsCtx, batchSize: 2 }, (i, row) => row.set(i === 0 ? x : baseline), {
      fast: gradientPath !== 'tfjs',
    });
    const total = attributions.reduce((a, b) => a + b, 0);
    return {
      attributions: toAttributionTensor(attributions, model.inputShape),
      checks: { convergenceDelta: total - (inputScore - baselineScore), inputScore, baselineScore, gradientPath },
    };
  },
};
