// Input gradient of FusedBatchNorm (BatchNormalization at inference) on the wasm backend as one broadcast multiply:
// dx = dy · scale/√(variance + ε). tfjs's gradient tiles 1/√(variance + ε) to the full activation shape, multiplies
// twice, and eagerly computes x − mean and dy · scale for the statistics' gradients even when only dx is wanted: five
// full-size passes per BatchNorm instead of one. Gradients of mean, variance, scale and offset (training) still come
// from tfjs's own gradient, run only when asked for. Other backends keep tfjs's gradient unchanged.
import * as tf from '@tensorflow/tfjs';

/** Replaces the FusedBatchNorm gradient with one whose input gradient is a single multiply on wasm. Idempotent. */
export function registerBatchNormGradient(): void {
  const stock = tf.getGradient(tf.FusedBatchNorm);
  if (!stock || (stock as { lens?: boolean }).lens) return;
  const config: tf.GradConfig & { lens: boolean } = {
    kernelName: tf.FusedBatchNorm,
    inputsToSave: stock.inputsToSave,
    lens: true,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'wasm') return stock.gradFunc(dy, saved, attrs);
      const [, , variance, scale] = saved;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      // Each statistic's gradient reruns tfjs's gradient in its own tidy: sharing one run would let the engine
      // dispose the intermediates it keeps between them.
      const fromStock = (name: string) => () => stock.gradFunc(dy, saved, attrs)[name]();
      return {
        x: () =>
          tf.tidy(() => {
            let factor = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
            if (scale) factor = tf.mul(factor, scale);
            return tf.mul(dy as tf.Tensor, factor);
          }),
        mean: fromStock('mean'),
        variance: fromStock('variance'),
        scale: fromStock('scale'),
        offset: fromStock('offset'),
      };
    },
  };
  tf.registerGradient(config);
}
