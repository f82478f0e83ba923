// Conv3DBackpropInputV2 for the wasm backend, as a correction: the stock kernel (tfjs-backend-wasm 4.22) returns
// wrong input gradients for 3D convolutions (off by up to 70% of the gradient's size on a 6×6×5 'same' conv, against
// the cpu backend), so 3D convolutional models got wrong attributions. This is the definition, computed directly:
// every output gradient dy[o] is spread back over the input positions its window read, weighted by the filter,
// channels innermost so both the filter and dx are read contiguously.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './util';

function conv3dBackpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { pad, strides, inputShape } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv3DBackpropInputV2 takes float32 tensors');
  const info = tf.backend_util.computeConv3DInfo(
    inputShape as [number, number, number, number, number],
    filter.shape as [number, number, number, number, number],
    strides,
    1,
    pad,
  );
  const { batchSize, inDepth, inHeight, inWidth, inChannels: ci, outDepth, outHeight, outWidth, outChannels: co } = info;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw, filterDepth: fd, filterHeight: fh, filterWidth: fw } = info;
  const { front, top, left } = info.padInfo;
  const out = be.makeOutput(info.inShape, 'float32');
  // Views after makeOutput: the allocation may grow the heap.
  const dx = be.typedArrayFromHeap(out) as Float32Array;
  const g = be.typedArrayFromHeap(dy) as Float32Array;
  const w = be.typedArrayFromHeap(filter) as Float32Array;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let od = 0; od < outDepth; od++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          const gBase = ((((b * outDepth + od) * outHeight + oh) * outWidth + ow) * co) | 0;
          for (let kd = 0; kd < fd; kd++) {
            const id = od * sd - front + kd;
            if (id < 0 || id >= inDepth) continue;
            for (let kh = 0; kh < fh; kh++) {
              const ih = oh * sh - top + kh;
              if (ih < 0 || ih >= inHeight) continue;
              for (let kw = 0; kw < fw; kw++) {
                const iw = ow * sw - left + kw;
                if (iw < 0 || iw >= inWidth) continue;
                const xBase = (((b * inDepth + id) * inHeight + ih) * inWidth + iw) * ci;
                const wBase = ((kd * fh + kh) * fw + kw) * ci * co;
                for (let c = 0; c < ci; c++) {
                  let acc = 0;
                  const wRow = wBase + c * co;
                  for (let o = 0; o < co; o++) acc += g[gBase + o] * w[wRow + o];
                  dx[xBase + c] += acc;
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

export const conv3dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  backendName: 'wasm',
  kernelFunc: conv3dBackpropInput as unknown as tf.KernelFunc,
};
