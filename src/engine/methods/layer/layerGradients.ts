// Gradients of the target score with respect to a layer's output: the input runs through the model with the layer's
// output replaced by given activations (ExplainableModel.run), ctx.batchSize activations per backward pass.
import * as tf from '@tensorflow/tfjs';
import { BatchPlanner } from '../batches';
import type { ExplainableModel } from '../../models/types';
import { sizeOf } from '../shape';
import type { RunContext } from '../types';

function oneHot(outputSize: number, target: number): tf.Tensor2D {
  const row = new Float32Array(outputSize);
  row[target] = 1;
  return tf.tensor2d(row, [1, outputSize]);
}

export interface LayerActivations {
  /** Layer output at each input, flat per input. */
  values: Float32Array[];
  /** Without the batch dimension. */
  shape: number[];
  /** Target scores of the inputs (plain forward). */
  scores: number[];
}

/** The layer's output at each of the inputs (flat values, [n, ...inputShape]) and their target scores. */
export function captureLayer(model: ExplainableModel, layer: string, inputs: Float32Array[], target: number): LayerActivations {
  const xs = tf.tensor(concat(inputs), [inputs.length, ...model.inputShape], 'float32');
  try {
    const { output, captured } = model.run!(xs, { capture: [layer] });
    const act = captured[layer];
    const scores = tf.tidy(() => tf.sum(tf.mul(output, oneHot(model.outputSize, target)), 1));
    const flat = act.dataSync() as Float32Array;
    const size = act.size / inputs.length;
    const result = {
      values: inputs.map((_, i) => Float32Array.from(flat.subarray(i * size, (i + 1) * size))),
      shape: act.shape.slice(1),
      scores: Array.from(scores.dataSync()),
    };
    tf.dispose([output, act, scores]);
    return result;
  } finally {
    xs.dispose();
  }
}

function concat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** Target scores of input x with the layer's output replaced by each of the given activations. */
export function scoresWithLayer(model: ExplainableModel, layer: string, x: Float32Array, layerShape: number[], acts: Float32Array[], target: number): number[] {
  return tf.tidy(() => {
    const n = acts.length;
    const xs = tf.tile(tf.tensor(x, [1, ...model.inputShape], 'float32'), [n, ...model.inputShape.map(() => 1)]);
    const a = tf.tensor(concat(acts), [n, ...layerShape], 'float32');
    const { output } = model.run!(xs, { replace: { [layer]: a } });
    return Array.from(tf.sum(tf.mul(output, oneHot(model.outputSize, target)), 1).dataSync());
  });
}

/**
 * For `total` activations written by `fill`, the gradient of the target score at input x with the layer's output
 * replaced by that activation; handed to `consume` in index order.
 */
export async function layerGradientsInBatches(
  model: ExplainableModel,
  layer: string,
  x: Float32Array,
  layerShape: number[],
  target: number,
  total: number,
  ctx: RunContext,
  fill: (index: number, row: Float32Array) => void,
  consume: (index: number, gradient: Float32Array) => void,
): Promise<void> {
  const size = sizeOf(layerShape);
  const planner = new BatchPlanner(ctx);
  const xTensor = tf.tensor(x, [1, ...model.inputShape], 'float32');
  const mask = oneHot(model.outputSize, target);
  try {
    for (let start = 0; start < total; ) {
      await ctx.checkpoint();
      const count = planner.next(total - start);
      await planner.run(count, async () => {
        const rows = new Float32Array(count * size);
        for (let r = 0; r < count; r++) fill(start + r, rows.subarray(r * size, (r + 1) * size));
        const gradients = tf.tidy(() => {
          const xs = tf.tile(xTensor, [count, ...model.inputShape.map(() => 1)]);
          const acts = tf.tensor(rows, [count, ...layerShape], 'float32');
          return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(model.run!(xs, { replace: { [layer]: a } }).output, mask)))(acts);
        });
        try {
          const values = (await gradients.data()) as Float32Array;
          for (let r = 0; r < count; r++) consume(start + r, values.subarray(r * size, (r + 1) * size));
        } finally {
          gradients.dispose();
        }
      });
      start += count;
      ctx.progress(start / total);
    }
  } finally {
    tf.dispose([xTensor, mask]);
  }
}
