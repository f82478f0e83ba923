// Equal for the wasm backend when one operand is broadcast. The gradient of a max or min reduction (tfjs-layers'
// GlobalMaxPooling, Max) is dy · (x == max(x)) with the reduced max broadcast back over the reduced axes, and the stock
// kernel's broadcasting path costs a quarter of a small CNN's input gradient. Here the output is walked in row-major
// order with one running offset per operand (strides 0 on broadcast axes), innermost axis in a tight loop. Same
// shapes, other dtypes and scalars go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { run, type TensorInfo } from './util';

/** Strides of `shape` aligned to `outShape` (right-aligned), 0 on broadcast axes. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const n = outShape.length;
  const strides = new Array<number>(n).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, j = n - 1; i >= 0; i--, j--) {
    strides[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

function equal({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const be = backend as BackendWasm;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const sameShape = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || sameShape || a.shape.length === 0 || b.shape.length === 0) {
    return run(be, 'Equal', { a, b });
  }
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const out = be.makeOutput(outShape, 'bool');
  const size = tf.util.sizeFromShape(outShape);
  if (size === 0) return out;
  const o = be.typedArrayFromHeap(out) as Uint8Array; // after makeOutput: allocation may grow the heap
  const av = be.typedArrayFromHeap(a) as Float32Array;
  const bv = be.typedArrayFromHeap(b) as Float32Array;
  const n = outShape.length;
  const sa = broadcastStrides(a.shape, outShape);
  const sb = broadcastStrides(b.shape, outShape);
  const inner = outShape[n - 1]!;
  const ia = sa[n - 1]!;
  const ib = sb[n - 1]!;
  const idx = new Array<number>(n).fill(0);
  let oa = 0;
  let ob = 0;
  for (let start = 0; start < size; start += inner) {
    for (let k = 0, pa = oa, pb = ob; k < inner; k++, pa += ia, pb += ib) o[start + k] = av[pa] === bv[pb] ? 1 : 0;
    // Advance the outer index (odometer), keeping both operands' offsets.
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      oa += sa[d]!;
      ob += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      oa -= sa[d]! * outShape[d]!;
      ob -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export const equalConfig: tf.KernelConfig = {
  kernelName: tf.Equal,
  backendName: 'wasm',
  kernelFunc: equal as unknown as tf.KernelFunc,
};
