// FusedBatchNorm (inference batch norm, also run under every layers-model gradient) for the wasm backend. The stock
// C++ kernel costs ~4 ns per element, 10–15× an XNNPACK binary op; here it is (x − mean) · (scale/√(var+ε)) + offset
// as three broadcasting XNNPACK ops, with the per-channel factor computed once in JS. Subtracting the mean first keeps
// the stock kernel's accuracy when |mean| ≫ std. Statistics that are not per-channel (or scalar) go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, reshape, run, type TensorInfo } from './util';

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
  const factorInfo = be.makeOutput([channels], 'float32');
  const factor = be.typedArrayFromHeap(factorInfo) as Float32Array;
  const v = be.typedArrayFromHeap(variance) as Float32Array;
  const s = scale ? (be.typedArrayFromHeap(scale) as Float32Array) : undefined;
  for (let c = 0; c < channels; c++) {
    const vc = v.length === 1 ? v[0] : v[c];
    const sc = s ? (s.length === 1 ? s[0] : s[c]) : 1;
    factor[c] = sc / Math.sqrt(vc + varianceEpsilon);
  }
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
