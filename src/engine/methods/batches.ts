// The loop every method shares: evaluate `total` inputs, built row by row on the CPU, in batches, awaiting
// ctx.checkpoint() before each batch (cancellation) and reporting progress after it.
//
// Batch size: at most ctx.batchSize, and, under a memory budget, as many inputs as fit in it. The first batch holds
// one input and is measured (tfjs' peak tensor bytes while it runs, above what was allocated before); the others
// hold floor(budget / bytes per input). So peak memory follows the budget, not the number of steps or samples.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../models/types';
import { sizeOf } from './shape';
import type { RunContext } from './types';

/** Writes input number `index` into `row` (length = input size). */
export type FillRow = (index: number, row: Float32Array) => void;

/** Inputs per batch once one input is known to take `bytesPerInput` at peak. */
export function batchSizeForBudget(maxBatch: number, budgetBytes: number | undefined, bytesPerInput: number): number {
  const cap = Math.max(1, Math.floor(maxBatch));
  if (budgetBytes === undefined || !(bytesPerInput > 0)) return cap;
  return Math.max(1, Math.min(cap, Math.floor(budgetBytes / bytesPerInput)));
}

/**
 * Plans batch sizes for one loop. `measure` wraps a batch's work when the next size depends on it; `next` gives
 * the size of the following batch.
 */
export class BatchPlanner {
  private bytesPerInput: number | undefined;

  constructor(private readonly ctx: Pick<RunContext, 'batchSize' | 'memoryBudgetBytes'>) {}

  /** True while the batch about to run should be one input, measured. */
  get calibrating(): boolean {
    return this.ctx.memoryBudgetBytes !== undefined && this.bytesPerInput === undefined;
  }

  next(remaining: number): number {
    const size = this.calibrating ? 1 : batchSizeForBudget(this.ctx.batchSize, this.ctx.memoryBudgetBytes, this.bytesPerInput ?? 0);
    return Math.min(size, remaining);
  }

  /** Runs one batch's work; while calibrating, records its peak tensor bytes per input. */
  async run<T>(count: number, work: () => Promise<T>): Promise<T> {
    if (!this.calibrating) return work();
    const before = tf.memory().numBytes;
    let result: T | undefined;
    const peak = await peakBytesDuring(async () => {
      result = await work();
    });
    this.bytesPerInput = Math.max(1, (peak - before) / count);
    return result as T;
  }

  /** Bytes one input took at peak, once measured. */
  get measuredBytesPerInput(): number | undefined {
    return this.bytesPerInput;
  }
}

/** tfjs 4.x's per-kernel profiler (engine.profiler), swapped for a light one while only memory is measured. */
interface KernelProfiler {
  profileKernel(kernelName: string, inputs: unknown, f: () => tf.Tensor[]): unknown;
}

/** The engine state tf.profile uses (tfjs 4.x): profiles do not nest, so an enclosing one is restored by hand. */
interface ProfilingState {
  profiling: boolean;
  activeProfile: { kernels: unknown[] };
}

/**
 * Peak tensor bytes (tfjs' count, all tensors) while `work` runs. Uses tf.profile; when a profile is already running
 * (a benchmark or test measuring the whole method), its kernel record is kept so its own peak stays right.
 */
export async function peakBytesDuring(work: () => Promise<void>): Promise<number> {
  const engine = tf.engine() as unknown as { state: ProfilingState; profiler?: KernelProfiler };
  const state = engine.state;
  const outer = state.profiling ? state.activeProfile.kernels.slice() : undefined;
  const start = tf.memory().numBytes;
  // Only the memory snapshots are wanted: tfjs's profiler also times every kernel and reads every output back (NaN
  // checks), which costs more than a small batch itself. Outside an enclosing profile, a light one stands in.
  const profiler = engine.profiler;
  const profileKernel = profiler?.profileKernel;
  if (profiler && profileKernel && !outer) {
    profiler.profileKernel = (kernelName, inputs, f) => ({ kernelName, inputs, outputs: f(), timeMs: 0, extraInfo: '' });
  }
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      await work();
      return [];
    });
  } finally {
    if (profiler && profileKernel) profiler.profileKernel = profileKernel;
  }
  if (outer) {
    state.profiling = true;
    state.activeProfile.kernels = [...outer, ...info.kernels];
  }
  // A batch with no kernel (a cached input) never raised memory above where it started.
  return Number.isFinite(info.peakBytes) ? Math.max(start, info.peakBytes) : start;
}

/**
 * Runs `evaluate` on batches of rows and hands each batch's values (read asynchronously) to `consume`
 * with the row data. Tensors are disposed before the next checkpoint, so a cancel leaks nothing.
 */
export async function inBatches(
  model: ExplainableModel,
  total: number,
  ctx: RunContext,
  fill: FillRow,
  evaluate: (xs: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>,
  consume: (start: number, count: number, values: Float32Array, rows: Float32Array) => void,
): Promise<void> {
  const size = sizeOf(model.inputShape);
  const planner = new BatchPlanner(ctx);
  for (let start = 0; start < total; ) {
    await ctx.checkpoint();
    const count = planner.next(total - start);
    await planner.run(count, async () => {
      const rows = new Float32Array(count * size);
      for (let r = 0; r < count; r++) fill(start + r, rows.subarray(r * size, (r + 1) * size));
      const xs = tf.tensor(rows, [count, ...model.inputShape], 'float32');
      let out: tf.Tensor | undefined;
      try {
        out = await evaluate(xs);
        const values = (await out.data()) as Float32Array;
        consume(start, count, values, rows);
      } finally {
        xs.dispose();
        out?.dispose();
      }
    });
    start += count;
    ctx.progress(start / total);
  }
}

/** A RunContext whose progress maps [0, 1] onto [from, to] of the parent's, for methods that run another one. */
export function subContext(ctx: RunContext, from: number, to: number): RunContext {
  return {
    batchSize: ctx.batchSize,
    ...(ctx.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: ctx.memoryBudgetBytes } : {}),
    ...(ctx.nativeBatchSize !== undefined ? { nativeBatchSize: ctx.nativeBatchSize } : {}),
    checkpoint: () => ctx.checkpoint(),
    progress: (fraction, message) => ctx.progress(from + (to - from) * fraction, message),
  };
}
