// Convolutions, pooling, padding and cropping (1D and 2D) as ONNX Conv / MaxPool / AveragePool / Pad / Slice on
// channels-first values. Padding is explicit: TF's 'same' puts the odd pixel at the end (what ONNX calls
// SAME_UPPER), and Keras' 'causal' pads only the start.
import { activation } from './activations';
import { ints, requireWeight, single, type LayerContext, type LayerTranslation } from './layerContext';
import { Untranslatable, type Value } from './writer';

interface Spatial {
  x: Value;
  /** Sizes of the spatial axes. */
  sizes: number[];
  /** The output is channels first in ONNX but in the Keras layout for channelsFirst models. */
  keepsKerasLayout: boolean;
}

/** The input with its channels at position 1, whatever the layer's data format. */
function spatialInput(ctx: LayerContext, n: number): Spatial {
  const v = single(ctx);
  if (v.shape.length !== n + 1) throw new Untranslatable(`layer '${ctx.layer.name}' takes rank ${n + 2} but its input is [batch, ${v.shape}]`);
  if (ctx.config.dataFormat === 'channelsFirst') {
    const x = ctx.w.keras(v);
    return { x, sizes: x.shape.slice(1), keepsKerasLayout: true };
  }
  return { x: ctx.w.channelsFirst(v), sizes: v.shape.slice(0, n), keepsKerasLayout: false };
}

const result = (s: Spatial, name: string, shape: number[]): Value => ({ name, shape, channelsFirst: !s.keepsKerasLayout });

