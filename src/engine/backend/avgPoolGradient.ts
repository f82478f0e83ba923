// The gradient of AvgPool, corrected. tfjs' own (AvgPool_grad.js → AvgPoolGrad) divides every window's gradient by
// the full window area, but its forward pass (like TF's) divides by the number of in-bounds elements when padding is
// 'same': at the borders the stock gradient is too small (¼ instead of 1 at a 2×2 corner) and is not the derivative
// of the function tfjs computes. Scaling dy by area / count per output position first makes the stock AvgPoolGrad
// kernel return the true derivative, on every backend. Valid padding (count = area everywhere) is unchanged.
import * as tf from '@tensorflow/tfjs';

/** In-bounds elements of each output position's window along one axis. */
function counts(outSize: number, inSize: number, filter: number, stride: number, padBefore: number): number[] {
  return Array.from({ length: outSize }, (_, o) => {
    const start = o * stride - padBefore;
    return Math.min(start + filter, inSize) - Math.max(start, 0);
  });
}

/** area / count per output position [1, oh, ow, 1], or undefined when every window is whole. */
export function borderScale(info: tf.backend_util.Conv2DInfo): Float32Array | undefined {
  const rows = counts(info.outHeight, info.inHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const cols = counts(info.outWidth, info.inWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const area = info.filterHeight * info.filterWidth;
  if (rows.every((r) => r === info.filterHeight) && cols.every((c) => c === info.filterWidth)) return undefined;
  const scale = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => (scale[i * cols.length + j] = r * c > 0 ? area / (r * c) : 0)));
  return scale;
}

const avgPoolGradient: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
    return {
      x: () => {
        const single = x.rank === 3;
        const dy4 = (single ? tf.expandDims(dy as tf.Tensor, 0) : dy) as tf.Tensor4D;
        const x4 = (single ? tf.expandDims(x, 0) : x) as tf.Tensor4D;
        const info = tf.backend_util.computePool2DInfo(x4.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
        const scale = borderScale(info);
        const scaled = scale ? tf.mul(dy4, tf.tensor4d(scale, [1, info.outHeight, info.outWidth, 1])) : dy4;
        const dx = tf.engine().runKernel(tf.AvgPoolGrad, { dy: scaled, input: x4 }, { filterSize, strides, pad }) as tf.Tensor;
        return single ? dx.reshape(x.shape) : dx;
      },
    };
  },
};

export function registerAvgPoolGradient(): void {
  tf.registerGradient(avgPoolGradient);
}
