// Occlusion (Zeiler & Fergus 2014), as Captum's Occlusion: each sliding window in turn is replaced by the
// baseline; an element's attribution is the mean, over the windows that cover it, of F(x) − F(x with the window
// occluded). Defaults: window of 1s (each element alone), stride = window (Captum's default stride is 1).
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { fastForwardPath, scoresInBatches } from './batchedForward';
import { forEachInWindow, occlusionGeometry } from './occlusionWindows';

function resolveOcclusionOptions(options: MethodOptions, model: ExplainableModel): MethodOptions {
  const { window, stride } = occlusionGeometry(model.inputShape, options.window, options.stride);
  return { ...options, window, stride };
}

export const occlusion: AttributionMethod = {
  id: 'occlusion',
  kind: 'perturbation',
  resolveOptions: resolveOcclusionOptions,
  async attribute(model, input, target, options, ctx) {
    const shape = model.inputShape;
    const geometry = occlusionGeometry(shape, options.window, options.stride);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    // Row 0 is the input itself, row 1 + w the input with window w occluded.
    const scores = await scoresInBatches(
      model,
      target,
      1 + geometry.total,
      ctx,
      (i, row) => {
        row.set(x);
        if (i > 0) forEachInWindow(shape, geometry, i - 1, (f) => (row[f] = baseline[f]));
      },
      { fast: true },
    );
    const sum = new Float64Array(sizeOf(shape));
    const covered = new Float64Array(sizeOf(shape));
    for (let w = 0; w < geometry.total; w++) {
      const drop = scores[0] - scores[1 + w];
      forEachInWindow(shape, geometry, w, (f) => {
        sum[f] += drop;
        covered[f]++;
      });
    }
    return {
      attributions: toAttributionTensor(sum.map((v, f) => v / covered[f]), shape),
      checks: { windows: geometry.total, inputScore: scores[0], forwardPath: fastForwardPath(model) },
    };
  },
};
