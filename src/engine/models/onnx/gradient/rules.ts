// Reverse-mode rules written as ONNX ops: for a forward node and the gradients of its outputs, the gradients of its
// input-dependent ("active") inputs. Shapes come from the discovery run (facts.ts): `dims` at the discovery batch,
// which ops that must know a static size use; anything batch-sized is taken from the tensors at run time
// (Shape/Reshape/Expand), so the one backward graph serves every batch size.
import type { OnnxNode } from '../graph';
import { Emitter, TO_END } from './emitter';
import type { ValueFacts } from './facts';
import type { ResizeMatrices } from './resize';

export class Unsupported extends Error {}

export interface RuleContext {
  node: OnnxNode;
  e: Emitter;
  opset: number;
  facts(name: string): ValueFacts;
  /** Whether input i depends (differentiably) on the model input. */
  active(i: number): boolean;
  /** The gradient of output k, if any flows back to it. */
  dy(k: number): string | undefined;
  addGrad(i: number, grad: string): void;
  /**
   * The node that makes input i when this node is the only reader of that value (and it is no graph output): a rule
   * may then differentiate both at once, giving the gradient of that node's inputs (addGradTo) and none to input i.
   */
  soleProducer(i: number): OnnxNode | undefined;
  addGradTo(name: string, grad: string): void;
  /** Whether the value depends (differentiably) on the model input. */
  isActive(name: string): boolean;
  /** Integer values of a constant input (initializer, Constant node, or batch-independent shape arithmetic). */
  constInts(i: number): number[] | undefined;
  /** Float values of a constant input. */
  constFloats(i: number): number[] | undefined;
  /** Mark a forward node to also produce an extra output (MaxPool indices); returns its name. */
  extraOutput(k: number): string;
  /** A Resize node's interpolation matrices (found before the rules run), or why there are none. */
  resize?: ResizeMatrices | string;
}

type Rule = (c: RuleContext) => void;

const attrInt = (c: RuleContext, name: string, fallback: number) => c.node.attributes.get(name)?.i ?? fallback;
const attrInts = (c: RuleContext, name: string): number[] | undefined => c.node.attributes.get(name)?.ints;
const attrFloat = (c: RuleContext, name: string, fallback: number) => c.node.attributes.get(name)?.f ?? fallback;
const attrString = (c: RuleContext, name: string, fallback: string) => c.node.attributes.get(name)?.s ?? fallback;

function unsupported(c: RuleContext, why: string): never {
  throw new Unsupported(`${c.node.opType} node '${c.node.name}': ${why}`);
}

const inputDims = (c: RuleContext, i: number) => c.facts(c.node.inputs[i]).dims;
const outputDims = (c: RuleContext, k = 0) => c.facts(c.node.outputs[k]).dims;
const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The gradient `g` (of shape `gDims`) summed back to the shape of input i (numpy broadcasting undone). */
function unbroadcast(c: RuleContext, g: string, gDims: number[], i: number): string {
  const name = c.node.inputs[i];
  const t = c.facts(name).dims;
  const lead = gDims.length - t.length;
  const axes: number[] = [];
  for (let a = 0; a < gDims.length; a++) {
    if (a < lead || (t[a - lead] === 1 && gDims[a] !== 1)) axes.push(a);
  }
  if (axes.length === 0) return g;
  const summed = c.e.reduceSum(g, axes, true);
  return c.e.reshapeLike(summed, name);
}

function firstGradOnly(c: RuleContext): string | undefined {
  for (let k = 1; k < c.node.outputs.length; k++) {
    if (c.dy(k)) unsupported(c, `a gradient flows into output ${k}`);
  }
  return c.dy(0);
}

/** Elementwise unary: dx = dy ⊙ f'(x, y). */
function unary(derivative: (c: RuleContext, x: string, y: string, dy: string) => string): Rule {
  return (c) => {
    const dy = firstGradOnly(c);
    if (!dy || !c.active(0)) return;
    c.addGrad(0, derivative(c, c.node.inputs[0], c.node.outputs[0], dy));
  };
}

const passThrough: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (dy && c.active(0)) c.addGrad(0, dy);
};

const reshapeBack: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (dy && c.active(0)) c.addGrad(0, c.e.reshapeLike(dy, c.node.inputs[0]));
};

/** dy where lo ≤ x ≤ hi (tfjs' clipByValue gradient, boundaries included), else 0. */
function maskBetween(c: RuleContext, x: string, dy: string, lo: string | undefined, hi: string | undefined): string {
  const { e } = c;
  const zero = e.f32([0]);
  let keep: string | undefined;
  if (lo) keep = e.one('Not', [e.one('Less', [x, lo])]);
  if (hi) {
    const below = e.one('Not', [e.one('Greater', [x, hi])]);
    keep = keep ? e.one('And', [keep, below]) : below;
  }
  return keep ? e.one('Where', [keep, dy, zero]) : dy;
}

// ---------------------------------------------------------------- convolution and pooling geometry

interface Geometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Explicit [begin…, end…] as the forward op used them. */
  pads: number[];
}

