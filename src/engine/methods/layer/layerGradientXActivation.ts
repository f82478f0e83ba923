// Layer gradient × activation (Captum's LayerGradientXActivation): a ⊙ ∇_a F at the layer's output a = layer(x),
// e.g. gradient × embedding for text models. One backward pass; no completeness guarantee.
import type { MethodOptions } from '../../../shared/types';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { captureLayer, layerGradientsInBatches } from './layerGradients';
import { positionMap, resolveLayerOptions, toInputLayout } from './layerTarget';

export const layerGradientXActivation: AttributionMethod = {
  id: 'layer-gradient-x-activation',
  kind: 'gradient',
  resolveOptions: (options: MethodOptions, model) => {
    const r = resolveLayerOptions(options, model);
    return { ...options, layer: r.layer, reduction: r.reduction };
  },
  async attribute(model, input, target, rawOptions, ctx) {
    const { layer, reduction } = resolveLayerOptions(rawOptions, model);
    const x = await readValues(input.x);
    const captured = captureLayer(model, layer, [x], target);
    const a = captured.values[0];
    const map = positionMap(layer, captured.shape, model.inputShape);
    const attributions = new Float64Array(a.length);
    await layerGradientsInBatches(
      model,
      layer,
      x,
      captured.shape,
      target,
      1,
      ctx,
      (_, row) => row.set(a),
      (_, gradient) => {
        for (let j = 0; j < gradient.length; j++) attributions[j] = a[j] * gradient[j];
      },
    );
    return {
      attributions: toAttributionTensor(toInputLayout(attributions, map, model.inputShape, reduction), model.inputShape),
      checks: { inputScore: captured.scores[0], layer, reduction },
    };
  },
};
