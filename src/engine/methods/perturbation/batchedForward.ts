// Target scores at many perturbed inputs, ctx.batchSize per forward pass (no gradients: perturbation methods).
import type { ExplainableModel } from '../../models/types';
import { inBatches, type FillRow } from '../batches';
import type { RunContext } from '../types';
import { targetScores } from '../gradient/targetGradient';

/** F_target of the `total` inputs that `fill` writes, in index order, as float64. */
export async function scoresInBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
): Promise<Float64Array> {
  const scores = new Float64Array(total);
  await inBatches(model, total, ctx, fill, (xs) => targetScores(model, xs, target), (start, count, values) => {
    for (let r = 0; r < count; r++) scores[start + r] = values[r];
  });
  return scores;
}
