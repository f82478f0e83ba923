// Shared plumbing for the wasm gradient kernels: run the wasm backend's own (XNNPACK / C++) kernels on TensorInfos
// and free the intermediates, so a composed kernel costs what its fast parts cost and leaks nothing.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

/** The stock wasm kernels, captured before any override, so composed kernels never call themselves. */
const stock = new Map<string, tf.KernelFunc>();

/** Remembers the stock kernel `name` (if any) before it is replaced; returns whether one existed. */
export function captureStock(name: string): boolean {
  if (!stock.has(name)) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) return false;
    stock.set(name, k.kernelFunc);
  }
  return true;
}

/** Runs the wasm backend's stock kernel `name` (never one of ours). */
export function run(
  backend: BackendWasm,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  let f = stock.get(name);
  if (!f) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm kernel '${name}' is not registered`);
    f = k.kernelFunc;
    stock.set(name, f);
  }
  const out = f({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  return (Array.isArray(out) ? out[0] : out) as TensorInfo;
}

/** The stock kernel function for `name`, e.g. to benchmark ours against it. */
export function stockKernel(name: string): tf.KernelFunc | undefined {
  return stock.get(name) ?? tf.getKernel(name, 'wasm')?.kernelFunc;
}

/**
 * Filters derived from a weight tensor (flipped, transposed) are cached per source tensor: XNNPACK caches its packed
 * operator per filter tensor, so a fresh derived filter on every gradient step would repack the weights each time
 * (2× the cost of the matmul itself for a 1×1 conv on a 7×7 map). Tensors are immutable and each tensor has its own
 * dataId, so an entry is valid while its source is alive; entries whose source the backend has freed are dropped on
 * the next lookup. Total cached bytes are bounded; the oldest entries go first.
 */
const derivedCache = new Map<object, { backend: BackendWasm; entries: Map<string, TensorInfo>; bytes: number }>();
const cachedInfos = new WeakSet<TensorInfo>();
let derivedBytes = 0;
const DERIVED_LIMIT_BYTES = 64 * 1024 * 1024;

function dropDerived(source: object): void {
  const e = derivedCache.get(source);
  if (!e) return;
  for (const t of e.entries.values()) e.backend.disposeData(t.dataId, true);
  derivedBytes -= e.bytes;
  derivedCache.delete(source);
}

/** The filter `make()` derives from `source` under `key`, made once per source tensor. Release with releaseDerived. */
export function derivedFilter(backend: BackendWasm, source: TensorInfo, key: string, make: () => TensorInfo): TensorInfo {
  for (const [src, e] of derivedCache) if (!e.backend.dataIdMap.has(src)) dropDerived(src);
  let e = derivedCache.get(source.dataId);
  const hit = e?.entries.get(key);
  if (hit) {
    // Most recently used last, so eviction takes the oldest.
    derivedCache.delete(source.dataId);
    derivedCache.set(source.dataId, e!);
    return hit;
  }
  const made = make();
  const bytes = 4 * tf.util.sizeFromShape(made.shape);
  if (bytes > DERIVED_LIMIT_BYTES / 4) return made; // not cached: releaseDerived frees it
  if (!e) {
    e = { backend, entries: new Map(), bytes: 0 };
    derivedCache.set(source.dataId, e);
  }
  e.entries.set(key, made);
  cachedInfos.add(made);
  e.bytes += bytes;
  derivedBytes += bytes;
  for (const src of derivedCache.keys()) {
    if (derivedBytes <= DERIVED_LIMIT_BYTES || src === source.dataId) break;
    dropDerived(src);
  }
  return made;
}

/** Frees a filter from derivedFilter unless the cache keeps it. */
export function releaseDerived(backend: BackendWasm, t: TensorInfo): void {
  if (!cachedInfos.has(t)) backend.disposeData(t.dataId);
}

const otherCaches: (() => void)[] = [];

/** Registers a cache of wasm tensors for clearKernelCaches. */
export function registerCache(clear: () => void): void {
  otherCaches.push(clear);
}

/** Frees every tensor our kernels keep cached (derived filters, constant filters); tests use it to check for leaks. */
export function clearKernelCaches(): void {
  for (const src of [...derivedCache.keys()]) dropDerived(src);
  for (const clear of otherCaches) clear();
}

export function free(backend: BackendWasm, ...infos: (TensorInfo | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A reshaped view sharing the data (Reshape only bumps the refcount); free it like any other intermediate. */
export function reshape(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return run(backend, 'Reshape', { x }, { shape });
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return run(backend, 'Transpose', { x }, { perm });
}

/** Plain a[M,K]·b[K,N] (batched). The wasm BatchMatMul is ~10× slower with either transpose flag, so callers transpose first. */
export function matmul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return run(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** Sums over `axes` and drops them. */
export function sum(backend: BackendWasm, x: TensorInfo, axes: number[]): TensorInfo {
  return run(backend, 'Sum', { x }, { axis: axes, keepDims: false });
}

/**
 * Copies x[begin : begin + size] between wasm heap views. Trailing axes taken whole merge into one long run, so
 * typical crops are a few large copies (the stock Slice first copies the whole input out of the heap).
 */
export function sliceHeap(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const outSize = tf.util.sizeFromShape(size);
  if (outSize === 0) return out;
  const o = backend.typedArrayFromHeap(out) as Float32Array; // after makeOutput: allocation may grow the heap
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const shape = x.shape;
  const rank = shape.length;
  const strides = [...tf.util.computeStrides(shape), 1];
  // Innermost axis k that is cut; the axes after it are whole, so one run covers size[k]·stride[k] values.
  let k = rank - 1;
  while (k >= 0 && size[k] === shape[k]) k--;
  if (k < 0) {
    o.set(xs);
    return out;
  }
  const runLength = size[k] * strides[k];
  const runStart = begin[k] * strides[k];
  const idx = new Array<number>(k).fill(0);
  const runs = outSize / runLength;
  for (let r = 0, dst = 0; r < runs; r++, dst += runLength) {
    let src = runStart;
    for (let j = 0; j < k; j++) src += (begin[j] + idx[j]) * strides[j];
    if (runLength < 16) {
      for (let i = 0; i < runLength; i++) o[dst + i] = xs[src + i];
    } else {
      o.set(xs.subarray(src, src + runLength), dst);
    }
    for (let j = k - 1; j >= 0; j--) {
      if (++idx[j] < size[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

/** Removes rows/columns from each side of the two spatial axes of an NHWC tensor. */
export function cropHW(backend: BackendWasm, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  return sliceHeap(backend, x, [0, top, left, 0], [n, h - top - bottom, w - left - right, c]);
}

/**
 * Inserts s−1 zeros after every row/column of an NHWC tensor (the "zero dilation" of a strided conv's output
 * gradient). The result has H·sh rows: the last sh−1 are zeros the caller accounts for in its padding.
 */
export function zeroDilateHW(backend: BackendWasm, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  const six = reshape(backend, x, [n, h, 1, w, 1, c]);
  const padded = run(backend, 'PadV2', { x: six }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  free(backend, six);
  const out = reshape(backend, padded, [n, h * sh, w * sw, c]);
  free(backend, padded);
  return out;
}

/** Reverses the two spatial axes of an [H, W, ...] filter. */
export function flipHW(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  return run(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
}

export function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** A float32 tensor of zeros on the wasm heap (a skipped filter gradient). */
export function zerosOutput(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}