/** Explicit pads of a Conv/pool node over spatial dims `inDims` (auto_pad resolved as ONNX Runtime does). */
function geometry(c: RuleContext, kernel: number[], inDims: number[], outDims: number[]): Geometry {
  const n = kernel.length;
  const strides = attrInts(c, 'strides') ?? Array(n).fill(1);
  const dilations = attrInts(c, 'dilations') ?? Array(n).fill(1);
  const autoPad = attrString(c, 'auto_pad', 'NOTSET');
  let pads = attrInts(c, 'pads') ?? Array(2 * n).fill(0);
  if (autoPad === 'VALID') pads = Array(2 * n).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(2 * n).fill(0);
    for (let d = 0; d < n; d++) {
      const effective = (kernel[d] - 1) * dilations[d] + 1;
      const total = Math.max(0, (outDims[d] - 1) * strides[d] + effective - inDims[d]);
      const small = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[d + n] = total - pads[d];
    }
  } else if (autoPad !== 'NOTSET') unsupported(c, `auto_pad ${autoPad}`);
  return { kernel, strides, dilations, pads };
}

/**
 * The adjoint of a (grouped, strided, padded, dilated) correlation: ConvTranspose of dy with the same weights, its
 * end pads (or output_padding) chosen so the result has exactly the forward input's spatial size.
 */
function transposedConv(
  c: RuleContext,
  dy: string,
  weights: string,
  g: Geometry,
  group: number,
  inDims: number[],
  outDims: number[],
  /** Given for weights the backward graph made itself (no facts are known about them). */
  weightDims?: number[],
): string {
  const n = g.kernel.length;
  const reach = g.kernel.map((k, d) => (k - 1) * g.dilations[d]);
  if (g.strides.every((s) => s === 1) && g.pads.every((p, i) => p <= reach[i % n])) {
    // Stride 1: a forward Conv of dy with the flipped, channel-swapped kernel (ORT's fast NCHWc Conv; the kernel
    // transform is constant-folded when the session is created). Output size: out + reach − pb − pe = in.
    return c.e.one('Conv', [dy, adjointKernel(c, weights, group, n, weightDims ?? c.facts(weights).dims)], {
      group,
      kernel_shape: g.kernel,
      dilations: g.dilations,
      pads: g.pads.map((p, i) => reach[i % n] - p),
    });
  }
  const pads = [...g.pads];
  const outputPadding = Array(n).fill(0);
  for (let d = 0; d < n; d++) {
    const full = g.strides[d] * (outDims[d] - 1) + (g.kernel[d] - 1) * g.dilations[d] + 1;
    const end = full - g.pads[d] - inDims[d];
    if (end >= 0) pads[d + n] = end;
    else {
      pads[d + n] = 0;
      outputPadding[d] = -end;
      if (-end >= Math.max(g.strides[d], g.dilations[d])) unsupported(c, 'the forward op leaves more input unread than ConvTranspose can pad');
    }
  }
  return c.e.one('ConvTranspose', [dy, weights], {
    group,
    kernel_shape: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    pads,
    output_padding: outputPadding.some((p) => p !== 0) ? outputPadding : undefined,
  });
}

/**
 * The kernel of the adjoint (stride-1) convolution: W [M, C/g, k…] → [C, M/g, k…] group by group, flipped along
 * every spatial axis.
 */
function adjointKernel(c: RuleContext, weights: string, group: number, n: number, w: number[]): string {
  const { e } = c;
  const [m, cg, ...kernel] = w;
  const spatial = Array.from({ length: n }, (_, d) => d + 2);
  let swapped: string;
  if (group === 1) swapped = e.one('Transpose', [weights], { perm: [1, 0, ...spatial] });
  else if (cg === 1 && m === group) swapped = weights; // depthwise, multiplier 1: [C, 1, k…] already
  else {
    const grouped = e.one('Reshape', [weights, e.i64([group, m / group, cg, ...kernel])]);
    const moved = e.one('Transpose', [grouped], { perm: [0, 2, 1, ...spatial.map((d) => d + 1)] });
    swapped = e.one('Reshape', [moved, e.i64([group * cg, m / group, ...kernel])]);
  }
  return e.slice(swapped, spatial.map(() => -1), spatial.map(() => -TO_END), spatial, spatial.map(() => -1));
}

const conv: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  if (c.active(1) || (c.node.inputs[2] && c.active(2))) unsupported(c, 'weights that depend on the input');
  if (!c.active(0)) return;
  const x = inputDims(c, 0);
  const w = inputDims(c, 1);
  const y = outputDims(c);
  const kernel = w.slice(2);
  const g = geometry(c, kernel, x.slice(2), y.slice(2));
  c.addGrad(0, transposedConv(c, dy, c.node.inputs[1], g, attrInt(c, 'group', 1), x.slice(2), y.slice(2)));
};

