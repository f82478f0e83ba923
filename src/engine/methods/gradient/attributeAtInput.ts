// Methods that need only the gradient at the input itself (one backward pass): saliency, input × gradient.
import type { ExplainableModel } from '../../models/types';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionResult, PreparedInput, RunContext } from '../types';
import { gradientsInBatches } from './batchedGradients';
import type { GradientRule } from './gradientRules';

/** Attributions from the gradient at the input alone (saliency, input × gradient). */
export async function attributeAtInput(
  model: ExplainableModel,
  input: PreparedInput,
  target: number,
  rule: GradientRule,
  ctx: RunContext,
): Promise<AttributionResult> {
  const x = await readValues(input.x);
  const out = new Float64Array(sizeOf(model.inputShape));
  const gradientPath = await gradientsInBatches(
    model,
    target,
    1,
    ctx,
    (_, row) => row.set(x),
    (_, gradient, row) => rule(row, gradient, out),
  );
  return { attributions: toAttributionTensor(out, model.inputShape), checks: { gradientPath } };
}
