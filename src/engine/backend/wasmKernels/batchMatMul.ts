// BatchMatMul for the wasm backend. The stock kernel uses XNNPACK only for a single plain product; with a transpose
// flag (every matMul gradient: dy·Wᵀ, xᵀ·dy) or a batch dimension (attention) it falls back to a naive loop that is
// 10–25× slower. Here operands are transposed explicitly (an unbatched right operand — a weight matrix, also when
// tfjs's fused matMul gradient passes it as [1, K, N] — is transposed once and cached) and batches run one XNNPACK
// product each. One to three rows times a transposed matrix (a dense layer's input gradient) are SIMD dot products
// over the matrix as stored (simd.ts gemv_nt): 1.5× faster than XNNPACK on the cached transpose, and nothing cached.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapAddress, simdKernels } from './simd';
import { derivedFilter, free, releaseDerived, reshape, run, sliceHeap, transpose, type TensorInfo } from './util';

/** Rows of a up to which a · bᵀ runs as GEMVs (each reads b once; XNNPACK's GEMM reads it once for all rows). */
const GEMV_MAX_ROWS = 3;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** x with its last two axes swapped, as a 3-D [batch, rows, cols] tensor. */
function transposed3d(backend: BackendWasm, x: TensorInfo, batch: number): TensorInfo {
  const [r, c] = x.shape.slice(-2);
  const x3 = reshape(backend, x, [batch, r, c]);
  const t = transpose(backend, x3, [0, 2, 1]);
  free(backend, x3);
  return t;
}

function batchMatMul({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const be = backend as BackendWasm;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outBatchShape);
  const plain = !transposeA && !transposeB;
  const simpleBatch = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (plain && batch === 1) || !simpleBatch || batch === 0) {
    return run(be, 'BatchMatMul', { a, b }, attrs);
  }
  // A few rows times a transposed matrix (dense input gradient dy · Wᵀ): SIMD dot products over W's rows as stored,
  // bound by reading W once per row of a; no transposed copy of W to make or cache.
  const [aRows, inner] = a.shape.slice(-2);
  const sk = simdKernels(be);
  if (sk && batch === 1 && transposeB && !transposeA && aRows <= GEMV_MAX_ROWS && inner % 4 === 0 && inner > 0) {
    const bRows = b.shape[b.shape.length - 2];
    const out = be.makeOutput([...outBatchShape, aRows, bRows], 'float32');
    const aAddr = heapAddress(be, a);
    const outAddr = heapAddress(be, out);
    const bAddr = heapAddress(be, b);
    for (let r = 0; r < aRows; r++) sk.gemv_nt(aAddr + 4 * r * inner, bAddr, outAddr + 4 * r * bRows, 4 * inner, bRows);
    return out;
  }
  // Operands as plain 3-D [batch, rows, inner] and [batch, inner, cols].
  const a3 = transposeA ? transposed3d(be, a, batchA) : reshape(be, a, [batchA, ...a.shape.slice(-2)]);
  const b3 = !transposeB
    ? reshape(be, b, [batchB, ...b.shape.slice(-2)])
    : batchB === 1
      ? derivedFilter(be, b, 'transposed', () => transposed3d(be, b, 1))
      : transposed3d(be, b, batchB);
  const [m, k] = a3.shape.slice(1);
  const n = b3.shape[2];
  const plainAttrs = { transposeA: false, transposeB: false };
  let out: TensorInfo;
  if (batch === 1) {
    const product = run(be, 'BatchMatMul', { a: a3, b: b3 }, plainAttrs);
    out = reshape(be, product, [...outBatchShape, m, n]);
    free(be, product);
  } else {
    out = be.makeOutput([...outBatchShape, m, n], 'float32');
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? reshape(be, a3, [m, k]) : sliceHeap(be, a3, [i, 0, 0], [1, m, k]);
      const bi = batchB === 1 ? reshape(be, b3, [k, n]) : sliceHeap(be, b3, [i, 0, 0], [1, k, n]);
      const ai2 = reshape(be, ai, [m, k]);
      const bi2 = reshape(be, bi, [k, n]);
      const product = run(be, 'BatchMatMul', { a: ai2, b: bi2 }, plainAttrs);
      // Views after the allocations above: they may have grown the heap.
      (be.typedArrayFromHeap(out) as Float32Array).set(be.typedArrayFromHeap(product) as Float32Array, i * m * n);
      free(be, ai, bi, ai2, bi2, product);
    }
  }
  free(be, a3);
  if (transposeB && batchB === 1) releaseDerived(be, b3);
  else free(be, b3);
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