/** ConvTranspose's adjoint is the Conv with the same weights and geometry. */
const convTranspose: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  if (c.active(1) || (c.node.inputs[2] && c.active(2))) unsupported(c, 'weights that depend on the input');
  if (!c.active(0)) return;
  if (attrInts(c, 'output_shape')) unsupported(c, 'output_shape');
  const autoPad = attrString(c, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') unsupported(c, `auto_pad ${autoPad}`);
  const w = inputDims(c, 1);
  const n = w.length - 2;
  const pads = autoPad === 'VALID' ? Array(2 * n).fill(0) : (attrInts(c, 'pads') ?? Array(2 * n).fill(0));
  const grad = c.e.one('Conv', [dy, c.node.inputs[1]], {
    group: attrInt(c, 'group', 1),
    kernel_shape: w.slice(2),
    strides: attrInts(c, 'strides') ?? Array(n).fill(1),
    dilations: attrInts(c, 'dilations') ?? Array(n).fill(1),
    pads,
  });
  const got = outputDimsOfConv(c, w.slice(2), pads, outputDims(c).slice(2));
  if (got.some((d, i) => d !== inputDims(c, 0)[i + 2])) unsupported(c, 'output_padding at least the stride');
  c.addGrad(0, grad);
};

function outputDimsOfConv(c: RuleContext, kernel: number[], pads: number[], inDims: number[]): number[] {
  const n = kernel.length;
  const strides = attrInts(c, 'strides') ?? Array(n).fill(1);
  const dilations = attrInts(c, 'dilations') ?? Array(n).fill(1);
  return inDims.map((d, i) => Math.floor((d + pads[i] + pads[i + n] - ((kernel[i] - 1) * dilations[i] + 1)) / strides[i]) + 1);
}

/** How many window positions of each output index fall in [lo, hi) along one axis (with dilation). */
function windowCounts(outSize: number, g: Geometry, d: number, lo: number, hi: number): number[] {
  const counts: number[] = [];
  for (let o = 0; o < outSize; o++) {
    let n = 0;
    for (let m = 0; m < g.kernel[d]; m++) {
      const j = o * g.strides[d] - g.pads[d] + m * g.dilations[d];
      if (j >= lo && j < hi) n++;
    }
    counts.push(n);
  }
  return counts;
}

const averagePool: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const x = inputDims(c, 0);
  const y = outputDims(c);
  const n = x.length - 2;
  const kernel = attrInts(c, 'kernel_shape') ?? unsupported(c, 'no kernel_shape');
  const g = geometry(c, kernel, x.slice(2), y.slice(2));
  const includePad = attrInt(c, 'count_include_pad', 0) === 1;
  // The divisor of each output position, as ONNX Runtime computes it: the window's elements inside the input, or
  // inside the padded input (count_include_pad), never past the end padding (ceil_mode's extra windows).
  const perAxis = Array.from({ length: n }, (_, d) => windowCounts(y[d + 2], g, d, includePad ? -g.pads[d] : 0, x[d + 2] + (includePad ? g.pads[d + n] : 0)));
  const spatial = y.slice(2);
  const size = spatial.reduce((a, b) => a * b, 1);
  const inverse = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let rest = i;
    let count = 1;
    for (let d = n - 1; d >= 0; d--) {
      count *= perAxis[d][rest % spatial[d]];
      rest = Math.floor(rest / spatial[d]);
    }
    inverse[i] = count > 0 ? 1 / count : 0;
  }
  const uniform = inverse.every((v) => v === inverse[0]);
  const scaled = uniform ? c.e.scale(dy, inverse[0]) : c.e.one('Mul', [dy, c.e.f32(Array.from(inverse), [1, 1, ...spatial])]);
  const channels = x[1];
  const ones = c.e.f32(Array(channels * kernel.reduce((a, b) => a * b, 1)).fill(1), [channels, 1, ...kernel]);
  c.addGrad(0, transposedConv(c, scaled, ones, g, channels, x.slice(2), spatial, [channels, 1, ...kernel]));
};

const globalAveragePool: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const x = inputDims(c, 0);
  const count = x.slice(2).reduce((a, b) => a * b, 1);
  c.addGrad(0, c.e.one('Expand', [c.e.scale(dy, 1 / count), c.e.one('Shape', [c.node.inputs[0]])]));
};

/**
 * MaxPool: the gradient goes to each window's argmax, read from MaxPool's Indices output (flat over N·C·spatial),
 * unpooled where windows do not overlap, else scattered with summation. Before opset 16 ScatterElements cannot add,
 * so windows are split into groups that do not overlap (output positions congruent modulo ⌈window / stride⌉ along
 * each axis), each scattered alone, then summed.
 */
