// FusedBatchNorm (inference batch norm, also run under every layers-model gradient) for the wasm backend. The stock
// C++ kernel costs ~4 ns per element, 10–15× an XNNPACK binary op; here it is (x − mean) · (scale/√(var+ε)) + offset
// in one SIMD pass (simd.ts) with the per-channel factor computed once in JS, or without SIMD as three broadcasting
// XNNPACK ops. Subtracting the mean first keeps the stock kernel's accuracy when |mean| ≫ std. Statistics that are not
// per-channel (or scalar) go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapAddress, simdKernels, type SimdKernels } from './simd';
import { free, reshape, run, type TensorInfo } from './util';

/**
 * One SIMD pass y = (x − mean) · factor + offset. The per-channel vectors are repeated to a period of lcm(C, 4) floats
 * so every 4-float vector of x lines up with one vector of each; the < 4 trailing floats are done in JS.
 */
function affineSimd(be: BackendWasm, k: SimdKernels, x: TensorInfo, mean: TensorInfo, factor: Float32Array, offset?: TensorInfo): TensorInfo {
  const channels = factor.length;
  const n = tf.util.sizeFromShape(x.shape);
  const period = channels % 4 === 0 ? channels : channels % 2 === 0 ? 2 * channels : 4 * channels;
  const paramsInfo = be.makeOutput([3 * period], 'float32');
  const out = be.makeOutput(x.shape, 'float32');
  const params = be.typedArrayFromHeap(paramsInfo) as Float32Array; // views after makeOutput: allocation may grow the heap
  const m = be.typedArrayFromHeap(mean) as Float32Array;
  const o = offset ? (be.typedArrayFromHeap(offset) as Float32Array) : undefined;
  for (let j = 0; j < period; j++) {
    const ch = j % channels;
    params[j] = m.length === 1 ? m[0] : m[ch];
    params[period + j] = factor[ch];
    params[2 * period + j] = o ? (o.length === 1 ? o[0] : o[ch]) : 0;
  }
  const done = n & ~3;
  if (done) k.affine(heapAddress(be, x), heapAddress(be, out), 4 * done, heapAddress(be, paramsInfo), 4 * period);
  if (done < n) {
    const xs = be.typedArrayFromHeap(x) as Float32Array;
    const ys = be.typedArrayFromHeap(out) as Float32Array;
    const f = Math.fround;
    for (let i = done; i < n; i++) {
      const j = i % period;
      ys[i] = f(f(f(xs[i] - params[j]) * params[period + j]) + params[2 * period + j]);
    }
  }
  be.disposeData(paramsInfo.dataId);
  return out;
}

function fusedBatchNorm({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x, mean, variance, offset, scale } = inputs as Record<string, TensorInfo | undefined> as {
    x: TensorInfo;
    mean: TensorInfo;
    variance: TensorInfo;
    offset?: TensorInfo;
    scale?: TensorInfo;
  };
  const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
  const channels = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  const size = (t: TensorInfo) => tf.util.sizeFromShape(t.shape);
  const perChannel = (t: TensorInfo | undefined) => !t || (t.dtype === 'float32' && (size(t) === channels || size(t) === 1));
  if (x.dtype !== 'float32' || size(x) === 0 || ![mean, variance, offset, scale].every(perChannel)) {
    return run(be, 'FusedBatchNorm', inputs as Record<string, TensorInfo>, attrs);
  }
  const v = be.typedArrayFromHeap(variance) as Float32Array;
  const s = scale ? (be.typedArrayFromHeap(scale) as Float32Array) : undefined;
  const factor = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const vc = v.length === 1 ? v[0] : v[c];
    const sc = s ? (s.length === 1 ? s[0] : s[c]) : 1;
    factor[c] = sc / Math.sqrt(vc + varianceEpsilon);
  }
  const k = simdKernels(be);
  if (k) return affineSimd(be, k, x, mean, factor, offset);
  const factorInfo = be.makeOutput([channels], 'float32');
  (be.typedArrayFromHeap(factorInfo) as Float32Array).set(factor);
  const vec = (t: TensorInfo) => reshape(be, t, [size(t)]);
  const meanVec = vec(mean);
  const centered = run(be, 'Sub', { a: x, b: meanVec });
  let out = run(be, 'Multiply', { a: centered, b: factorInfo });
  free(be, meanVec, centered, factorInfo);
  if (offset) {
    const offsetVec = vec(offset);
    const shifted = run(be, 'Add', { a: out, b: offsetVec });
    free(be, offsetVec, out);
    out = shifted;
  }
  return out;
}

export const fusedBatchNormConfig: tf.KernelConfig = {
  kernelName: tf.FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: fusedBatchNorm as unknown as tf.KernelFunc,
};
