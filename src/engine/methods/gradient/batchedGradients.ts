// Gradients of the target score at many inputs, ctx.batchSize per backward pass.
import type { ExplainableModel } from '../../models/types';
import { inBatches, type FillRow } from '../batches';
import { sizeOf } from '../shape';
import type { RunContext } from '../types';
import { targetGradient } from './targetGradient';

/** Called once per input, in index order, with that input's gradient and the input itself. */
export type ConsumeGradient = (index: number, gradient: Float32Array, input: Float32Array) => void;

export async function gradientsInBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  consume: ConsumeGradient,
): Promise<void> {
  const size = sizeOf(model.inputShape);
  await inBatches(
    model,
    total,
    ctx,
    fill,
    (xs) => targetGradient(model, xs, target),
    (start, count, grads, rows) => {
      for (let r = 0; r < count; r++) {
        consume(start + r, grads.subarray(r * size, (r + 1) * size), rows.subarray(r * size, (r + 1) * size));
      }
    },
  );
}
