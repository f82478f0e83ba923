// Conv and ConvTranspose, 1D and 2D, with groups (depthwise as tfjs depthwiseConv2d, other groups split), strides,
// dilations (folded into zero-dilated kernels), explicit pads and auto_pad, output_padding and output_shape.
// ONNX is NCHW and tfjs NHWC: inputs are transposed in and out; constant kernels are re-laid out once.
import * as tf from '@tensorflow/tfjs';
import { as2d, checkAutoPad, dilateKernel, distribute, fromNhwc, padNhwc, spatialAttrs, toNhwc } from './convGeometry';
import type { OpContext, OpDef, OpTable } from './types';

const float = (ctx: OpContext, i: number) => {
  const t = ctx.tensor(i);
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
};

/** The kernel as [O, I, kH, kW] (1D kernels get a height of 1). */
function kernel4d(w: tf.Tensor): tf.Tensor4D {
  const s = w.shape as number[];
  return (w.rank === 3 ? tf.reshape(w, [s[0], s[1], 1, s[2]]) : w) as tf.Tensor4D;
}

function checkSpatial(ctx: OpContext, x: tf.Tensor, w: tf.Tensor): number {
  const spatial = x.rank - 2;
  if (spatial !== 1 && spatial !== 2) ctx.fail(`${spatial}D convolutions are not supported (only 1D and 2D)`);
  if (w.rank !== x.rank) ctx.fail(`kernel of rank ${w.rank} does not fit an input of rank ${x.rank}`);
  return spatial;
}

/** A kernel derived from the weight input: computed once when the weight is a constant, else per call. */
function derived(ctx: OpContext, key: string, make: () => tf.Tensor4D): tf.Tensor4D {
  return ctx.isConstant(1) ? ctx.once(key, () => tf.tidy(make)) : make();
}

function addBias(ctx: OpContext, y: tf.Tensor4D): tf.Tensor4D {
  return ctx.has(2) ? (tf.add(y, float(ctx, 2)) as tf.Tensor4D) : y;
}

const conv: OpDef = {
  check: (node) => checkAutoPad(node.attributes.get('auto_pad')?.s),
  run(ctx) {
    const x = float(ctx, 0);
    const w = ctx.tensor(1);
    const spatial = checkSpatial(ctx, x, w);
    const group = ctx.attrs.int('group', 1);
    const channels = x.shape[1];
    const [outChannels, groupChannels] = w.shape;
    if (group < 1 || groupChannels * group !== channels || outChannels % group !== 0) {
      ctx.fail(`kernel [${w.shape}] with group ${group} does not fit ${channels} input channels`);
    }
    const a = as2d(spatialAttrs(ctx, x.shape.slice(2), ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2)));
    const xh = padNhwc(toNhwc(x), a.pads);
    const strides = a.strides as [number, number];
    const dilated = () => dilateKernel(kernel4d(w.dtype === 'float32' ? w : tf.cast(w, 'float32')), a.dilations);
    let y: tf.Tensor4D;
    if (group === 1) {
      const filter = derived(ctx, 'filter', () => tf.transpose(dilated(), [2, 3, 1, 0]));
      y = tf.conv2d(xh, filter, strides, 'valid');
    } else if (group === channels) {
      // Depthwise: output channel c·k + j reads input channel c, as tfjs's channel multiplier does.
      const filter = derived(ctx, 'depthwise', () => {
        const d = dilated();
        return tf.transpose(tf.reshape(d, [channels, outChannels / channels, d.shape[2], d.shape[3]]), [2, 3, 0, 1]);
      });
      y = tf.depthwiseConv2d(xh, filter, strides, 'valid');
    } else {
      const per = outChannels / group;
      const parts = tf.split(xh, group, 3).map((xg, g) => {
        const filter = derived(ctx, `filter${g}`, () => {
          const d = dilated();
          return tf.transpose(tf.slice(d, [g * per, 0, 0, 0], [per, -1, -1, -1]), [2, 3, 1, 0]);
        });
        return tf.conv2d(xg as tf.Tensor4D, filter, strides, 'valid');
      });
      y = tf.concat(parts, 3);
    }
    return [fromNhwc(addBias(ctx, y), spatial)];
  },
};

