// Resize (and the older Upsample) as one interpolation matrix per resized axis: Y = X ×_axis M with M [out, in]
// holding the nearest, linear or cubic weights for every coordinate_transformation_mode. Separable, exact, and
// differentiable through matMul (no gather, no resize kernels with their own coordinate conventions).
import * as tf from '@tensorflow/tfjs';
import type { OnnxNode } from '../graph';
import type { OpContext, OpDef, OpTable } from './types';

const MODES = ['nearest', 'linear', 'cubic'];
const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function checkResize(node: OnnxNode): string | undefined {
  const s = (name: string) => node.attributes.get(name)?.s;
  const mode = s('mode') ?? 'nearest';
  if (!MODES.includes(mode)) return `unknown mode '${mode}'`;
  const transform = s('coordinate_transformation_mode');
  if (transform === 'tf_crop_and_resize') return "coordinate_transformation_mode 'tf_crop_and_resize' is not supported";
  if (transform !== undefined && !TRANSFORMS.includes(transform)) return `unknown coordinate_transformation_mode '${transform}'`;
  const nearest = s('nearest_mode');
  if (nearest !== undefined && !NEAREST.includes(nearest)) return `unknown nearest_mode '${nearest}'`;
  if (node.attributes.get('antialias')?.i) return 'antialias is not supported';
  const policy = s('keep_aspect_ratio_policy');
  if (policy !== undefined && policy !== 'stretch') return `keep_aspect_ratio_policy '${policy}' is not supported`;
  return undefined;
}

export interface AxisResize {
  inSize: number;
  outSize: number;
  /** The scale used in the coordinate transform (given, or out/in when sizes were given). */
  scale: number;
}

export interface ResizeOptions {
  mode: string;
  transform: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
}

/** The input coordinate an output coordinate maps to. */
function original(x: number, r: AxisResize, transform: string): number {
  const { inSize, outSize, scale } = r;
  switch (transform) {
    case 'align_corners':
      return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
    case 'asymmetric':
      return x / scale;
    case 'pytorch_half_pixel':
      return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (scale * inSize);
      const center = inSize / 2;
      const offset = center * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    default:
      return (x + 0.5) / scale - 0.5;
  }
}

function nearestIndex(v: number, mode: string): number {
  switch (mode) {
    case 'floor':
      return Math.floor(v);
    case 'ceil':
      return Math.ceil(v);
    case 'round_prefer_ceil':
      return Math.round(v);
    default:
      // round_prefer_floor: halves go down.
      return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
  }
}

function cubicWeights(t: number, a: number): number[] {
  const w = (d: number) => {
    const x = Math.abs(d);
    if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
    if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

/** The [out, in] interpolation matrix of one axis, row-major. */
export function interpolationMatrix(r: AxisResize, o: ResizeOptions): Float32Array {
  const { inSize, outSize } = r;
  const m = new Float64Array(outSize * inSize);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let y = 0; y < outSize; y++) {
    const x = original(y, r, o.transform);
    const row = y * inSize;
    if (o.mode === 'nearest') {
      m[row + clamp(nearestIndex(x, o.nearestMode))] = 1;
    } else if (o.mode === 'linear') {
      const c = Math.min(Math.max(x, 0), inSize - 1);
      const lo = Math.floor(c);
      const hi = Math.min(lo + 1, inSize - 1);
      m[row + lo] += 1 - (c - lo);
      m[row + hi] += c - lo;
    } else {
      const lo = Math.floor(x);
      const weights = cubicWeights(x - lo, o.cubicA);
      const taps = [lo - 1, lo, lo + 1, lo + 2];
      let total = 0;
      taps.forEach((i, k) => {
        if (o.excludeOutside && (i < 0 || i >= inSize)) return;
        total += weights[k];
      });
      taps.forEach((i, k) => {
        if (o.excludeOutside && (i < 0 || i >= inSize)) return;
        m[row + clamp(i)] += o.excludeOutside ? weights[k] / total : weights[k];
      });
    }
  }
  return Float32Array.from(m);
}

/** Applies a [out, in] matrix along one axis. */
function alongAxis(x: tf.Tensor, axis: number, m: tf.Tensor2D): tf.Tensor {
  const rank = x.rank;
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis).concat(axis);
  const moved = axis === rank - 1 ? x : tf.transpose(x, perm);
  const rows = tf.reshape(moved, [-1, x.shape[axis]]) as tf.Tensor2D;
  const y = tf.reshape(tf.matMul(rows, m, false, true), [...moved.shape.slice(0, -1), m.shape[0]]);
  if (axis === rank - 1) return y;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(y, inverse);
}

