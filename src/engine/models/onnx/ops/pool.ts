// MaxPool, AveragePool (count_include_pad, ceil_mode), GlobalAveragePool, GlobalMaxPool, 1D and 2D. Padding is
// explicit (−∞ for max, zeros for average); averages divide by the number of counted elements in each window, so
// windows that run past the input (ceil_mode) or into uncounted pads are averaged as ONNX Runtime does.
import * as tf from '@tensorflow/tfjs';
import { as2d, checkAutoPad, fromNhwc, padNhwc, spatialAttrs, toNhwc, type SpatialAttrs } from './convGeometry';
import type { OpContext, OpDef, OpTable } from './types';

const float = (ctx: OpContext) => {
  const t = ctx.tensor(0);
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
};

function checkPool(node: Parameters<NonNullable<OpDef['check']>>[0]): string | undefined {
  const dil = node.attributes.get('dilations')?.ints;
  if (dil && dil.some((d) => d !== 1)) return 'dilated pooling is not supported';
  if (node.outputs.length > 1 && node.outputs[1]) return 'the Indices output is not supported';
  if (!node.attributes.get('kernel_shape')?.ints) return 'has no kernel_shape';
  return checkAutoPad(node.attributes.get('auto_pad')?.s);
}

interface PoolPlan {
  a: SpatialAttrs;
  out: number[];
  /** Extra padding at the end of each dimension so the last (ceil_mode) window fits; may be negative (unused tail). */
  extra: number[];
}

function plan(ctx: OpContext, x: tf.Tensor): PoolPlan {
  const spatial = x.shape.slice(2);
  if (spatial.length !== 1 && spatial.length !== 2) ctx.fail(`${spatial.length}D pooling is not supported (only 1D and 2D)`);
  const a = spatialAttrs(ctx, spatial, ctx.attrs.ints('kernel_shape') ?? ctx.fail('has no kernel_shape'));
  const ceil = ctx.attrs.int('ceil_mode', 0) === 1;
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const out = spatial.map((size, i) => {
    const s = a.strides[i];
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / s);
    const span = size + a.pads[i][0] + a.pads[i][1] - a.kernel[i];
    let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    // A ceil_mode window must start inside the input or its begin padding.
    if (ceil && (n - 1) * s >= size + a.pads[i][0]) n--;
    return n;
  });
  if (out.some((n) => n < 1)) ctx.fail(`kernel [${a.kernel}] is larger than the padded input [${spatial}]`);
  const extra = spatial.map((size, i) => (out[i] - 1) * a.strides[i] + a.kernel[i] - (size + a.pads[i][0] + a.pads[i][1]));
  return { a, out, extra };
}

/** NHWC input padded (with `value`) and cropped so that 'valid' pooling yields exactly the planned windows. */
function windows(x: tf.Tensor, p: PoolPlan, value: number) {
  const a2 = as2d(p.a);
  const extra2 = p.extra.length === 1 ? [0, p.extra[0]] : p.extra;
  // Padding after the input: the explicit end pad plus the ceil_mode extra; negative means an unused tail to crop.
  const tails = a2.pads.map(([, e], i) => e + extra2[i]);
  let xh = padNhwc(toNhwc(x), a2.pads.map(([b], i) => [b, Math.max(0, tails[i])] as [number, number]), value);
  if (tails.some((t) => t < 0)) {
    xh = tf.slice(xh, [0, 0, 0, 0], [-1, xh.shape[1] + Math.min(0, tails[0]), xh.shape[2] + Math.min(0, tails[1]), -1]) as tf.Tensor4D;
  }
  return { xh, a2, tails };
}

/**
 * How many positions each window counts: 1 over the input (and over the explicit pads when count_include_pad),
 * 0 over pads that do not count and over the ceil_mode extension.
 */
