// Ops that move values: Transpose, Concat, Split, Slice (any steps, negative too), Pad (constant, reflect, edge,
// wrap). The tfjs paths use only ops with gradients (slice, reverse, pad, reshape, gather), never stridedSlice.
import * as tf from '@tensorflow/tfjs';
import { hostTensor, isHost, sizeOf, type HostTensor } from '../hostTensor';
import { concatHost, mapHost, normalizeAxis, sliceHost, transposeHost, type AxisSlice } from './hostArray';
import { axesOf } from './shape';
import type { OpContext, OpDef, OpTable } from './types';

const transpose: OpDef = {
  run(ctx) {
    const rank = ctx.shape(0).length;
    const perm = ctx.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) {
      return ctx.fail(`perm [${perm}] is not a permutation of ${rank} axes`);
    }
    const v = ctx.value(0);
    return [isHost(v) ? transposeHost(v, perm) : tf.transpose(v, perm)];
  },
};

const concat: OpDef = {
  run(ctx) {
    const inputs = Array.from({ length: ctx.count }, (_, i) => i).filter((i) => ctx.has(i));
    const rank = ctx.shape(inputs[0]).length;
    const axis = normalizeAxis(ctx.attrs.int('axis') ?? ctx.fail('has no axis'), rank);
    if (ctx.allHost()) {
      const dtype = ctx.dtype(inputs[0]);
      return [concatHost(inputs.map((i) => (ctx.dtype(i) === dtype ? ctx.host(i) : mapHost([ctx.host(i)], dtype, (v) => v))), axis)];
    }
    const ts = inputs.map((i) => ctx.tensor(i));
    const dtype = ts.some((t) => t.dtype === 'float32') ? 'float32' : ts[0].dtype;
    return [tf.concat(ts.map((t) => (t.dtype === dtype ? t : tf.cast(t, dtype))), axis)];
  },
};

function splitSizes(ctx: OpContext, dim: number): number[] {
  const outputs = ctx.node.outputs.length;
  const given = ctx.opset < 13 ? ctx.attrs.ints('split') : ctx.has(1) ? ctx.numbers(1) : undefined;
  if (given) {
    if (given.length !== outputs || given.reduce((a, b) => a + b, 0) !== dim) ctx.fail(`split [${given}] does not fit a dimension of ${dim} into ${outputs} outputs`);
    return given;
  }
  const parts = ctx.attrs.int('num_outputs', outputs);
  // Opset 18: with num_outputs, all chunks have ceil(dim / n) elements but the last.
  const chunk = ctx.attrs.has('num_outputs') ? Math.ceil(dim / parts) : dim / parts;
  if (!Number.isInteger(chunk)) ctx.fail(`cannot split a dimension of ${dim} into ${parts} equal parts`);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

const split: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length);
    const sizes = splitSizes(ctx, shape[axis]);
    const v = ctx.value(0);
    if (!isHost(v)) return tf.split(v, sizes, axis);
    let offset = 0;
    return sizes.map((n) => {
      const slices = shape.map((d, i) => (i === axis ? { start: offset, count: n, step: 1 } : { start: 0, count: d, step: 1 }));
      offset += n;
      return sliceHost(v, slices);
    });
  },
};

/** Per-axis slices of Slice's starts/ends/axes/steps, clamped as the ONNX spec says. */
export function sliceGeometry(shape: number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): AxisSlice[] {
  const slices: AxisSlice[] = shape.map((d) => ({ start: 0, count: d, step: 1 }));
  const list = axes ?? starts.map((_, i) => i);
  if (starts.length !== ends.length || list.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw new Error(`starts, ends, axes and steps differ in length (${starts.length}, ${ends.length}, ${list.length}, ${steps?.length})`);
  }
  const seen = new Set<number>();
  list.forEach((a, i) => {
    const axis = normalizeAxis(a, shape.length);
    if (seen.has(axis)) throw new Error(`axis ${a} is repeated`);
    seen.add(axis);
    const dim = shape[axis];
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new Error('a step is 0');
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    slices[axis] = { start, count: Math.max(0, Math.ceil((end - start) / step)), step };
  });
  return slices;
}

/** Takes every |step|-th element along one axis of y (which starts at the first kept element). */
function subsample(y: tf.Tensor, axis: number, count: number, step: number): tf.Tensor {
  const shape = y.shape;
  const padded = count * step;
  const pads = shape.map((_, i) => (i === axis ? [0, padded - shape[axis]] : [0, 0])) as [number, number][];
  const grouped = tf.reshape(tf.pad(y, pads), [...shape.slice(0, axis), count, step, ...shape.slice(axis + 1)]);
  const first = tf.slice(grouped, grouped.shape.map(() => 0), grouped.shape.map((d, i) => (i === axis + 1 ? 1 : d)));
  return tf.reshape(first, [...shape.slice(0, axis), count, ...shape.slice(axis + 1)]);
}

