// Array operations on host tensors (row-major), for constant folding and shape arithmetic: numpy broadcasting,
// element-wise maps, transpose, slice with steps, gather, concat and reductions. Small tensors only, so plain loops.
import type { OnnxDType } from '../dtypes';
import { allocate, castValue, sizeOf, type HostTensor } from '../hostTensor';

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Numpy (multidirectional) broadcast of shapes; undefined when they do not broadcast. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = rank - s.length + i;
      const v = s[i];
      if (out[d] === 1) out[d] = v;
      else if (v !== 1 && v !== out[d]) return undefined;
    }
  }
  return out;
}

/** Strides of `shape` read as `outShape` (broadcast dims get stride 0). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => (d < offset || shape[d - offset] === 1 ? 0 : own[d - offset]));
}

/** Calls visit(outIndex, inputOffsets) for every element of outShape. */
function forEachBroadcast(outShape: number[], inputs: (readonly number[])[], visit: (i: number, offsets: number[]) => void): void {
  const strides = inputs.map((s) => broadcastStrides(s, outShape));
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(inputs.length).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (index[d] < outShape[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * outShape[d];
      index[d] = 0;
    }
  }
}

/** Element-wise map over broadcast inputs; results rounded to the output dtype. */
export function mapHost(inputs: HostTensor[], dtype: OnnxDType, f: (...v: number[]) => number): HostTensor {
  const shape = broadcastShapes(...inputs.map((t) => t.shape));
  if (!shape) throw new Error(`shapes ${inputs.map((t) => `[${t.shape}]`).join(' and ')} do not broadcast`);
  const out = allocate(dtype, sizeOf(shape));
  const args = new Array<number>(inputs.length);
  forEachBroadcast(
    shape,
    inputs.map((t) => t.shape),
    (i, offsets) => {
      for (let k = 0; k < inputs.length; k++) args[k] = inputs[k].data[offsets[k]];
      out[i] = castValue(f(...args), dtype);
    },
  );
  return { kind: 'host', dtype, shape, data: out };
}

export function broadcastHost(t: HostTensor, shape: number[]): HostTensor {
  return mapHost([t, { kind: 'host', dtype: t.dtype, shape, data: allocate(t.dtype, sizeOf(shape)) }], t.dtype, (v) => v);
}

export function reshapeHost(t: HostTensor, shape: number[]): HostTensor {
  return { kind: 'host', dtype: t.dtype, shape: [...shape], data: t.data };
}

export function transposeHost(t: HostTensor, perm: number[]): HostTensor {
  const shape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const strides = perm.map((p) => inStrides[p]);
  const out = allocate(t.dtype, t.data.length);
  const index = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.data[offset];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      offset += strides[d];
      if (index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return { kind: 'host', dtype: t.dtype, shape, data: out };
}

/** Per-axis start, count and step (step may be negative); every axis listed. */
export interface AxisSlice {
  start: number;
  count: number;
  step: number;
}

export function sliceHost(t: HostTensor, slices: AxisSlice[]): HostTensor {
  const shape = slices.map((s) => s.count);
  const inStrides = stridesOf(t.shape);
  const out = allocate(t.dtype, sizeOf(shape));
  const rank = shape.length;
  let i = 0;
  const walk = (d: number, offset: number) => {
    if (d === rank) {
      out[i++] = t.data[offset];
      return;
    }
    const { start, count, step } = slices[d];
    for (let k = 0; k < count; k++) walk(d + 1, offset + (start + k * step) * inStrides[d]);
  };
  if (out.length) walk(0, 0);
  return { kind: 'host', dtype: t.dtype, shape, data: out };
}

export function gatherHost(t: HostTensor, indices: HostTensor, axis: number): HostTensor {
  const dim = t.shape[axis];
  const outer = sizeOf(t.shape.slice(0, axis));
  const inner = sizeOf(t.shape.slice(axis + 1));
  const shape = [...t.shape.slice(0, axis), ...indices.shape, ...t.shape.slice(axis + 1)];
  const out = allocate(t.dtype, sizeOf(shape));
  const n = indices.data.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      let idx = indices.data[j];
      if (idx < 0) idx += dim;
      if (idx < 0 || idx >= dim) throw new Error(`index ${indices.data[j]} is out of range for a dimension of size ${dim}`);
      const src = (o * dim + idx) * inner;
      const dst = (o * n + j) * inner;
      for (let k = 0; k < inner; k++) out[dst + k] = t.data[src + k];
    }
  }
  return { kind: 'host', dtype: t.dtype, shape, data: out };
}

export function concatHost(ts: HostTensor[], axis: number): HostTensor {
  const base = ts[0].shape;
  const shape = [...base];
  shape[axis] = ts.reduce((a, t) => a + t.shape[axis], 0);
  const outer = sizeOf(base.slice(0, axis));
  const out = allocate(ts[0].dtype, sizeOf(shape));
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const chunk = sizeOf(t.shape.slice(axis));
      out.set(t.data.subarray(o * chunk, (o + 1) * chunk), pos);
      pos += chunk;
    }
  }
  return { kind: 'host', dtype: ts[0].dtype, shape, data: out };
}

/** Reduces the given axes with f(accumulator, value), starting from `init`; `finish` maps (acc, count). */
export function reduceHost(
  t: HostTensor,
  axes: number[],
  keepDims: boolean,
  init: number,
  f: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number = (a) => a,
): HostTensor {
  const reduced = new Set(axes);
  const keptShape = t.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const acc = new Float64Array(sizeOf(keptShape)).fill(init);
  const outStrides = stridesOf(keptShape);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < t.data.length; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) if (!reduced.has(d)) o += index[d] * outStrides[d];
    acc[o] = f(acc[o], t.data[i]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
  }
  const count = sizeOf(axes.map((a) => t.shape[a]));
  const out = allocate(t.dtype, acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = castValue(finish(acc[i], count), t.dtype);
  const shape = keepDims ? keptShape : t.shape.filter((_, i) => !reduced.has(i));
  return { kind: 'host', dtype: t.dtype, shape, data: out };
}

/** A negative axis counts from the end; out of range throws. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
