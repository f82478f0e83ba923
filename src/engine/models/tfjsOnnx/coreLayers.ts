// Dense, activations, normalization, reshaping and merge layers as ONNX ops. Inference semantics throughout
// (dropout and noise layers are identities; batch normalization uses its moving statistics, folded into one
// per-channel scale and shift).
import { activation } from './activations';
import { requireWeight, single, type LayerContext, type LayerTranslation } from './layerContext';
import { Untranslatable, type Value } from './writer';

const identity: LayerTranslation = (ctx) => [single(ctx)];

const dense: LayerTranslation = (ctx) => {
  const x = ctx.w.keras(single(ctx));
  const k = requireWeight(ctx, 'kernel');
  let y = ctx.w.op('MatMul', [x.name, ctx.w.weight(k.data, k.shape)]);
  if (ctx.config.useBias !== false) {
    const b = requireWeight(ctx, 'bias');
    y = ctx.w.op('Add', [y, ctx.w.weight(b.data, [b.data.length])]);
  }
  return [activation(ctx.w, { name: y, shape: ctx.outputShapes[0], channelsFirst: false }, ctx.config.activation as string)];
};

const activationLayer: LayerTranslation = (ctx) => [activation(ctx.w, single(ctx), ctx.config.activation as string)];

const relu: LayerTranslation = (ctx) => {
  const v = single(ctx);
  const { maxValue, negativeSlope, threshold } = ctx.config as { maxValue?: number | null; negativeSlope?: number; threshold?: number };
  if ((negativeSlope ?? 0) !== 0 || (threshold ?? 0) !== 0) throw new Untranslatable(`ReLU '${ctx.layer.name}' with a slope or threshold`);
  if (maxValue === undefined || maxValue === null) return [{ ...v, name: ctx.w.op('Relu', [v.name]) }];
  return [{ ...v, name: ctx.w.op('Clip', [v.name, ctx.w.e.f32([0]), ctx.w.e.f32([maxValue])]) }];
};

const leakyRelu: LayerTranslation = (ctx) => {
  const v = single(ctx);
  return [{ ...v, name: ctx.w.op('LeakyRelu', [v.name], { alpha: { f: (ctx.config.alpha as number | undefined) ?? 0.3 } }) }];
};

const elu: LayerTranslation = (ctx) => {
  const v = single(ctx);
  return [{ ...v, name: ctx.w.op('Elu', [v.name], { alpha: { f: (ctx.config.alpha as number | undefined) ?? 1 } }) }];
};

/** Keras' Softmax layer (tfjs' default axis is 1, i.e. the first axis after the batch). */
const softmax: LayerTranslation = (ctx) => {
  const v = ctx.w.keras(single(ctx));
  const raw = ctx.config.axis ?? -1;
  const axis = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
  if (typeof axis !== 'number') throw new Untranslatable(`Softmax '${ctx.layer.name}' over axes ${JSON.stringify(raw)}`);
  return [{ ...v, name: ctx.w.op('Softmax', [v.name], { axis: axis < 0 ? v.shape.length + 1 + axis : axis }) }];
};

const prelu: LayerTranslation = (ctx) => {
  const v = ctx.w.keras(single(ctx));
  const a = requireWeight(ctx, 'alpha');
  return [{ ...v, name: ctx.w.op('PRelu', [v.name, ctx.w.weight(a.data, a.shape)]) }];
};

const batchNormalization: LayerTranslation = (ctx) => {
  const v = single(ctx);
  const axis = ctx.config.axis as number;
  const epsilon = (ctx.config.epsilon as number | undefined) ?? 1e-3;
  const mean = requireWeight(ctx, 'moving_mean').data;
  const variance = requireWeight(ctx, 'moving_variance').data;
  const gamma = ctx.config.scale === false ? undefined : requireWeight(ctx, 'gamma').data;
  const beta = ctx.config.center === false ? undefined : requireWeight(ctx, 'beta').data;
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    // Same order of operations as tfjs' batchNorm: (x − mean) · (γ / √(var + ε)) + β
    scale[c] = (gamma?.[c] ?? 1) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta?.[c] ?? 0) - mean[c] * scale[c];
  }
  const onnxAxis = ctx.w.axisOf(v, axis);
  const rank = v.shape.length + 1;
  const y = ctx.w.op('Add', [ctx.w.op('Mul', [v.name, ctx.w.alongAxis(scale, onnxAxis, rank)]), ctx.w.alongAxis(shift, onnxAxis, rank)]);
  return [{ ...v, name: y }];
};

