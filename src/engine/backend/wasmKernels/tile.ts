// Tile for the wasm backend. tfjs's FusedBatchNorm gradient tiles the per-channel 1/√(var+ε) to the full activation
// shape ([1,1,1,C] → [N,H,W,C]), and the stock C++ Tile computes an index per element (~12 ns each), which made it the
// largest cost of a MobileNet input gradient. Here the input is placed once and then doubled with copyWithin (memmove)
// along each tiled axis, so the work is a few large block copies. Tiles made of tiny blocks take a plain per-element
// loop instead, like the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { run, type TensorInfo } from './util';

/** Block copies the doubling plan needs. */
function copyCount(shape: number[], reps: number[]): number {
  const n = shape.length;
  let calls = 0;
  let outer = 1;
  for (let a = 0; a < n; a++) {
    if (reps[a] > 1) calls += outer * Math.ceil(Math.log2(reps[a]));
    outer *= shape[a];
  }
  calls += outer / shape[n - 1]; // placing the rows of x
  return calls;
}

function tile({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as unknown as tf.TileAttrs;
  const shape = x.shape;
  const n = shape.length;
  const outShape = shape.map((s, i) => s * reps[i]);
  const outSize = tf.util.sizeFromShape(outShape);
  const numeric = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
  if (!numeric || n === 0) return run(be, 'Tile', { x }, attrs);
  const out = be.makeOutput(outShape, x.dtype);
  if (outSize === 0) return out;
  const o = be.typedArrayFromHeap(out) as Float32Array; // after makeOutput: allocation may grow the heap
  const xs = be.typedArrayFromHeap(x) as Float32Array;
  // Block copies cost ~50 ns each: below ~32 values per copy an element loop is cheaper.
  if (copyCount(shape, reps) * 32 > outSize) {
    tileByElement(xs, shape, outShape, o);
    return out;
  }
  const strides = new Array<number>(n);
  strides[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) strides[i] = strides[i + 1] * outShape[i + 1];

  // 1) x into the first tile, row by row.
  const row = shape[n - 1];
  const rows = xs.length / row;
  const idx = new Array<number>(n).fill(0);
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (let j = 0; j < n - 1; j++) off += idx[j] * strides[j];
    o.set(xs.subarray(r * row, (r + 1) * row), off);
    for (let j = n - 2; j >= 0; j--) {
      if (++idx[j] < shape[j]) break;
      idx[j] = 0;
    }
  }
  // 2) From the innermost axis out: the block of the first tile along axis a (complete in the inner axes) is
  //    contiguous, so it is repeated by doubling.
  for (let a = n - 1; a >= 0; a--) {
    if (reps[a] === 1) continue;
    const block = shape[a] * strides[a];
    const total = block * reps[a];
    const outerIdx = new Array<number>(a).fill(0);
    let outerCount = 1;
    for (let j = 0; j < a; j++) outerCount *= shape[j];
    for (let k = 0; k < outerCount; k++) {
      let base = 0;
      for (let j = 0; j < a; j++) base += outerIdx[j] * strides[j];
      for (let filled = block; filled < total; ) {
        const len = Math.min(filled, total - filled);
        o.copyWithin(base + filled, base, base + len);
        filled += len;
      }
      for (let j = a - 1; j >= 0; j--) {
        if (++outerIdx[j] < shape[j]) break;
        outerIdx[j] = 0;
      }
    }
  }
  return out;
}

function tileByElement(xs: Float32Array, shape: number[], outShape: number[], o: Float32Array): void {
  const n = shape.length;
  const inStrides = [...tf.util.computeStrides(shape), 1];
  const idx = new Array<number>(n).fill(0);
  for (let i = 0; i < o.length; i++) {
    let src = 0;
    for (let j = 0; j < n; j++) src += (idx[j] % shape[j]) * inStrides[j];
    o[i] = xs[src];
    for (let j = n - 1; j >= 0; j--) {
      if (++idx[j] < outShape[j]) break;
      idx[j] = 0;
    }
  }
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