const maxPool: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if (attrInt(c, 'storage_order', 0) !== 0) unsupported(c, 'storage_order 1');
  const { e } = c;
  const x = inputDims(c, 0);
  const y = outputDims(c);
  const n = x.length - 2;
  const kernel = attrInts(c, 'kernel_shape') ?? unsupported(c, 'no kernel_shape');
  const g = geometry(c, kernel, x.slice(2), y.slice(2));
  const indices = c.extraOutput(1);
  const xName = c.node.inputs[0];
  // A ReLU feeding only this pool: its gradient is folded in. The argmax of a window of ReLU outputs holds a positive
  // input exactly when the window's maximum y is positive (else all are 0, and ReLU's gradient at ≤ 0 is 0), so the
  // ReLU's mask is (y > 0) on the pooled gradient — a quarter of the values — instead of a pass over the whole map.
  const producer = c.soleProducer(0);
  const relu = producer?.opType === 'Relu' && producer.domain === '' && c.isActive(producer.inputs[0]) ? producer : undefined;
  const routed = relu ? e.one('Mul', [dy, e.one('Cast', [e.one('Greater', [c.node.outputs[0], e.f32([0])])], { to: 1 })]) : dy;
  const give = (grad: string) => (relu ? c.addGradTo(relu.inputs[0], grad) : c.addGrad(0, grad));
  if (attrInt(c, 'ceil_mode', 0) === 0 && g.dilations.every((d) => d === 1) && g.kernel.every((k, d) => k <= g.strides[d])) {
    // Windows that do not overlap: each input element is some window's argmax at most once, so MaxUnpool (dy written
    // at the indices, zeros elsewhere) is the gradient — one pass, ~2× faster than zeros + ScatterElements.
    give(e.one('MaxUnpool', [routed, indices, e.one('Shape', [xName])], { kernel_shape: g.kernel, strides: g.strides, pads: g.pads }));
    return;
  }
  const flatShape = e.i64([-1]);
  const zeros = e.one('ConstantOfShape', [e.one('Shape', [e.one('Reshape', [xName, flatShape])])], {});
  const scatter = (values: string, where: string, add: boolean) =>
    e.one('ScatterElements', [zeros, e.one('Reshape', [where, flatShape]), e.one('Reshape', [values, flatShape])], {
      axis: 0,
      reduction: add ? 'add' : undefined,
    });
  let flat: string;
  if (c.opset >= 16) flat = scatter(routed, indices, true);
  else {
    const period = g.kernel.map((k, d) => Math.ceil(((k - 1) * g.dilations[d] + 1) / g.strides[d]));
    const groups: number[][] = [[]];
    for (let d = 0; d < n; d++) {
      const next: number[][] = [];
      for (const prefix of groups) for (let o = 0; o < Math.min(period[d], y[d + 2]); o++) next.push([...prefix, o]);
      groups.splice(0, groups.length, ...next);
    }
    const axes = Array.from({ length: n }, (_, d) => d + 2);
    const parts = groups.map((offsets) => {
      if (period.every((p) => p === 1)) return scatter(routed, indices, false);
      const pick = (t: string) => e.slice(t, offsets, Array(n).fill(TO_END), axes, period);
      return scatter(pick(routed), pick(indices), false);
    });
    flat = parts.length === 1 ? parts[0] : e.one('Sum', parts);
  }
  give(e.reshapeLike(flat, xName));
};

const batchNormalization: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  if ([1, 2, 3, 4].some((i) => c.node.inputs[i] && c.active(i))) unsupported(c, 'parameters that depend on the input');
  if (attrInt(c, 'training_mode', 0) === 1) unsupported(c, 'training_mode');
  if (!c.active(0)) return;
  const { e } = c;
  const rank = inputDims(c, 0).length;
  const [, scale, , , variance] = c.node.inputs;
  const std = e.one('Sqrt', [e.one('Add', [variance, e.f32([attrFloat(c, 'epsilon', 1e-5)])])]);
  const factor = e.unsqueeze(e.one('Div', [scale, std]), Array.from({ length: rank - 2 }, (_, k) => k + 1));
  c.addGrad(0, e.one('Mul', [dy, factor]));
};

// ---------------------------------------------------------------- arithmetic

const addSub = (sign: 1 | -1): Rule => (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const y = outputDims(c);
  if (c.active(0)) c.addGrad(0, unbroadcast(c, dy, y, 0));
  if (c.active(1)) c.addGrad(1, unbroadcast(c, sign === 1 ? dy : c.e.one('Neg', [dy]), y, 1));
};

const mul: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const y = outputDims(c);
  const [a, b] = c.node.inputs;
  if (c.active(0)) c.addGrad(0, unbroadcast(c, c.e.one('Mul', [dy, b]), y, 0));
  if (c.active(1)) c.addGrad(1, unbroadcast(c, c.e.one('Mul', [dy, a]), y, 1));
};

const div: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const { e } = c;
  const y = outputDims(c);
  const [, b] = c.node.inputs;
  const dyOverB = e.one('Div', [dy, b]);
  if (c.active(0)) c.addGrad(0, unbroadcast(c, dyOverB, y, 0));
  // d(a/b)/db = −(a/b)/b
  if (c.active(1)) c.addGrad(1, unbroadcast(c, e.one('Neg', [e.one('Mul', [dyOverB, c.node.outputs[0]])]), y, 1));
};

const sum: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const y = outputDims(c);
  c.node.inputs.forEach((_, i) => c.active(i) && c.addGrad(i, unbroadcast(c, dy, y, i)));
};