/** Begin/end crops and output sizes of a ConvTranspose: output_shape first, then auto_pad, then pads (as ONNX Runtime). */
function transposeGeometry(ctx: OpContext, inSizes: number[], kernel: number[], strides: number[], dilations: number[]) {
  const n = inSizes.length;
  const outputPadding = ctx.attrs.ints('output_padding') ?? new Array<number>(n).fill(0);
  const outputShape = ctx.attrs.ints('output_shape');
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const flat = ctx.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
  if (outputPadding.length !== n || flat.length !== 2 * n) ctx.fail('output_padding or pads do not fit the spatial dimensions');
  return inSizes.map((size, i) => {
    const full = (size - 1) * strides[i] + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
    let pads: [number, number];
    let out: number;
    if (outputShape) {
      out = outputShape[outputShape.length - n + i];
      // As the ONNX spec says: the odd pixel is cropped at the end for SAME_UPPER, at the start otherwise.
      const total = Math.max(0, full - out);
      const half = Math.floor(total / 2);
      pads = autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      out = size * strides[i];
      pads = distribute(Math.max(0, full - out), autoPad);
    } else {
      pads = autoPad === 'VALID' ? [0, 0] : [flat[i], flat[i + n]];
      out = full - pads[0] - pads[1];
    }
    if (out <= 0) ctx.fail(`output size ${out} is not positive`);
    return { full, begin: pads[0], out, outputPadding: outputPadding[i] };
  });
}

const convTranspose: OpDef = {
  check: (node) => checkAutoPad(node.attributes.get('auto_pad')?.s),
  run(ctx) {
    const x = float(ctx, 0);
    const w = ctx.tensor(1);
    const spatial = checkSpatial(ctx, x, w);
    const group = ctx.attrs.int('group', 1);
    const channels = (x.shape as number[])[1];
    if (group < 1 || w.shape[0] !== channels || channels % group !== 0) ctx.fail(`kernel [${w.shape}] with group ${group} does not fit ${channels} input channels`);
    const per = (w.shape as number[])[1];
    const outChannels = per * group;
    const n = spatial;
    const kernel = ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2);
    const strides = ctx.attrs.ints('strides') ?? new Array<number>(n).fill(1);
    const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
    const geo = transposeGeometry(ctx, x.shape.slice(2), kernel, strides, dilations);
    const geo2 = n === 1 ? [{ full: 1, begin: 0, out: 1, outputPadding: 0 }, geo[0]] : geo;
    const strides2 = (n === 1 ? [1, strides[0]] : strides) as [number, number];
    const dil2 = n === 1 ? [1, dilations[0]] : dilations;
    const xh = toNhwc(x);
    const batch = xh.shape[0];
    // The transposed convolution without crops: (in − 1)·s + k_eff per dimension.
    const valid = geo2.map((g) => g.full - g.outputPadding);
    const parts = (group === 1 ? [xh] : tf.split(xh, group, 3)).map((xg, g) => {
      const filter = derived(ctx, `filter${g}`, () => {
        const d = dilateKernel(kernel4d(w.dtype === 'float32' ? w : tf.cast(w, 'float32')), dil2);
        // [C, M/g, kH, kW] → tfjs's [kH, kW, out, in] for this group's input channels.
        return tf.transpose(tf.slice(d, [g * (channels / group), 0, 0, 0], [channels / group, -1, -1, -1]), [2, 3, 1, 0]);
      });
      return tf.conv2dTranspose(xg as tf.Tensor4D, filter, [batch, valid[0], valid[1], per], strides2, 'valid');
    });
    let y = parts.length === 1 ? parts[0] : tf.concat(parts, 3);
    // output_padding adds zero rows at the end, then pads crop [begin, begin + out).
    y = padNhwc(y, geo2.map((g) => [0, Math.max(0, g.begin + g.out - (g.full - g.outputPadding))] as [number, number]));
    y = tf.slice(y, [0, geo2[0].begin, geo2[1].begin, 0], [batch, geo2[0].out, geo2[1].out, outChannels]);
    return [fromNhwc(addBias(ctx, y), spatial)];
  },
};

export const convOps: OpTable = { Conv: conv, ConvTranspose: convTranspose };