const layerNormalization: LayerTranslation = (ctx) => {
  const v = ctx.w.keras(single(ctx));
  const rank = v.shape.length;
  const raw = ctx.config.axis as number | number[];
  const axes = (Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? rank + 1 + a : a));
  const epsilon = (ctx.config.epsilon as number | undefined) ?? 1e-3;
  const { w } = ctx;
  const centered = w.op('Sub', [v.name, w.op('ReduceMean', [v.name], { axes, keepdims: 1 })]);
  const variance = w.op('ReduceMean', [w.op('Mul', [centered, centered])], { axes, keepdims: 1 });
  let y = w.op('Div', [centered, w.op('Sqrt', [w.op('Add', [variance, w.e.f32([epsilon])])])]);
  // γ and β have the shape of the normalized axes; aligned to the trailing axes when those are the last ones.
  const paramShape = [...Array(rank + 1).keys()].map((i) => (axes.includes(i) ? v.shape[i - 1] : 1)).slice(Math.min(...axes));
  if (ctx.config.scale !== false) y = w.op('Mul', [y, w.weight(requireWeight(ctx, 'gamma').data, paramShape)]);
  if (ctx.config.center !== false) y = w.op('Add', [y, w.weight(requireWeight(ctx, 'beta').data, paramShape)]);
  return [{ ...v, name: y }];
};

const rescaling: LayerTranslation = (ctx) => {
  const v = single(ctx);
  const y = ctx.w.op('Add', [ctx.w.op('Mul', [v.name, ctx.w.e.f32([ctx.config.scale as number])]), ctx.w.e.f32([(ctx.config.offset as number | undefined) ?? 0])]);
  return [{ ...v, name: y }];
};

/** Flatten and Reshape: Keras order, then the measured output shape. */
const reshape: LayerTranslation = (ctx) => {
  const x = ctx.w.keras(single(ctx));
  const shape = ctx.outputShapes[0];
  return [{ name: ctx.w.op('Reshape', [x.name, ctx.w.e.i64([-1, ...shape])]), shape, channelsFirst: false }];
};

const permute: LayerTranslation = (ctx) => {
  const x = ctx.w.keras(single(ctx));
  const dims = ctx.config.dims as number[];
  return [{ name: ctx.w.op('Transpose', [x.name], { perm: [0, ...dims] }), shape: ctx.outputShapes[0], channelsFirst: false }];
};

/** RepeatVector: [batch, d] → [batch, n, d]. */
const repeatVector: LayerTranslation = (ctx) => {
  const x = ctx.w.keras(single(ctx));
  const [n, d] = ctx.outputShapes[0];
  const spread = ctx.w.e.unsqueeze(x.name, [1]);
  return [{ name: ctx.w.op('Expand', [spread, ctx.w.e.i64([1, n, d])]), shape: ctx.outputShapes[0], channelsFirst: false }];
};

/** The inputs in one layout: channels first if all are, else all in the Keras layout. */
function sameLayout(ctx: LayerContext): Value[] {
  if (ctx.inputs.length < 2) throw new Untranslatable(`merge layer '${ctx.layer.name}' has ${ctx.inputs.length} input`);
  if (ctx.inputs.every((v) => v.channelsFirst)) return ctx.inputs;
  return ctx.inputs.map((v) => ctx.w.keras(v));
}

const merge =
  (kind: 'Add' | 'Mul' | 'Average'): LayerTranslation =>
  (ctx) => {
    const xs = sameLayout(ctx);
    const names = xs.map((v) => v.name);
    let y: string;
    if (kind === 'Average') {
      y = ctx.w.e.scale(ctx.w.op('Sum', names), 1 / names.length);
    } else {
      y = names.slice(1).reduce((acc, n) => ctx.w.op(kind, [acc, n]), names[0]);
    }
    return [{ name: y, shape: ctx.outputShapes[0], channelsFirst: xs[0].channelsFirst }];
  };

const concatenate: LayerTranslation = (ctx) => {
  const xs = sameLayout(ctx);
  const axis = ctx.w.axisOf(xs[0], (ctx.config.axis as number | undefined) ?? -1);
  return [{ name: ctx.w.op('Concat', xs.map((v) => v.name), { axis }), shape: ctx.outputShapes[0], channelsFirst: xs[0].channelsFirst }];
};

export const CORE_LAYERS: Record<string, LayerTranslation> = {
  Dense: dense,
  Activation: activationLayer,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  PReLU: prelu,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Rescaling: rescaling,
  Flatten: reshape,
  Reshape: reshape,
  Permute: permute,
  Add: merge('Add'),
  Multiply: merge('Mul'),
  Average: merge('Average'),
  Concatenate: concatenate,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  RepeatVector: repeatVector,
};