const pow: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if (c.active(1)) unsupported(c, 'an exponent that depends on the input');
  const exponent = c.constFloats(1);
  if (!exponent || exponent.length !== 1) unsupported(c, 'a non-scalar or non-constant exponent');
  const { e } = c;
  const p = exponent[0];
  const x = c.node.inputs[0];
  const power = p === 2 ? x : e.one('Pow', [x, e.f32([p - 1])]);
  c.addGrad(0, e.one('Mul', [dy, e.scale(power, p)]));
};

// ---------------------------------------------------------------- linear algebra

const gemm: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const { e } = c;
  const [a, b] = c.node.inputs;
  const alpha = { f: attrFloat(c, 'alpha', 1) };
  const transA = attrInt(c, 'transA', 0);
  const transB = attrInt(c, 'transB', 0);
  if (c.active(0)) {
    c.addGrad(0, transA ? e.one('Gemm', [b, dy], { alpha, transA: transB, transB: 1 }) : e.one('Gemm', [dy, b], { alpha, transB: transB ? 0 : 1 }));
  }
  if (c.active(1)) {
    c.addGrad(1, transB ? e.one('Gemm', [dy, a], { alpha, transA: 1, transB: transA }) : e.one('Gemm', [a, dy], { alpha, transA: transA ? 0 : 1 }));
  }
  if (c.node.inputs[2] && c.active(2)) c.addGrad(2, unbroadcast(c, e.scale(dy, attrFloat(c, 'beta', 1)), outputDims(c), 2));
};

function swapLast(c: RuleContext, name: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, k) => k);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.e.one('Transpose', [name], { perm });
}

const matMul: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const [a, b] = c.node.inputs;
  const ra = inputDims(c, 0).length;
  const rb = inputDims(c, 1).length;
  if (ra < 2 || rb < 2) unsupported(c, 'a one-dimensional operand');
  const y = outputDims(c);
  if (c.active(0)) c.addGrad(0, unbroadcast(c, c.e.one('MatMul', [dy, swapLast(c, b, rb)]), y, 0));
  if (c.active(1)) c.addGrad(1, unbroadcast(c, c.e.one('MatMul', [swapLast(c, a, ra), dy]), y, 1));
};

// ---------------------------------------------------------------- normalisers

/** Axes Softmax/LogSoftmax normalise over: one axis from opset 13, all axes from `axis` on before. */
function softmaxAxes(c: RuleContext): number[] {
  const rank = inputDims(c, 0).length;
  if (c.opset >= 13) return [normAxis(attrInt(c, 'axis', -1), rank)];
  const from = normAxis(attrInt(c, 'axis', 1), rank);
  return Array.from({ length: rank - from }, (_, k) => from + k);
}

const softmax: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const { e } = c;
  const y = c.node.outputs[0];
  const dot = e.reduceSum(e.one('Mul', [dy, y]), softmaxAxes(c), true);
  c.addGrad(0, e.one('Mul', [y, e.one('Sub', [dy, dot])]));
};

const logSoftmax: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const { e } = c;
  const total = e.reduceSum(dy, softmaxAxes(c), true);
  c.addGrad(0, e.one('Sub', [dy, e.one('Mul', [e.one('Exp', [c.node.outputs[0]]), total])]));
};

function reduceAxes(c: RuleContext): number[] {
  const rank = inputDims(c, 0).length;
  const fromInput = (c.opset >= 18 || c.node.opType === 'ReduceSum') && c.opset >= 13;
  let axes = fromInput ? (c.node.inputs[1] ? c.constInts(1) : []) : attrInts(c, 'axes');
  if (axes === undefined && fromInput && c.node.inputs[1]) unsupported(c, 'axes that are not constant');
  if (!axes || axes.length === 0) {
    if (fromInput && attrInt(c, 'noop_with_empty_axes', 0) === 1) return [];
    axes = Array.from({ length: rank }, (_, k) => k);
  }
  return axes.map((a) => normAxis(a, rank)).sort((p, q) => p - q);
}

const reduce = (mean: boolean): Rule => (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const { e } = c;
  const facts = c.facts(c.node.inputs[0]);
  const axes = reduceAxes(c);
  if (axes.some((a) => facts.batchDims[a])) unsupported(c, 'a reduction over the batch');
  const kept = attrInt(c, 'keepdims', 1) === 1 ? dy : e.unsqueeze(dy, axes);
  const count = axes.reduce((n, a) => n * facts.dims[a], 1);
  c.addGrad(0, e.one('Expand', [mean ? e.scale(kept, 1 / count) : kept, e.one('Shape', [c.node.inputs[0]])]));
};

// ---------------------------------------------------------------- shape ops

const transpose: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const rank = inputDims(c, 0).length;
  const perm = attrInts(c, 'perm') ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
  const inverse = Array(rank);
  perm.forEach((p, k) => (inverse[p] = k));
  c.addGrad(0, c.e.one('Transpose', [dy], { perm: inverse }));
};

const concat: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const y = c.facts(c.node.outputs[0]);
  const axis = normAxis(attrInt(c, 'axis', 0), y.dims.length);
  if (y.batchDims[axis]) unsupported(c, 'concatenation along the batch');
  let offset = 0;
  c.node.inputs.forEach((name, i) => {
    const size = c.facts(name).dims[axis];
    if (c.active(i)) c.addGrad(i, c.e.slice(dy, [offset], [offset + size], [axis]));
    offset += size;
  });
};

