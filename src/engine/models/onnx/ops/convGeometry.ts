// Shared by Conv, ConvTranspose and the pools: per-spatial-dimension padding from pads/auto_pad, the layout change
// between ONNX's NCHW and tfjs's NHWC (1D ops run as 2D with a height of 1), and zero-dilated kernels (tfjs has no
// gradients for dilated convolutions, so dilation is folded into the kernel).
import * as tf from '@tensorflow/tfjs';
import type { OpContext } from './types';

export interface SpatialAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin, end] per spatial dimension. */
  pads: [number, number][];
}

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

export function checkAutoPad(value: string | undefined): string | undefined {
  return value === undefined || AUTO_PADS.includes(value) ? undefined : `unknown auto_pad '${value}'`;
}

/** Splits a total padding as SAME_UPPER (extra at the end) or SAME_LOWER (extra at the start). */
export function distribute(total: number, autoPad: string): [number, number] {
  const small = Math.floor(total / 2);
  return autoPad === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
}

/** Kernel, strides, dilations and pads of a Conv or pool over `spatial` input sizes. */
export function spatialAttrs(ctx: OpContext, spatial: number[], kernel: number[]): SpatialAttrs {
  const n = spatial.length;
  const strides = ctx.attrs.ints('strides') ?? new Array<number>(n).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
  if (strides.length !== n || dilations.length !== n || kernel.length !== n) {
    ctx.fail(`kernel [${kernel}], strides [${strides}] and dilations [${dilations}] do not fit ${n} spatial dimensions`);
  }
  if ([...strides, ...dilations, ...kernel].some((v) => !Number.isInteger(v) || v < 1)) ctx.fail('kernel, strides and dilations must be positive');
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  let pads: [number, number][];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = spatial.map((size, i) => {
      const out = Math.ceil(size / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
      return distribute(total, autoPad);
    });
  } else if (autoPad === 'VALID') {
    pads = spatial.map(() => [0, 0]);
  } else {
    const flat = ctx.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
    if (flat.length !== 2 * n || flat.some((p) => p < 0)) ctx.fail(`pads [${flat}] do not fit ${n} spatial dimensions`);
    pads = spatial.map((_, i) => [flat[i], flat[i + n]]);
  }
  return { kernel, strides, dilations, pads };
}

/** [N, C, ...spatial] (1 or 2 spatial dims) → NHWC, with 1D as height 1. */
export function toNhwc(x: tf.Tensor): tf.Tensor4D {
  const s = x.shape as number[];
  const x4 = x.rank === 3 ? tf.reshape(x, [s[0], s[1], 1, s[2]]) : x;
  return tf.transpose(x4, [0, 2, 3, 1]) as tf.Tensor4D;
}

/** NHWC → [N, C, ...spatial] with the original spatial rank. */
export function fromNhwc(y: tf.Tensor4D, spatialRank: number): tf.Tensor {
  const nchw = tf.transpose(y, [0, 3, 1, 2]);
  return spatialRank === 1 ? tf.reshape(nchw, [nchw.shape[0], nchw.shape[1], nchw.shape[3]]) : nchw;
}

/** 1D attributes as 2D ones with a height of 1. */
export function as2d(a: SpatialAttrs): SpatialAttrs {
  if (a.kernel.length === 2) return a;
  return { kernel: [1, a.kernel[0]], strides: [1, a.strides[0]], dilations: [1, a.dilations[0]], pads: [[0, 0], a.pads[0]] };
}

/** A kernel [O, I, kH, kW] with (d − 1) zeros between taps: the same convolution without dilation. */
export function dilateKernel(w: tf.Tensor4D, dilations: number[]): tf.Tensor4D {
  const [dh, dw] = dilations;
  if (dh === 1 && dw === 1) return w;
  const [o, i, kh, kw] = w.shape;
  const spread = tf.pad(tf.reshape(w, [o, i, kh, 1, kw, 1]), [[0, 0], [0, 0], [0, 0], [0, dh - 1], [0, 0], [0, dw - 1]]);
  const full = tf.reshape(spread, [o, i, kh * dh, kw * dw]);
  return tf.slice(full, [0, 0, 0, 0], [o, i, (kh - 1) * dh + 1, (kw - 1) * dw + 1]) as tf.Tensor4D;
}

/** Pads NHWC height and width (pads may be larger at the end to complete the last window). */
export function padNhwc(x: tf.Tensor4D, pads: [number, number][], value = 0): tf.Tensor4D {
  if (pads.every(([b, e]) => b === 0 && e === 0)) return x;
  return tf.pad(x, [[0, 0], pads[0], pads[1], [0, 0]], value) as tf.Tensor4D;
}
