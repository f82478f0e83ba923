// Gradient SHAP / expected gradients (Lundberg & Lee 2017; Erion et al. 2021), as Captum's GradientShap:
// each of `samples` draws picks a reference x′ from the baseline set (uniformly; the single baseline when there
// is no set), a point α ~ U(0, 1) on the path, and optionally Gaussian noise on the input (x̃ = x + ε, stdev
// default 0). Attribution = mean over draws of (x̃ − x′) ⊙ ∇F(x′ + α(x̃ − x′)).
// samples defaults to 50 (Captum: 5): two sources of randomness (reference and α) make the estimate noisier
// than SmoothGrad's, and draws are batched, so 50 costs two passes at the default batch size.
import type { MethodOptions } from '../../../shared/types';
import { EngineError } from '../../errors';
import { SeededRandom } from '../../util/random';
import { subContext } from '../batches';
import { integerOption, MAX_SAMPLES, nonNegativeOption, seedOption } from '../options';
import { scoresInBatches } from '../perturbation/batchedForward';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { gradientsInBatches } from './batchedGradients';

export const DEFAULT_SHAP_SAMPLES = 50;

type ShapOptions = MethodOptions & { samples: number; stdev: number; seed: number };

function resolveShapOptions(options: MethodOptions): ShapOptions {
  return {
    ...options,
    samples: integerOption(options.samples, 'samples', DEFAULT_SHAP_SAMPLES, 1, MAX_SAMPLES),
    stdev: nonNegativeOption(options.stdev, 'stdev') ?? 0,
    seed: seedOption(options.seed),
  };
}

interface Draw {
  reference: number;
  alpha: number;
  /** x̃: the input, plus noise when stdev > 0. */
  input: Float32Array;
}

/** One draw; the order of random calls is fixed so the check below can replay the same draws. */
function draw(random: SeededRandom, references: number, stdev: number, x: Float32Array): Draw {
  const reference = random.integer(references);
  const alpha = random.uniform();
  let input = x;
  if (stdev > 0) {
    input = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) input[j] = x[j] + stdev * random.normal();
  }
  return { reference, alpha, input };
}

/** Share of the progress bar taken by the gradient passes; the rest is the forward pass for the check. */
const GRADIENT_SHARE = 0.9;

export const gradientShap: AttributionMethod = {
  id: 'gradient-shap',
  kind: 'gradient',
  resolveOptions: resolveShapOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const { samples, stdev, seed } = resolveShapOptions(rawOptions);
    const size = sizeOf(model.inputShape);
    const x = await readValues(input.x);
    const referenceTensor = input.baselineSet ?? input.baseline;
    const references = await readValues(referenceTensor);
    const referenceCount = referenceTensor.shape[0];
    if (referenceCount < 1 || references.length !== referenceCount * size) {
      throw new EngineError('INPUT_INVALID', `gradient-shap baselines have shape [${referenceTensor.shape}], expected [M, ${model.inputShape}]`);
    }
    const referenceRow = (k: number) => references.subarray(k * size, (k + 1) * size);

    const random = new SeededRandom(seed);
    const pending = new Map<number, Draw>();
    const sum = new Float64Array(size);
    const uses = new Float64Array(referenceCount);
    const gradientPath = await gradientsInBatches(
      model,
      target,
      samples,
      subContext(ctx, 0, GRADIENT_SHARE),
      (i, row) => {
        const d = draw(random, referenceCount, stdev, x);
        pending.set(i, d);
        const ref = referenceRow(d.reference);
        for (let j = 0; j < size; j++) row[j] = ref[j] + d.alpha * (d.input[j] - ref[j]);
      },
      (i, gradient) => {
        const d = pending.get(i)!;
        pending.delete(i);
        uses[d.reference]++;
        const ref = referenceRow(d.reference);
        for (let j = 0; j < size; j++) sum[j] += (d.input[j] - ref[j]) * gradient[j];
      },
    );
    const attributions = sum.map((v) => v / samples);

    // Completeness holds in expectation: E[Σ attributions] = E[F(x̃)] − E[F(x′)]. The gap of this estimate
    // is reported; it shrinks as samples grow. F is evaluated at the drawn inputs (replayed) and references.
    const usedReferences = Array.from(uses.keys()).filter((k) => uses[k] > 0);
    const inputRows = stdev > 0 ? samples : 1;
    const replay = new SeededRandom(seed);
    const rowFor = (i: number) => {
      if (i >= inputRows) return referenceRow(usedReferences[i - inputRows]);
      return stdev > 0 ? draw(replay, referenceCount, stdev, x).input : x;
    };
    const scoreCtx = subContext(ctx, GRADIENT_SHARE, 1);
    const scores = await scoresInBatches(model, target, inputRows + usedReferences.length, scoreCtx, (i, row) => row.set(rowFor(i)));
    let meanInputScore = 0;
    for (let i = 0; i < inputRows; i++) meanInputScore += scores[i] / inputRows;
    let meanReferenceScore = 0;
    usedReferences.forEach((k, u) => (meanReferenceScore += (uses[k] * scores[inputRows + u]) / samples));
    const total = attributions.reduce((a, b) => a + b, 0);
    return {
      attributions: toAttributionTensor(attributions, model.inputShape),
      checks: {
        convergenceDelta: total - (meanInputScore - meanReferenceScore),
        baselineScore: meanReferenceScore,
        references: referenceCount,
        samples,
        gradientPath,
      },
    };
  },
};