const pad: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if (attrString(c, 'mode', 'constant') !== 'constant') unsupported(c, `mode ${attrString(c, 'mode', '')}`);
  if (c.node.inputs[2] && c.active(2)) unsupported(c, 'a pad value that depends on the input');
  const x = c.facts(c.node.inputs[0]);
  const rank = x.dims.length;
  let pads = c.opset >= 11 ? c.constInts(1) : attrInts(c, 'pads');
  if (!pads) unsupported(c, 'pads that are not constant');
  if (c.opset >= 18 && c.node.inputs[3]) {
    const axes = c.constInts(3);
    if (!axes) unsupported(c, 'axes that are not constant');
    const full = Array(2 * rank).fill(0);
    axes.forEach((a, k) => {
      const ax = normAxis(a, rank);
      full[ax] = pads![k];
      full[ax + rank] = pads![k + axes.length];
    });
    pads = full;
  }
  const axes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const negative = pads.map((p) => Math.max(0, -p));
  for (let a = 0; a < rank; a++) {
    const [begin, end] = [pads[a], pads[a + rank]];
    if (begin === 0 && end === 0) continue;
    if ((begin !== 0 || end !== 0) && x.batchDims[a]) unsupported(c, 'padding of the batch axis');
    axes.push(a);
    starts.push(Math.max(0, begin));
    ends.push(Math.max(0, begin) + x.dims[a] - negative[a] - negative[a + rank]);
  }
  const sliced = axes.length ? c.e.slice(dy, starts, ends, axes) : dy;
  c.addGrad(0, c.e.pad(sliced, negative));
};

/** Slice with positive steps: zeros interleaved (pad + reshape) per strided axis, then padded back into place. */
const slice: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if ([1, 2, 3, 4].some((i) => c.node.inputs[i] && c.active(i))) unsupported(c, 'bounds that depend on the input');
  const { e } = c;
  const x = c.facts(c.node.inputs[0]);
  const y = outputDims(c);
  const rank = x.dims.length;
  const starts = c.constInts(1);
  const axesGiven = c.node.inputs[3] ? c.constInts(3) : Array.from({ length: starts?.length ?? 0 }, (_, k) => k);
  const steps = c.node.inputs[4] ? c.constInts(4) : starts?.map(() => 1);
  if (!starts || !axesGiven || !steps) unsupported(c, 'bounds that are not constant');
  let g = dy;
  let gDims = [...y];
  const pads = Array(2 * rank).fill(0);
  axesGiven.forEach((a0, k) => {
    const a = normAxis(a0, rank);
    const step = steps[k];
    if (step <= 0) unsupported(c, 'a negative step');
    const size = x.dims[a];
    if (x.batchDims[a]) {
      if (y[a] !== size) unsupported(c, 'slicing of the batch axis');
      return;
    }
    let start = starts[k] < 0 ? starts[k] + size : starts[k];
    start = Math.min(Math.max(start, 0), size);
    const count = y[a];
    if (step > 1 && count > 0) {
      // [.., n, ..] → [.., n, 1, ..] → pad to [.., n, step, ..] → [.., n·step, ..]: value j at j·step.
      const expanded = e.unsqueeze(g, [a + 1]);
      const widen = Array(2 * (rank + 1)).fill(0);
      widen[a + 1 + rank + 1] = step - 1;
      const shape = gDims.map((d, i) => (i < a ? 0 : d));
      shape[a] = count * step;
      g = e.one('Reshape', [e.pad(expanded, widen), e.i64(shape)]);
      gDims = [...gDims];
      gDims[a] = count * step;
    }
    const end = start + gDims[a];
    if (end > size) {
      g = e.slice(g, [0], [size - start], [a]);
      gDims[a] = size - start;
    }
    pads[a] = start;
    pads[a + rank] = size - start - gDims[a];
  });
  c.addGrad(0, e.pad(g, pads));
};

const clip: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const { e } = c;
  const x = c.node.inputs[0];
  if (c.opset >= 11) {
    if ([1, 2].some((i) => c.node.inputs[i] && c.active(i))) unsupported(c, 'bounds that depend on the input');
  }
  // Inside [min, max] (boundaries included, as tfjs' clipByValue gradient) exactly where the output equals the input.
  c.addGrad(0, e.one('Where', [e.one('Equal', [c.node.outputs[0], x]), dy, zero(e)]));
};

/**
 * Gather of input-dependent data at constant indices (scalar or 1-D, repeats allowed): the gradient is dy moved to
 * the last axis, times the one-hot matrix [L, D] of the indices, moved back (repeated indices add up).
 */