function windowCounts(xh: tf.Tensor4D, a2: SpatialAttrs, inSizes: number[], includePad: boolean, k: [number, number], s: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const spans = [0, 1].map((i) => {
      const total = xh.shape[i + 1];
      const [b, e] = a2.pads[i];
      const start = includePad ? 0 : b;
      const stop = Math.min(includePad ? b + inSizes[i] + e : b + inSizes[i], total);
      return { before: start, length: stop - start, after: total - stop };
    });
    const ones = tf.ones([1, spans[0].length, spans[1].length, 1]);
    const mask = tf.pad(ones, [[0, 0], [spans[0].before, spans[0].after], [spans[1].before, spans[1].after], [0, 0]]) as tf.Tensor4D;
    return tf.mul(tf.avgPool(mask, k, s, 'valid'), k[0] * k[1]);
  });
}

/**
 * dx of a 'valid' max pool: each window's gradient goes to its first maximum in row-major order, as PyTorch and the
 * tfjs cpu backend do (the wasm kernel picks the last, which differs whenever a window has ties, e.g. after ReLU).
 */
function maxPoolBackward(x: tf.Tensor4D, dy: tf.Tensor4D, k: [number, number], s: [number, number]): tf.Tensor4D {
  const xs = x.dataSync();
  const dys = dy.dataSync();
  const [n, h, w, c] = x.shape;
  const [, oh, ow] = dy.shape;
  const dx = new Float32Array(xs.length);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < k[0]; ky++) {
            const iy = oy * s[0] + ky;
            if (iy >= h) break;
            for (let kx = 0; kx < k[1]; kx++) {
              const ix = ox * s[1] + kx;
              if (ix >= w) break;
              const i = ((b * h + iy) * w + ix) * c + ch;
              if (at < 0 || xs[i] > best) {
                best = xs[i];
                at = i;
              }
            }
          }
          dx[at] += dys[((b * oh + oy) * ow + ox) * c + ch];
        }
      }
    }
  }
  return tf.tensor4d(dx, x.shape);
}

function maxPoolFirstTie(x: tf.Tensor4D, k: [number, number], s: [number, number]): tf.Tensor4D {
  const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([xi]);
    return {
      value: tf.maxPool(xi, k, s, 'valid'),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => maxPoolBackward(saved[0] as tf.Tensor4D, dy as tf.Tensor4D, k, s),
    };
  });
  return pool(x) as tf.Tensor4D;
}

const maxPool: OpDef = {
  check: checkPool,
  run(ctx) {
    const x = float(ctx);
    const p = plan(ctx, x);
    const { xh, a2 } = windows(x, p, -Infinity);
    const y = maxPoolFirstTie(xh, a2.kernel as [number, number], a2.strides as [number, number]);
    return [fromNhwc(y, x.rank - 2)];
  },
};

const averagePool: OpDef = {
  check: checkPool,
  run(ctx) {
    const x = float(ctx);
    const p = plan(ctx, x);
    const includePad = ctx.attrs.int('count_include_pad', 0) === 1;
    const { xh, a2, tails } = windows(x, p, 0);
    const k = a2.kernel as [number, number];
    const st = a2.strides as [number, number];
    const y = tf.avgPool(xh, k, st, 'valid');
    if (a2.pads.every(([b]) => b === 0) && tails.every((t) => t <= 0)) return [fromNhwc(y, x.rank - 2)];
    const inSizes = x.rank === 3 ? [1, (x.shape as number[])[2]] : x.shape.slice(2);
    const counts = windowCounts(xh, a2, inSizes, includePad, k, st);
    // avgPool divided by the full window area; rescale to the counted positions.
    return [fromNhwc(tf.div(tf.mul(y, k[0] * k[1]), counts) as tf.Tensor4D, x.rank - 2)];
  },
};

function globalPool(f: (x: tf.Tensor, axes: number[]) => tf.Tensor): OpDef {
  return {
    run(ctx) {
      const x = float(ctx);
      const axes = x.shape.slice(2).map((_, i) => i + 2);
      return [f(x, axes)];
    },
  };
}

export const poolOps: OpTable = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool((x, axes) => tf.mean(x, axes, true)),
  GlobalMaxPool: globalPool((x, axes) => tf.max(x, axes, true)),
};
