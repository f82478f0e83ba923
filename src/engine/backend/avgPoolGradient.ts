// The gradients of AvgPool and AvgPool3D, corrected. tfjs' own (AvgPool_grad.js, AvgPool3D_grad.js) divide every
// window's gradient by the full window volume, but the forward passes (like TF's) divide by the number of in-bounds
// elements when padding is 'same': at the borders the stock gradient is too small (¼ instead of 1 at a 2×2 corner)
// and is not the derivative of the function tfjs computes. Scaling dy by volume / count per output position first
// makes the stock AvgPoolGrad / AvgPool3DGrad kernels return the true derivative, on every backend. Whole windows
// (valid padding) are unchanged.
import * as tf from '@tensorflow/tfjs';

/** In-bounds elements of each output position's window along one axis. */
function counts(outSize: number, inSize: number, filter: number, stride: number, padBefore: number): number[] {
  return Array.from({ length: outSize }, (_, o) => {
    const start = o * stride - padBefore;
    return Math.min(start + filter, inSize) - Math.max(start, 0);
  });
}

interface Axis {
  out: number;
  in: number;
  filter: number;
  stride: number;
  pad: number;
}

/** volume / count per output position (row-major over the axes), or undefined when every window is whole. */
export function borderScale(axes: Axis[]): Float32Array | undefined {
  const perAxis = axes.map((a) => counts(a.out, a.in, a.filter, a.stride, a.pad));
  if (perAxis.every((c, d) => c.every((v) => v === axes[d].filter))) return undefined;
  const volume = axes.reduce((p, a) => p * a.filter, 1);
  const size = axes.reduce((p, a) => p * a.out, 1);
  const scale = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let rest = i;
    let count = 1;
    for (let d = axes.length - 1; d >= 0; d--) {
      count *= perAxis[d][rest % axes[d].out];
      rest = Math.floor(rest / axes[d].out);
    }
    scale[i] = count > 0 ? volume / count : 0;
  }
  return scale;
}

type PoolAttrs = tf.AvgPoolAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };

/** The config for one of the two kernels; `rank` is the rank of a batched input (4 or 5). */
function corrected(kernelName: string, gradKernel: string, rank: 4 | 5): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
      return {
        x: () => {
          const single = x.rank === rank - 1;
          const dyB = single ? tf.expandDims(dy as tf.Tensor, 0) : (dy as tf.Tensor);
          const xB = single ? tf.expandDims(x, 0) : x;
          let axes: Axis[];
          if (rank === 4) {
            const i = tf.backend_util.computePool2DInfo(xB.shape as [number, number, number, number], filterSize as [number, number], strides as [number, number], 1, pad, dimRoundingMode);
            axes = [
              { out: i.outHeight, in: i.inHeight, filter: i.filterHeight, stride: i.strideHeight, pad: i.padInfo.top },
              { out: i.outWidth, in: i.inWidth, filter: i.filterWidth, stride: i.strideWidth, pad: i.padInfo.left },
            ];
          } else {
            const i = tf.backend_util.computePool3DInfo(
              xB.shape as [number, number, number, number, number],
              filterSize as unknown as [number, number, number],
              strides as unknown as [number, number, number],
              1,
              pad as 'same' | 'valid' | number,
              dimRoundingMode,
            );
            axes = [
              { out: i.outDepth, in: i.inDepth, filter: i.filterDepth, stride: i.strideDepth, pad: i.padInfo.front },
              { out: i.outHeight, in: i.inHeight, filter: i.filterHeight, stride: i.strideHeight, pad: i.padInfo.top },
              { out: i.outWidth, in: i.inWidth, filter: i.filterWidth, stride: i.strideWidth, pad: i.padInfo.left },
            ];
          }
          const scale = borderScale(axes);
          const scaled = scale ? tf.mul(dyB, tf.tensor(scale, [1, ...axes.map((a) => a.out), 1])) : dyB;
          const gradAttrs = { filterSize, strides, pad, dimRoundingMode } as unknown as tf.NamedAttrMap;
          const dx = tf.engine().runKernel(gradKernel, { dy: scaled, input: xB }, gradAttrs) as tf.Tensor;
          return single ? dx.reshape(x.shape) : dx;
        },
      };
    },
  };
}

export function registerAvgPoolGradient(): void {
  tf.registerGradient(corrected(tf.AvgPool, tf.AvgPoolGrad, 4));
  tf.registerGradient(corrected(tf.AvgPool3D, tf.AvgPool3DGrad, 5));
}
