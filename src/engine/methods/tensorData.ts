// Moving input tensors to the CPU and results back: methods accumulate in float64 on the CPU,
// which keeps sums over many steps/samples exact enough for the completeness check.
import * as tf from '@tensorflow/tfjs';

/** The values of a [1, ...inputShape] (or [M, ...inputShape]) tensor, flat. */
export async function readValues(t: tf.Tensor): Promise<Float32Array> {
  const values = await t.data();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** The attributions tensor handed to the caller (who disposes it). */
export function toAttributionTensor(values: Float64Array, inputShape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values), inputShape, 'float32');
}