const gather: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  const x = c.facts(c.node.inputs[0]);
  const rank = x.dims.length;
  const axis = normAxis(attrInt(c, 'axis', 0), rank);
  const indices = c.constInts(1);
  const indexRank = c.facts(c.node.inputs[1]).dims.length;
  if (!indices || indexRank > 1) unsupported(c, 'indices that are not a constant scalar or vector');
  if (x.batchDims[axis]) unsupported(c, 'gathering along the batch');
  const size = x.dims[axis];
  if (indices.length * size > 1 << 22) unsupported(c, 'too many indices for a one-hot gradient');
  const { e } = c;
  const g = indexRank === 0 ? e.unsqueeze(dy, [axis]) : dy;
  const oneHot = new Array<number>(indices.length * size).fill(0);
  indices.forEach((i, l) => {
    const k = i < 0 ? i + size : i;
    if (k < 0 || k >= size) unsupported(c, `index ${i} out of range`);
    oneHot[l * size + k] = 1;
  });
  const toLast = Array.from({ length: rank }, (_, k) => k).filter((k) => k !== axis).concat(axis);
  const back = Array(rank);
  toLast.forEach((p, k) => (back[p] = k));
  const moved = axis === rank - 1 ? g : e.one('Transpose', [g], { perm: toLast });
  const product = e.one('MatMul', [moved, e.f32(oneHot, [indices.length, size])]);
  c.addGrad(0, axis === rank - 1 ? product : e.one('Transpose', [product], { perm: back }));
};

/**
 * Einsum with one or two operands and an explicit output, no ellipsis, no letter repeated within a term: the
 * gradient of an operand is the einsum of dy with the other operand into the operand's letters, valid when each of
 * its letters appears in the output or the other operand (otherwise the op summed it away: unsupported).
 */
const einsum: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy) return;
  const equation = attrString(c, 'equation', '').replace(/\s+/g, '');
  const [lhs, out] = equation.split('->');
  const terms = lhs?.split(',') ?? [];
  if (out === undefined || equation.includes('.') || terms.length < 1 || terms.length > 2) unsupported(c, `equation '${equation}'`);
  if ([...terms, out].some((t) => new Set(t).size !== t.length)) unsupported(c, `a repeated index in '${equation}'`);
  terms.forEach((term, i) => {
    if (!c.active(i)) return;
    const other = terms.length === 2 ? terms[1 - i] : '';
    const available = new Set(out + other);
    if ([...term].some((l) => !available.has(l))) unsupported(c, `an index summed within one operand in '${equation}'`);
    const inputs = terms.length === 2 ? [dy, c.node.inputs[1 - i]] : [dy];
    const grad = c.e.one('Einsum', inputs, { equation: `${out}${other ? `,${other}` : ''}->${term}` });
    c.addGrad(i, grad);
  });
};

/** Expand: dy summed back over the broadcast axes. */
const expand: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (dy && c.active(0)) c.addGrad(0, unbroadcast(c, dy, outputDims(c), 0));
};

/** Split: the outputs' gradients concatenated (zeros for outputs no gradient reaches). */
const split: Rule = (c) => {
  if (!c.active(0)) return;
  const { e } = c;
  const rank = inputDims(c, 0).length;
  const axis = normAxis(attrInt(c, 'axis', 0), rank);
  if (c.facts(c.node.inputs[0]).batchDims[axis]) unsupported(c, 'splitting along the batch');
  const parts = c.node.outputs.map((o, k) => c.dy(k) ?? e.one('ConstantOfShape', [e.one('Shape', [o])]));
  c.addGrad(0, parts.length === 1 ? parts[0] : e.one('Concat', parts, { axis }));
};

/** Cast between float types (float32 models): the identity for the gradient. */
const cast: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if (c.facts(c.node.inputs[0]).dtype !== 'float32' || c.facts(c.node.outputs[0]).dtype !== 'float32') unsupported(c, 'a cast between float types');
  c.addGrad(0, dy);
};

/** Resize: A_hᵀ · dY · A_w with the interpolation matrices ONNX Runtime gave for this node (resize.ts). */
const resize: Rule = (c) => {
  const dy = firstGradOnly(c);
  if (!dy || !c.active(0)) return;
  if ([1, 2, 3].some((i) => c.active(i))) unsupported(c, 'roi, scales or sizes that depend on the input');
  const found = c.resize;
  if (!found || typeof found === 'string') unsupported(c, found ?? 'no interpolation matrices');
  const { e } = c;
  const rank = inputDims(c, 0).length;
  let g = dy;
  found.matrices.forEach((m, k) => {
    if (!m) return;
    const axis = k + 2;
    if (axis === rank - 1) g = e.one('MatMul', [g, e.f32(m.values, [m.out, m.in])]);
    else {
      // Along the second-to-last axis: Aᵀ [in, out] from the left.
      const transposed = new Array<number>(m.values.length);
      for (let o = 0; o < m.out; o++) for (let i = 0; i < m.in; i++) transposed[i * m.out + o] = m.values[o * m.in + i];
      g = e.one('MatMul', [e.f32(transposed, [m.in, m.out]), g]);
    }
  });
  c.addGrad(0, g);
};

const zero = (e: Emitter) => e.f32([0]);