export function sliceTensor(x: tf.Tensor, slices: AxisSlice[]): tf.Tensor {
  // One contiguous slice covering every kept element, then reversal and subsampling for the stepped axes.
  const begin = slices.map((s) => (s.count === 0 ? 0 : s.step > 0 ? s.start : s.start + (s.count - 1) * s.step));
  const size = slices.map((s) => (s.count === 0 ? 0 : (s.count - 1) * Math.abs(s.step) + 1));
  let y = tf.slice(x, begin, size);
  slices.forEach((s, axis) => {
    if (s.count === 0 || s.step === 1) return;
    if (s.step < 0) y = tf.reverse(y, axis);
    if (Math.abs(s.step) > 1) y = subsample(y, axis, s.count, Math.abs(s.step));
  });
  return y;
}

const slice: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    let slices: AxisSlice[];
    try {
      slices =
        ctx.opset < 10
          ? sliceGeometry(shape, ctx.attrs.ints('starts', []), ctx.attrs.ints('ends', []), ctx.attrs.ints('axes'))
          : sliceGeometry(shape, ctx.numbers(1), ctx.numbers(2), ctx.has(3) ? ctx.numbers(3) : undefined, ctx.has(4) ? ctx.numbers(4) : undefined);
    } catch (e) {
      return ctx.fail((e as Error).message);
    }
    const v = ctx.value(0);
    return [isHost(v) ? sliceHost(v, slices) : sliceTensor(v, slices)];
  },
};

/** Source index along one axis for each output position of a non-constant pad. */
function padIndices(dim: number, before: number, after: number, mode: string): number[] {
  return Array.from({ length: dim + before + after }, (_, o) => {
    let i = o - before;
    if (mode === 'edge') return Math.min(Math.max(i, 0), dim - 1);
    if (mode === 'wrap') return ((i % dim) + dim) % dim;
    // reflect, without repeating the edge: -1 → 1, dim → dim - 2.
    const period = 2 * (dim - 1);
    if (period === 0) return 0;
    i = ((i % period) + period) % period;
    return i < dim ? i : period - i;
  });
}

function padHost(t: HostTensor, pads: [number, number][], value: number): HostTensor {
  const shape = t.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out = hostTensor(t.dtype, shape, new Array<number>(sizeOf(shape)).fill(value));
  // Copy the input rows into place (pads are non-negative here; negative ones were sliced off first).
  const rank = shape.length;
  const outStrides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  let i = 0;
  const walk = (d: number, offset: number) => {
    if (d === rank) {
      out.data[offset] = t.data[i++];
      return;
    }
    for (let k = 0; k < t.shape[d]; k++) walk(d + 1, offset + (k + pads[d][0]) * outStrides[d]);
  };
  if (t.data.length) walk(0, 0);
  return out;
}

const pad: OpDef = {
  check(node) {
    const mode = node.attributes.get('mode')?.s ?? 'constant';
    return ['constant', 'reflect', 'edge', 'wrap'].includes(mode) ? undefined : `unknown mode '${mode}'`;
  },
  run(ctx) {
    const shape = ctx.shape(0);
    const rank = shape.length;
    const mode = ctx.attrs.string('mode', 'constant');
    const flat = ctx.opset < 11 ? ctx.attrs.ints('pads') ?? ctx.fail('has no pads') : ctx.numbers(1);
    const value = ctx.opset < 11 ? ctx.attrs.float('value', 0) : ctx.has(2) ? ctx.numbers(2)[0] ?? 0 : 0;
    const axes = (ctx.opset >= 18 ? axesOf(ctx, 18, 3) : undefined)?.map((a) => normalizeAxis(a, rank)) ?? shape.map((_, i) => i);
    if (flat.length !== 2 * axes.length) return ctx.fail(`has ${flat.length} pads for ${axes.length} axes`);
    const pads = shape.map(() => [0, 0] as [number, number]);
    axes.forEach((a, i) => (pads[a] = [flat[i], flat[i + axes.length]]));
    // Negative pads crop: slice them off first, then pad with the rest.
    const crop = shape.map((d, i) => ({ start: Math.max(0, -pads[i][0]), count: d + Math.min(0, pads[i][0]) + Math.min(0, pads[i][1]), step: 1 }));
    if (crop.some((c) => c.count < 0)) return ctx.fail(`pads [${flat}] crop more than the input [${shape}]`);
    const positive = pads.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
    const v = ctx.value(0);
    if (isHost(v) && mode === 'constant') return [padHost(sliceHost(v, crop), positive, value)];
    let x: tf.Tensor = isHost(v) ? ctx.tensor(0) : v;
    if (crop.some((c, i) => c.start !== 0 || c.count !== shape[i])) x = sliceTensor(x, crop);
    if (mode === 'constant') return [tf.pad(x, positive, value)];
    positive.forEach(([b, e], axis) => {
      if (b === 0 && e === 0) return;
      if (x.shape[axis] === 0) ctx.fail(`cannot ${mode}-pad an empty axis`);
      if (mode === 'reflect' && (b >= x.shape[axis] || e >= x.shape[axis])) ctx.fail(`reflect pads [${b}, ${e}] must be smaller than the axis (${x.shape[axis]})`);
      x = tf.gather(x, tf.tensor1d(padIndices(x.shape[axis], b, e, mode), 'int32'), axis);
    });
    return [x];
  },
};

export const layoutOps: OpTable = {
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
};
