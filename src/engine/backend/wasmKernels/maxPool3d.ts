// MaxPool3D and MaxPool3DGrad for the wasm backend, as corrections: the stock kernels (tfjs-backend-wasm 4.22) start
// each window's maximum at FLT_MIN (1.2e-38, the smallest positive float) instead of −∞, so a window of negative
// values pools to 1.2e-38 and routes its gradient to the wrong element. Any 3D max pool after a convolution without
// ReLU was wrong. These follow the cpu backend: the maximum of the window's in-bounds values (NaN never wins), and
// the gradient to the last position holding it (cpu's maxPool3dPositions compares with ≥).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { run, type TensorInfo } from './util';

type Pool3DInfo = tf.backend_util.Conv3DInfo;

/** Calls `visit(xBase, yIndex, window offsets, count)` for every output position and channel-0 window. */
function forEachWindow(info: Pool3DInfo, visit: (yBase: number, offsets: Int32Array, count: number) => void): void {
  const { batchSize, inDepth, inHeight, inWidth, inChannels: c, outDepth, outHeight, outWidth } = info;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw, dilationDepth: dd, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterDepth: fd, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { front, top, left } = info.padInfo;
  const offsets = new Int32Array(Math.ceil(fd / dd) * Math.ceil(fh / dh) * Math.ceil(fw / dw));
  for (let b = 0; b < batchSize; b++) {
    for (let od = 0; od < outDepth; od++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          let count = 0;
          // Row-major window order, as the cpu backend walks it.
          for (let kd = 0; kd < fd; kd += dd) {
            const id = od * sd - front + kd;
            if (id < 0 || id >= inDepth) continue;
            for (let kh = 0; kh < fh; kh += dh) {
              const ih = oh * sh - top + kh;
              if (ih < 0 || ih >= inHeight) continue;
              for (let kw = 0; kw < fw; kw += dw) {
                const iw = ow * sw - left + kw;
                if (iw >= 0 && iw < inWidth) offsets[count++] = (((b * inDepth + id) * inHeight + ih) * inWidth + iw) * c;
              }
            }
          }
          visit((((b * outDepth + od) * outHeight + oh) * outWidth + ow) * c, offsets, count);
        }
      }
    }
  }
}

function poolInfo(shape: number[], attrs: tf.NamedAttrMap): Pool3DInfo {
  const { filterSize, strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as tf.MaxPool3DAttrs;
  return tf.backend_util.computePool3DInfo(shape as [number, number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode, dataFormat);
}

function maxPool3d({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype !== 'float32') return run(be, tf.MaxPool3D, inputs as Record<string, TensorInfo>, attrs);
  const info = poolInfo(x.shape, attrs!);
  const out = be.makeOutput(info.outShape, 'float32');
  const y = be.typedArrayFromHeap(out) as Float32Array;
  const xs = be.typedArrayFromHeap(x) as Float32Array;
  const c = info.inChannels;
  forEachWindow(info, (yBase, offsets, count) => {
    for (let ch = 0; ch < c; ch++) {
      let m = -Infinity;
      for (let j = 0; j < count; j++) {
        const v = xs[offsets[j] + ch];
        if (v > m) m = v;
      }
      y[yBase + ch] = m;
    }
  });
  return out;
}

function maxPool3dGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return run(be, tf.MaxPool3DGrad, inputs as Record<string, TensorInfo>, attrs);
  const info = poolInfo(input.shape, attrs!);
  const out = be.makeOutput(input.shape, 'float32');
  const dx = be.typedArrayFromHeap(out) as Float32Array;
  const xs = be.typedArrayFromHeap(input) as Float32Array;
  const g = be.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const c = info.inChannels;
  forEachWindow(info, (yBase, offsets, count) => {
    for (let ch = 0; ch < c; ch++) {
      let m = -Infinity;
      let at = -1;
      for (let j = 0; j < count; j++) {
        const p = offsets[j] + ch;
        if (xs[p] >= m) {
          m = xs[p];
          at = p;
        }
      }
      if (at >= 0) dx[at] += g[yBase + ch];
    }
  });
  return out;
}

export const maxPool3dConfig: tf.KernelConfig = {
  kernelName: tf.MaxPool3D,
  backendName: 'wasm',
  kernelFunc: maxPool3d as unknown as tf.KernelFunc,
};

export const maxPool3dGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPool3DGrad,
  backendName: 'wasm',
  kernelFunc: maxPool3dGrad as unknown as tf.KernelFunc,
};
