// What the backward graph needs to know about each forward value, found by running the model once through ONNX
// Runtime with every intermediate as an extra output, at batch 1 and at a larger batch: each value's shape, which of
// its dimensions follow the batch, its element type, and — for small integer values that do not change with the
// batch (pads, axes, slice bounds computed by shape arithmetic) — the values themselves.
import type * as Ort from 'onnxruntime-node';
import type { OnnxDType } from '../dtypes';

export interface ValueFacts {
  /** Shape at the discovery batch. */
  dims: number[];
  /** Per dimension: whether it changed with the batch size. */
  batchDims: boolean[];
  dtype: OnnxDType;
  /** Small integer values that are the same at both batch sizes. */
  ints?: number[];
  /** Small float32 values that are the same at both batch sizes (Resize scales). */
  floats?: number[];
}

const ORT_TYPES: Record<string, OnnxDType> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

export const DISCOVERY_BATCH = 3;

/** Deterministic floats in [-1, 1). */
export function discoveryValues(n: number): Float32Array {
  const out = new Float32Array(n);
  let s = 0x1b873593;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

type Run = Record<string, Ort.Tensor>;

/** Facts from two runs of the same values (`small` at batch 1, `large` at the discovery batch, or both batch 1). */
export function factsOf(small: Run, large: Run): Map<string, ValueFacts> {
  const out = new Map<string, ValueFacts>();
  for (const [name, t] of Object.entries(large)) {
    const dtype = ORT_TYPES[t.type];
    if (!dtype) continue;
    const dims = t.dims.map(Number);
    const other = small[name]?.dims.map(Number);
    const batchDims = dims.map((d, i) => other !== undefined && other.length === dims.length && other[i] !== d);
    const facts: ValueFacts = { dims, batchDims, dtype };
    if ((dtype === 'int64' || dtype === 'int32') && t.size <= 64 && small[name] && small[name].size === t.size) {
      const a = Array.from(t.data as ArrayLike<number | bigint>, Number);
      const b = Array.from(small[name].data as ArrayLike<number | bigint>, Number);
      if (a.every((v, i) => v === b[i])) facts.ints = a;
    }
    if (dtype === 'float32' && t.size <= 16 && small[name] && small[name].size === t.size) {
      const a = Array.from(t.data as Float32Array);
      const b = Array.from(small[name].data as Float32Array);
      if (a.every((v, i) => v === b[i])) facts.floats = a;
    }
    out.set(name, facts);
  }
  return out;
}