/** Output sizes and scales per axis from Resize's inputs (opset ≥ 11: roi, scales, sizes; opset 10: scales). */
function axisResizes(ctx: OpContext, shape: number[], scalesIndex: number, sizesIndex: number): AxisResize[] {
  const rank = shape.length;
  const axes = ctx.attrs.ints('axes')?.map((a) => (a < 0 ? a + rank : a)) ?? shape.map((_, i) => i);
  const scales = ctx.has(scalesIndex) ? ctx.numbers(scalesIndex) : [];
  const sizes = sizesIndex >= 0 && ctx.has(sizesIndex) ? ctx.numbers(sizesIndex) : [];
  const out = shape.map((d) => ({ inSize: d, outSize: d, scale: 1 }));
  if (sizes.length) {
    if (sizes.length !== axes.length) ctx.fail(`sizes [${sizes}] do not fit ${axes.length} axes`);
    axes.forEach((a, i) => (out[a] = { inSize: shape[a], outSize: sizes[i], scale: sizes[i] / shape[a] }));
  } else if (scales.length) {
    if (scales.length !== axes.length) ctx.fail(`scales [${scales}] do not fit ${axes.length} axes`);
    axes.forEach((a, i) => (out[a] = { inSize: shape[a], outSize: Math.floor(shape[a] * scales[i]), scale: scales[i] }));
  } else {
    ctx.fail('has neither scales nor sizes');
  }
  if (out.some((r) => !(r.outSize > 0) || !(r.scale > 0))) ctx.fail(`invalid output size [${out.map((r) => r.outSize)}]`);
  return out;
}

function resizeWith(ctx: OpContext, resizes: AxisResize[], o: ResizeOptions): tf.Tensor[] {
  const x0 = ctx.tensor(0);
  let x = x0.dtype === 'float32' ? x0 : tf.cast(x0, 'float32');
  resizes.forEach((r, axis) => {
    if (r.outSize === r.inSize && r.scale === 1) return;
    const key = `m${axis}:${r.inSize}:${r.outSize}:${r.scale}`;
    const m = ctx.once(key, () => tf.tensor2d(interpolationMatrix(r, o), [r.outSize, r.inSize]));
    x = alongAxis(x, axis, m);
  });
  return [x === x0 ? tf.clone(x) : x];
}

const resize: OpDef = {
  check: checkResize,
  run(ctx) {
    const shape = ctx.shape(0);
    const opset10 = ctx.opset < 11;
    const resizes = opset10 ? axisResizes(ctx, shape, 1, -1) : axisResizes(ctx, shape, 2, 3);
    return resizeWith(ctx, resizes, {
      mode: ctx.attrs.string('mode', 'nearest'),
      transform: opset10 ? 'asymmetric' : ctx.attrs.string('coordinate_transformation_mode', 'half_pixel'),
      nearestMode: opset10 ? 'floor' : ctx.attrs.string('nearest_mode', 'round_prefer_floor'),
      cubicA: ctx.attrs.float('cubic_coeff_a', -0.75),
      excludeOutside: ctx.attrs.int('exclude_outside', 0) === 1,
    });
  },
};

/** Upsample (deprecated since opset 10): scales as an attribute (7–8) or input (9), asymmetric coordinates. */
const upsample: OpDef = {
  check: (node) => checkResize(node),
  run(ctx) {
    const shape = ctx.shape(0);
    const scales = ctx.opset < 9 ? ctx.attrs.floats('scales') ?? ctx.fail('has no scales') : ctx.numbers(1);
    if (scales.length !== shape.length) ctx.fail(`scales [${scales}] do not fit rank ${shape.length}`);
    const resizes = shape.map((d, i) => ({ inSize: d, outSize: Math.floor(d * scales[i]), scale: scales[i] }));
    return resizeWith(ctx, resizes, { mode: ctx.attrs.string('mode', 'nearest'), transform: 'asymmetric', nearestMode: 'floor', cubicA: -0.75, excludeOutside: false });
  },
};

export const resizeOps: OpTable = { Resize: resize, Upsample: upsample };
