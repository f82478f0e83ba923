// Layer integrated gradients (Captum's LayerIntegratedGradients): integrated gradients in the space of a layer's
// output. With a = layer(x) and a′ = layer(x′) (x′ the baseline input, e.g. every token replaced by [PAD]),
// attribution = (a − a′) ⊙ ∫₀¹ ∇_a F(x; layer ← a′ + α(a − a′)) dα, the rest of the model running on x. For text
// this is how gradients reach discrete token ids: at the embedding output. Completeness holds at the layer:
// Σ attributions = F(x; layer ← a) − F(x; layer ← a′), reported as convergenceDelta.
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { subContext } from '../batches';
import { quadrature } from '../gradient/quadrature';
import { resolveIgOptions } from '../gradient/integratedGradients';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { captureLayer, layerGradientsInBatches, scoresWithLayer } from './layerGradients';
import { positionMap, resolveLayerOptions, toInputLayout } from './layerTarget';

function resolveLayerIgOptions(options: MethodOptions, model: ExplainableModel) {
  const { steps, igMethod } = resolveIgOptions(options);
  const { layer, reduction } = resolveLayerOptions(options, model);
  return { ...options, steps, igMethod, layer, reduction };
}

/** Share of the progress bar taken by the gradient passes. */
const GRADIENT_SHARE = 0.95;

export const layerIntegratedGradients: AttributionMethod = {
  id: 'layer-integrated-gradients',
  kind: 'gradient',
  resolveOptions: resolveLayerIgOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const { steps, igMethod, layer, reduction } = resolveLayerIgOptions(rawOptions, model);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    const captured = captureLayer(model, layer, [x, baseline], target);
    const [a, a0] = captured.values;
    const map = positionMap(layer, captured.shape, model.inputShape);

    const { alphas, weights } = quadrature(igMethod, steps);
    const meanGradient = new Float64Array(a.length);
    await layerGradientsInBatches(
      model,
      layer,
      x,
      captured.shape,
      target,
      steps,
      subContext(ctx, 0, GRADIENT_SHARE),
      (i, row) => {
        for (let j = 0; j < row.length; j++) row[j] = a0[j] + alphas[i] * (a[j] - a0[j]);
      },
      (i, gradient) => {
        for (let j = 0; j < gradient.length; j++) meanGradient[j] += weights[i] * gradient[j];
      },
    );
    const attributions = meanGradient.map((g, j) => g * (a[j] - a0[j]));
    await ctx.checkpoint();
    const [atInput, atBaseline] = scoresWithLayer(model, layer, x, captured.shape, [a, a0], target);
    ctx.progress(1);
    const total = attributions.reduce((s, v) => s + v, 0);
    return {
      attributions: toAttributionTensor(toInputLayout(attributions, map, model.inputShape, reduction), model.inputShape),
      checks: {
        convergenceDelta: total - (atInput - atBaseline),
        inputScore: captured.scores[0],
        baselineScore: captured.scores[1],
        layerBaselineScore: atBaseline,
        layer,
        reduction,
      },
    };
  },
};