/** ONNX pads [begin…, end…] for TF's padding mode. */
function pads(mode: unknown, sizes: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const n = sizes.length;
  if (mode === 'valid') return Array(2 * n).fill(0);
  if (mode === 'causal') return [...kernel.map((k, i) => (k - 1) * dilations[i]), ...Array(n).fill(0)];
  if (mode !== 'same') throw new Untranslatable(`padding '${String(mode)}' has no ONNX translation`);
  const begin: number[] = [];
  const end: number[] = [];
  sizes.forEach((size, i) => {
    const out = Math.ceil(size / strides[i]);
    const total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

/** Keras kernel [k…, p, q] with the spatial axes moved last: [q, p, k…] (`swap`) or [p, q, k…]. */
function spatialLast(data: Float32Array, shape: number[], swap: boolean): { data: Float32Array; dims: number[] } {
  const spatial = shape.slice(0, -2);
  const [p, q] = shape.slice(-2);
  const area = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(data.length);
  for (let s = 0; s < area; s++) {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < q; j++) out[(swap ? j * p + i : i * q + j) * area + s] = data[(s * p + i) * q + j];
    }
  }
  return { data: out, dims: swap ? [q, p, ...spatial] : [p, q, ...spatial] };
}

/**
 * A convolution's Keras kernel [k…, in, out] → ONNX weight [out, in, k…]; a transposed convolution's [k…, out, in]
 * → ConvTranspose's [in, out, k…]: the same move.
 */
const kernelToOnnx = (data: Float32Array, shape: number[]) => spatialLast(data, shape, true);

/** Keras depthwise kernel [k…, in, multiplier] → ONNX grouped weight [in·multiplier, 1, k…] (channel c·m + j). */
function depthwiseToOnnx(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const moved = spatialLast(data, shape, false);
  const [cin, mult, ...spatial] = moved.dims;
  return { data: moved.data, dims: [cin * mult, 1, ...spatial] };
}

function conv(ctx: LayerContext, s: Spatial, weight: { data: Float32Array; dims: number[] }, group: number, biasName?: string): string {
  const { config } = ctx;
  const n = s.sizes.length;
  const kernel = weight.dims.slice(2);
  const strides = ints(config.strides ?? 1, n, `strides of '${ctx.layer.name}'`);
  const dilations = ints(config.dilationRate ?? 1, n, `dilationRate of '${ctx.layer.name}'`);
  const inputs = [s.x.name, ctx.w.weight(weight.data, weight.dims)];
  if (biasName) inputs.push(biasName);
  return ctx.w.op('Conv', inputs, { group, strides, dilations, pads: pads(config.padding, s.sizes, kernel, strides, dilations) });
}

function bias(ctx: LayerContext): string | undefined {
  if (ctx.config.useBias === false) return undefined;
  const b = requireWeight(ctx, 'bias');
  return ctx.w.weight(b.data, [b.data.length]);
}

const convolution =
  (n: number): LayerTranslation =>
  (ctx) => {
    if ((ctx.config.groups ?? 1) !== 1) throw new Untranslatable(`grouped convolution '${ctx.layer.name}'`);
    const s = spatialInput(ctx, n);
    const k = requireWeight(ctx, 'kernel');
    const y = conv(ctx, s, kernelToOnnx(k.data, k.shape), 1, bias(ctx));
    return [activation(ctx.w, result(s, y, ctx.outputShapes[0]), ctx.config.activation as string)];
  };

const depthwise: LayerTranslation = (ctx) => {
  const s = spatialInput(ctx, 2);
  const k = requireWeight(ctx, 'depthwise_kernel');
  const y = conv(ctx, s, depthwiseToOnnx(k.data, k.shape), k.shape[2], bias(ctx));
  return [activation(ctx.w, result(s, y, ctx.outputShapes[0]), ctx.config.activation as string)];
};

/**
 * Conv2DTranspose: tfjs computes it as the input gradient of the forward convolution that maps the output back to
 * the input, so its padding is that convolution's padding on the output size; output_padding covers the rest.
 */
const transposedConvolution: LayerTranslation = (ctx) => {
  const s = spatialInput(ctx, 2);
  const name = ctx.layer.name;
  const k = requireWeight(ctx, 'kernel');
  const weight = kernelToOnnx(k.data, k.shape);
  const kernel = weight.dims.slice(2);
  const strides = ints(ctx.config.strides ?? 1, 2, `strides of '${name}'`);
  const dilations = ints(ctx.config.dilationRate ?? 1, 2, `dilationRate of '${name}'`);
  if (dilations.some((d) => d !== 1)) throw new Untranslatable(`dilated Conv2DTranspose '${name}'`);
  const outShape = ctx.outputShapes[0];
  const outSizes = s.keepsKerasLayout ? outShape.slice(1) : outShape.slice(0, 2);
  const p = pads(ctx.config.padding, outSizes, kernel, strides, dilations);
  const outputPadding = outSizes.map((o, d) => o - (strides[d] * (s.sizes[d] - 1) + kernel[d] - p[d] - p[d + 2]));
  if (outputPadding.some((v, d) => v < 0 || v >= strides[d])) throw new Untranslatable(`Conv2DTranspose '${name}' with output size [${outSizes}]`);
  const inputs = [s.x.name, ctx.w.weight(weight.data, weight.dims)];
  const b = bias(ctx);
  if (b) inputs.push(b);
  const y = ctx.w.op('ConvTranspose', inputs, {
    strides,
    pads: p,
    kernel_shape: kernel,
    output_padding: outputPadding.some((v) => v !== 0) ? outputPadding : undefined,
  });
  return [activation(ctx.w, result(s, y, outShape), ctx.config.activation as string)];
};

/**
 * UpSampling2D: nearest repeats each pixel (tfjs' resizeNearestNeighbor at an integer factor, corners not aligned),
 * written as Expand so its gradient is a sum; bilinear is ONNX's linear Resize with asymmetric coordinates.
 */
const upSampling: LayerTranslation = (ctx) => {
  const s = spatialInput(ctx, 2);
  const [sh, sw] = ints(ctx.config.size ?? 2, 2, `size of '${ctx.layer.name}'`);
  const [h, w] = s.sizes;
  const c = s.keepsKerasLayout ? s.x.shape[0] : s.x.shape[2];
  const { w: out } = ctx;
  let y: string;
  if (ctx.config.interpolation === 'bilinear') {
    y = out.op('Resize', [s.x.name, '', out.e.f32([1, 1, sh, sw], [4])], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' });
  } else if ((ctx.config.interpolation ?? 'nearest') === 'nearest') {
    const spread = out.op('Reshape', [s.x.name, out.e.i64([-1, c, h, 1, w, 1])]);
    const repeated = out.op('Expand', [spread, out.e.i64([1, 1, 1, sh, 1, sw])]);
    y = out.op('Reshape', [repeated, out.e.i64([-1, c, h * sh, w * sw])]);
  } else throw new Untranslatable(`interpolation '${String(ctx.config.interpolation)}' of '${ctx.layer.name}'`);
  return [result(s, y, ctx.outputShapes[0])];
};

const separable: LayerTranslation = (ctx) => {
  const s = spatialInput(ctx, 2);
  const dk = requireWeight(ctx, 'depthwise_kernel');
  const pk = requireWeight(ctx, 'pointwise_kernel');
  const mid = conv(ctx, s, depthwiseToOnnx(dk.data, dk.shape), dk.shape[2]);
  const point = kernelToOnnx(pk.data, pk.shape);
  const inputs = [mid, ctx.w.weight(point.data, point.dims)];
  const b = bias(ctx);
  if (b) inputs.push(b);
  const y = ctx.w.op('Conv', inputs, { group: 1 });
  return [activation(ctx.w, result(s, y, ctx.outputShapes[0]), ctx.config.activation as string)];
};

const pooling =
  (n: number, type: 'MaxPool' | 'AveragePool'): LayerTranslation =>
  (ctx) => {
    const s = spatialInput(ctx, n);
    const name = ctx.layer.name;
    const kernel = ints(ctx.config.poolSize, n, `poolSize of '${name}'`);
    const strides = ints(ctx.config.strides ?? ctx.config.poolSize, n, `strides of '${name}'`);
    const p = pads(ctx.config.padding ?? 'valid', s.sizes, kernel, strides, Array(n).fill(1));
    // Padded positions never count: MaxPool ignores them, AveragePool excludes them (count_include_pad 0), as TF.
    const y = ctx.w.op(type, [s.x.name], { kernel_shape: kernel, strides, pads: p });
    return [result(s, y, ctx.outputShapes[0])];
  };

const globalPooling =
  (n: number, type: 'max' | 'average'): LayerTranslation =>
  (ctx) => {
    if (ctx.config.keepDims) throw new Untranslatable(`global pooling with keepDims ('${ctx.layer.name}')`);
    const s = spatialInput(ctx, n);
    const axes = Array.from({ length: n }, (_, i) => i + 2);
    const channels = s.keepsKerasLayout ? s.x.shape[0] : s.x.shape[n];
    // ReduceMax has no gradient rule; a MaxPool over the whole map is the same value and has one.
    const pooled =
      type === 'average'
        ? ctx.w.op('ReduceMean', [s.x.name], { axes, keepdims: 0 })
        : ctx.w.op('Reshape', [ctx.w.op('MaxPool', [s.x.name], { kernel_shape: s.sizes }), ctx.w.e.i64([-1, channels])]);
    return [{ name: pooled, shape: [channels], channelsFirst: false }];
  };

/** Keras padding/cropping config for n spatial axes → [[begin, end]…]. */
function perAxisPairs(value: unknown, n: number, what: string): [number, number][] {
  if (typeof value === 'number') return Array.from({ length: n }, () => [value, value]);
  if (Array.isArray(value) && value.length === n) {
    return value.map((p) => {
      if (typeof p === 'number') return [p, p];
      if (Array.isArray(p) && p.length === 2) return [p[0], p[1]] as [number, number];
      throw new Untranslatable(`${what} is ${JSON.stringify(value)}`);
    });
  }
  if (n === 1 && Array.isArray(value) && value.length === 2) return [[value[0], value[1]]];
  throw new Untranslatable(`${what} is ${JSON.stringify(value)}`);
}

const zeroPadding =
  (n: number): LayerTranslation =>
  (ctx) => {
    const s = spatialInput(ctx, n);
    const p = perAxisPairs(ctx.config.padding, n, `padding of '${ctx.layer.name}'`);
    const y = ctx.w.e.pad(s.x.name, [0, 0, ...p.map((q) => q[0]), 0, 0, ...p.map((q) => q[1])]);
    return [result(s, y, ctx.outputShapes[0])];
  };

const cropping =
  (n: number): LayerTranslation =>
  (ctx) => {
    const s = spatialInput(ctx, n);
    const c = perAxisPairs(ctx.config.cropping, n, `cropping of '${ctx.layer.name}'`);
    const axes = Array.from({ length: n }, (_, i) => i + 2);
    const y = ctx.w.e.slice(s.x.name, c.map((q) => q[0]), c.map((q, i) => s.sizes[i] - q[1]), axes);
    return [result(s, y, ctx.outputShapes[0])];
  };

export const SPATIAL_LAYERS: Record<string, LayerTranslation> = {
  Conv1D: convolution(1),
  Conv2D: convolution(2),
  Conv3D: convolution(3),
  Conv2DTranspose: transposedConvolution,
  UpSampling2D: upSampling,
  DepthwiseConv2D: depthwise,
  SeparableConv2D: separable,
  MaxPooling1D: pooling(1, 'MaxPool'),
  MaxPooling2D: pooling(2, 'MaxPool'),
  MaxPooling3D: pooling(3, 'MaxPool'),
  AveragePooling1D: pooling(1, 'AveragePool'),
  AveragePooling2D: pooling(2, 'AveragePool'),
  AveragePooling3D: pooling(3, 'AveragePool'),
  GlobalAveragePooling1D: globalPooling(1, 'average'),
  GlobalAveragePooling2D: globalPooling(2, 'average'),
  GlobalMaxPooling1D: globalPooling(1, 'max'),
  GlobalMaxPooling2D: globalPooling(2, 'max'),
  ZeroPadding2D: zeroPadding(2),
  Cropping2D: cropping(2),
};
