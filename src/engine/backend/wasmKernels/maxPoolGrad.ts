// MaxPoolGrad for the wasm backend: one pass over the pooling windows on the wasm heap, channels innermost so reads
// are contiguous, adding each dy to the position of its window's maximum: SIMD (poolGradSimd.ts), or the JS loop
// below where the SIMD module cannot run. The stock C++ kernel is ~35× slower than the forward pool. Same choice of
// maximum as tfjs (first strictly greater value in row-major window order; positions in the padding and NaN never
// win), so ties — common after ReLU — route the gradient identically.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { poolGradSimd } from './poolGradSimd';
import { simdKernels } from './simd';
import { run, type TensorInfo } from './util';

function maxPoolGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return run(be, 'MaxPoolGrad', inputs as Record<string, TensorInfo>, attrs);
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight: ih, inWidth: iw, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const k = simdKernels(be);
  if (k) return poolGradSimd(be, k, info, dy, input, 0);
  const out = be.makeOutput(input.shape, 'float32');
  const dx = be.typedArrayFromHeap(out) as Float32Array; // views after makeOutput: allocation may grow the heap
  const x = be.typedArrayFromHeap(input) as Float32Array;
  const g = be.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const offsets = new Int32Array(Math.ceil(fh / dh) * Math.ceil(fw / dw));
  const twoByTwo = fh === 2 && fw === 2 && dh === 1 && dw === 1;
  for (let b = 0; b < batchSize; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - top;
      for (let xo = 0; xo < ow; xo++) {
        const x0 = xo * sw - left;
        const dyBase = ((b * oh + y) * ow + xo) * c;
        if (twoByTwo && y0 >= 0 && y0 + 1 < ih && x0 >= 0 && x0 + 1 < iw) {
          // The common 2×2 window, unrolled: ~1.5× faster than the general loop below.
          const p00 = ((b * ih + y0) * iw + x0) * c;
          const p01 = p00 + c;
          const p10 = p00 + iw * c;
          const p11 = p10 + c;
          for (let ch = 0; ch < c; ch++) {
            let bv = -Infinity;
            let bi = -1;
            let v = x[p00 + ch];
            if (v > bv) {
              bv = v;
              bi = p00 + ch;
            }
            v = x[p01 + ch];
            if (v > bv) {
              bv = v;
              bi = p01 + ch;
            }
            v = x[p10 + ch];
            if (v > bv) {
              bv = v;
              bi = p10 + ch;
            }
            v = x[p11 + ch];
            if (v > bv) {
              bv = v;
              bi = p11 + ch;
            }
            if (bi >= 0) dx[bi] += g[dyBase + ch];
          }
          continue;
        }
        // The window's in-bounds positions, row-major (the order that decides ties).
        let count = 0;
        for (let ky = 0; ky < fh; ky += dh) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= ih) continue;
          for (let kx = 0; kx < fw; kx += dw) {
            const ix = x0 + kx;
            if (ix >= 0 && ix < iw) offsets[count++] = ((b * ih + iy) * iw + ix) * c;
          }
        }
        for (let ch = 0; ch < c; ch++) {
          let bv = -Infinity;
          let bi = -1;
          for (let j = 0; j < count; j++) {
            const p = offsets[j] + ch;
            const v = x[p];
            if (v > bv) {
              bv = v;
              bi = p;
            }
          }
          if (bi >= 0) dx[bi] += g[dyBase + ch];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