export const RULES: Record<string, Rule> = {
  Identity: passThrough,
  Dropout: passThrough,
  Flatten: reshapeBack,
  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Relu: unary((c, x, _y, dy) => c.e.one('Where', [c.e.one('Greater', [x, zero(c.e)]), dy, zero(c.e)])),
  LeakyRelu: unary((c, x, _y, dy) =>
    c.e.one('Where', [c.e.one('Greater', [x, zero(c.e)]), dy, c.e.scale(dy, attrFloat(c, 'alpha', 0.01))]),
  ),
  Sigmoid: unary((c, _x, y, dy) => c.e.one('Mul', [dy, c.e.one('Mul', [y, c.e.one('Sub', [c.e.f32([1]), y])])])),
  Tanh: unary((c, _x, y, dy) => c.e.one('Mul', [dy, c.e.one('Sub', [c.e.f32([1]), c.e.one('Mul', [y, y])])])),
  Exp: unary((c, _x, y, dy) => c.e.one('Mul', [dy, y])),
  Log: unary((c, x, _y, dy) => c.e.one('Div', [dy, x])),
  Sqrt: unary((c, _x, y, dy) => c.e.one('Div', [c.e.scale(dy, 0.5), y])),
  Neg: unary((c, _x, _y, dy) => c.e.one('Neg', [dy])),
  Erf: unary((c, x, _y, dy) => c.e.one('Mul', [dy, c.e.scale(c.e.one('Exp', [c.e.one('Neg', [c.e.one('Mul', [x, x])])]), 2 / Math.sqrt(Math.PI))])),
  Abs: unary((c, x, _y, dy) => c.e.one('Mul', [dy, c.e.one('Sign', [x])])),
  Reciprocal: unary((c, _x, y, dy) => c.e.one('Neg', [c.e.one('Mul', [dy, c.e.one('Mul', [y, y])])])),
  Sin: unary((c, x, _y, dy) => c.e.one('Mul', [dy, c.e.one('Cos', [x])])),
  Cos: unary((c, x, _y, dy) => c.e.one('Neg', [c.e.one('Mul', [dy, c.e.one('Sin', [x])])])),
  Softplus: unary((c, x, _y, dy) => c.e.one('Mul', [dy, c.e.one('Sigmoid', [x])])),
  Elu: unary((c, x, y, dy) =>
    // y + α for x ≤ 0 (= α·eˣ), 1 for x > 0.
    c.e.one('Where', [c.e.one('Greater', [x, zero(c.e)]), dy, c.e.one('Mul', [dy, c.e.one('Add', [y, c.e.f32([attrFloat(c, 'alpha', 1)])])])]),
  ),
  HardSigmoid: unary((c, x, _y, dy) => {
    const alpha = attrFloat(c, 'alpha', 0.2);
    const z = c.e.one('Add', [c.e.scale(x, alpha), c.e.f32([attrFloat(c, 'beta', 0.5)])]);
    return c.e.scale(maskBetween(c, z, dy, zero(c.e), c.e.f32([1])), alpha);
  }),
  HardSwish: unary((c, x, _y, dy) => {
    // y = x·h(x), h = clip(x/6 + 1/2, 0, 1): y' = h(x) + x/6 where 0 ≤ x/6 + 1/2 ≤ 1.
    const h = c.e.one('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
    const z = c.e.one('Add', [c.e.scale(x, 1 / 6), c.e.f32([0.5])]);
    const inner = maskBetween(c, z, c.e.scale(x, 1 / 6), zero(c.e), c.e.f32([1]));
    return c.e.one('Mul', [dy, c.e.one('Add', [h, inner])]);
  }),
  PRelu: (c) => {
    const dy = firstGradOnly(c);
    if (!dy) return;
    if (c.active(1)) unsupported(c, 'a slope that depends on the input');
    if (!c.active(0)) return;
    const x = c.node.inputs[0];
    c.addGrad(0, c.e.one('Where', [c.e.one('Greater', [x, zero(c.e)]), dy, c.e.one('Mul', [dy, c.node.inputs[1]])]));
  },
  Clip: clip,
  Add: addSub(1),
  Sub: addSub(-1),
  Mul: mul,
  Div: div,
  Sum: sum,
  Pow: pow,
  Conv: conv,
  ConvTranspose: convTranspose,
  BatchNormalization: batchNormalization,
  GlobalAveragePool: globalAveragePool,
  AveragePool: averagePool,
  MaxPool: maxPool,
  Gemm: gemm,
  MatMul: matMul,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  ReduceMean: reduce(true),
  ReduceSum: reduce(false),
  Transpose: transpose,
  Concat: concat,
  Pad: pad,
  Slice: slice,
  Gather: gather,
  Einsum: einsum,
  Expand: expand,
  Split: split,
  Cast: cast,
  Resize: resize,
};

/** Ops whose outputs carry no gradient to their inputs (comparisons, shapes, rounding). */
export const NON_DIFFERENTIABLE = new Set([
  'Shape',
  'Size',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'IsNaN',
  'IsInf',
  'ConstantOfShape',
  'EyeLike',
  'RandomNormalLike',
  'RandomUniformLike',
]);
