// Gradients of the target score at many inputs, ctx.batchSize per backward pass.
//
// Two paths compute them: the model's fast path when it has one (ONNX models: a backward graph run by ONNX Runtime,
// models/onnx/gradient/), else tfjs differentiating model.predict. The environment variable
// ATTRIBUTION_LENS_GRADIENTS=tfjs forces the tfjs path (parity tests, benchmarks; util/fastPaths.ts). Methods
// report the path in their checks (checks.gradientPath).
import type { ExplainableModel } from '../../models/types';
import { fastGradientBytesPerRow } from '../../models/onnx/gradient/memory';
import { batchSizeForBudget, inBatches, type FillRow } from '../batches';
import { sizeOf } from '../shape';
import type { RunContext } from '../types';
import { GRADIENTS_ENV, fastGradientsEnabled } from '../../util/fastPaths';
import { targetGradient } from './targetGradient';

/** Called once per input, in index order, with that input's gradient and the input itself. */
export type ConsumeGradient = (index: number, gradient: Float32Array, input: Float32Array) => void;

/** 'onnxruntime' (ONNX backward graph), 'tfjs', or what a model's fast path says it is (e.g. worker threads). */
export type GradientPath = string;

export { GRADIENTS_ENV, fastGradientsEnabled };

/**
 * The context for the batches: on the fast path its batch size also respects the memory budget for the native
 * memory the fast path uses, which tfjs' accounting (batches.ts measures tfjs tensors) cannot see.
 */
function budgetedContext(model: ExplainableModel, ctx: RunContext): RunContext {
  // Fast paths that are tfjs underneath (worker threads) keep tfjs' own calibration (batches.ts).
  if (ctx.memoryBudgetBytes === undefined || (model.fastGradientPath ?? 'onnxruntime').startsWith('tfjs')) return ctx;
  const budget = ctx.memoryBudgetBytes;
  const cap = ctx.nativeBatchSize ?? ctx.batchSize;
  return {
    get batchSize() {
      // Until the native session exists its memory per row is unknown: one row first, then as many as fit.
      const native = fastGradientBytesPerRow(model);
      return native === undefined ? 1 : batchSizeForBudget(cap, budget, native);
    },
    // No memoryBudgetBytes: the tfjs-side calibration would measure tensors this path hardly makes, under a profiler.
    checkpoint: () => ctx.checkpoint(),
    progress: (fraction, message) => ctx.progress(fraction, message),
  };
}

/** Whether the model's gradients will run on ONNX Runtime (its fast path prepared and in use). */
export async function nativeGradientPath(model: ExplainableModel): Promise<boolean> {
  if (!fastGradientsEnabled() || typeof model.gradientsFast !== 'function') return false;
  if (model.prepareFastPaths && !(await model.prepareFastPaths())) return false;
  return (model.fastGradientPath ?? 'onnxruntime').startsWith('onnxruntime');
}

/**
 * The native loop: rows filled into one reused array and handed to the model's raw fast path, gradients consumed from
 * the arrays it returns, no tfjs tensors. Resolves to how many inputs it did (fewer than `total` when the fast path
 * turned out to be unavailable: the caller does the rest).
 */
async function nativeBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  consume: ConsumeGradient,
): Promise<number> {
  const size = sizeOf(model.inputShape);
  let rows = new Float32Array(0);
  let start = 0;
  while (start < total) {
    await ctx.checkpoint();
    const count = Math.max(1, Math.min(ctx.batchSize, total - start));
    if (rows.length < count * size) rows = new Float32Array(count * size);
    const batch = rows.subarray(0, count * size);
    for (let r = 0; r < count; r++) fill(start + r, batch.subarray(r * size, (r + 1) * size));
    const grads = await model.gradientsFastRaw!(batch, count, target);
    if (!grads) break;
    for (let r = 0; r < count; r++) consume(start + r, grads.subarray(r * size, (r + 1) * size), batch.subarray(r * size, (r + 1) * size));
    start += count;
    ctx.progress(start / total);
  }
  return start;
}

/** Runs the gradients; resolves to the path that computed them. */
export async function gradientsInBatches(
  model: ExplainableModel,
  target: number,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  consume: ConsumeGradient,
): Promise<GradientPath> {
  const size = sizeOf(model.inputShape);
  let fast = fastGradientsEnabled() && typeof model.gradientsFast === 'function';
  // Decided before the loop, so the batches are sized for the path that will run them.
  if (fast && model.prepareFastPaths) await model.prepareFastPaths();
  let done = 0;
  if (fast && typeof model.gradientsFastRaw === 'function' && (await nativeGradientPath(model))) {
    done = await nativeBatches(model, target, total, budgetedContext(model, ctx), fill, consume);
    if (done === total) return model.fastGradientPath ?? 'onnxruntime';
    fast = false; // the native path gave up: tfjs for the rest
  }
  let path: GradientPath = 'tfjs';
  const offset = done;
  await inBatches(
    model,
    total - offset,
    fast ? budgetedContext(model, ctx) : ctx,
    (i, row) => fill(offset + i, row),
    async (xs) => {
      if (fast) {
        const grads = await model.gradientsFast!(xs, target);
        if (grads) {
          path = model.fastGradientPath ?? 'onnxruntime';
          return grads;
        }
        // The model has no fast gradient (an op without a rule…): tfjs for this and every later batch.
        fast = false;
      }
      path = 'tfjs';
      return targetGradient(model, xs, target);
    },
    (start, count, grads, rows) => {
      for (let r = 0; r < count; r++) {
        consume(offset + start + r, grads.subarray(r * size, (r + 1) * size), rows.subarray(r * size, (r + 1) * size));
      }
    },
  );
  return path;
}
