// Layer-wise Relevance Propagation (Bach et al. 2015; Montavon et al. 2019), after Zennit's design: rules for layers
// (rules.ts), composites that assign them, and a canonizer that merges BatchNorm (and any elementwise affine op) into
// the linear layer before it.
//
// How it runs. One forward pass is recorded as the graph of tfjs kernels it ran (tape.ts), so the same code serves
// TF.js layers, TF.js graph and imported ONNX models. Relevance is propagated over that graph directly (not as a
// modified gradient through tf.grad: the rules that change a layer's weights need the whole canonized layer, and the
// graph shows it). The graph is then read as layers:
//   • a linear layer is a MatMul / Conv2D / DepthwiseConv2D kernel with a constant weight (also when tfjs fuses it, or
//     the ONNX importer hides it in a custom-gradient op: tape.ts records those calls), followed by the chain of
//     elementwise affine kernels applied to its output alone (bias Add/Sub, Mul/Div by a constant, FusedBatchNorm, and
//     Reshapes that keep the channel axis) — the canonizer: the chain is one layer with merged weights and bias;
//   • a chain of such affine kernels with no linear kernel before it is an elementwise linear layer (weights on the
//     diagonal) and gets the ε-rule;
//   • Add / Sub of two computed tensors (residual connections), Mean (global pooling) and AvgPool get Zennit's Norm
//     rule: each input gets its share in proportion to its contribution, R_i = a_i ⊙ ∂y/∂a_iᵀ (R / stab(y));
//   • elementwise activations (ReLU, ReLU6, clip, LeakyReLU, ELU, sigmoid, tanh, …) pass relevance through (Zennit's Pass);
//   • everything else (MaxPool, Reshape, Transpose, Pad, Concat, Slice, …) passes relevance on by its ordinary
//     gradient, as Zennit does for modules without a rule: MaxPool hands it to the winning input, shape ops move it.
//     Kernels outside that structural list are named in the check `gradientOps`.
// Relevance then flows from the output down, kernel by kernel, in reverse order of the forward pass.
//
// Where it starts. The explained score is the logit: when the model ends in Softmax or Sigmoid (possibly followed by
// Identity/Reshape), propagation starts at its input; otherwise at the output. R = z_target at the target, 0
// elsewhere; the check `relevanceOut` is that score and `relevanceIn` the sum of the input relevances.
//
// Composites (Zennit's; δ = 1e-6 is the stabilizer of every rule but ε, and of Norm):
//   epsilon               ε on every dense and conv layer
//   zero                  LRP-0: ε = 0 everywhere, Norm unstabilized — equals gradient × input (of the logit) on
//                         networks of ReLU, linear layers, max/avg pooling and sums
//   epsilon-plus          ε on dense layers, z⁺ on convolutions
//   epsilon-gamma-box     ε dense, γ conv, zᴮ on the first layers (those that read the input through shape ops only)
//   epsilon-alpha2-beta1  ε dense, α2β1 conv
// Bias: following Zennit, a layer's bias (merged with BatchNorm's shift) is part of its output z, so it absorbs its
// share of the relevance: Σ R_in = Σ R_out − (bias share) − (stabilizer share). On bias-free ReLU networks LRP-0
// conserves exactly; with biases the missing relevance is what the biases took.
import * as tf from '@tensorflow/tfjs';
import type { MethodOptions } from '../../../shared/types';
import { EngineError } from '../../errors';
import type { ExplainableModel } from '../../models/types';
import { choiceOption, invalidOption, nonNegativeOption } from '../options';
import type { AttributionMethod } from '../types';
import { propagate, ruleLabel, stabilize, type LinearKernel, type Part, type Rule } from './rules';
import { engine, HIDDEN, record, stockSaved, type KernelCall, type Recording, type TapeNode } from './tape';

export type Composite = NonNullable<MethodOptions['composite']>;
export const COMPOSITES: readonly Composite[] = ['epsilon-plus', 'epsilon-gamma-box', 'epsilon-alpha2-beta1', 'epsilon', 'zero'];
export const DEFAULT_EPSILON = 1e-6;
export const DEFAULT_GAMMA = 0.25;
export const STABILIZER = 1e-6;

/** Activations that pass relevance through unchanged (their first input is the one relevance goes to). */
const PASS = new Set(['Minimum', 'Maximum', 'Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Softplus', 'Prelu', 'ClipByValue', 'Identity', 'Cast']);
/** Kernels whose gradient moves relevance around without changing it (no rule needed). */
const STRUCTURAL = new Set([
  'Reshape', 'Transpose', 'PadV2', 'MirrorPad', 'ConcatV2', 'Concat', 'Slice', 'StridedSlice', 'Squeeze', 'ExpandDims',
  'Pack', 'Unpack', 'SplitV', 'Tile', 'GatherV2', 'MaxPool', 'Max', 'Identity', 'Cast', 'BroadcastTo', 'Reverse',
]);
const LINEAR = new Set(['BatchMatMul', 'Conv2D', 'DepthwiseConv2dNative']);
const AFFINE = new Set(['Add', 'Sub', 'Multiply', 'RealDiv', 'FusedBatchNorm']);

interface Layer {
  kind: 'dense' | 'conv' | 'scale';
  head?: TapeNode;
  members: TapeNode[];
  end: TapeNode;
  /** Tensor id of the layer's input. */
  inputId: number;
}

export interface LrpResult {
  /** Same shape as the model input x. */
  relevance: tf.Tensor;
  relevanceOut: number;
  layers: { kind: Layer['kind']; rule: string }[];
  gradientOps: string[];
}

interface Settings {
  composite: Composite;
  epsilon: number;
  gamma: number;
  inputBounds?: [number, number];
}

/** The graph around the recorded nodes: which tensors depend on x, who produces and who consumes them. */
class Graph {
  readonly dependent = new Set<number>();
  readonly producer = new Map<number, TapeNode>();
  readonly consumers = new Map<number, number>();
  /** Buffers of the tensors that depend on x. */
  readonly dependentData = new Set<object>();
  constructor(
    readonly rec: Recording,
    readonly x: tf.Tensor,
  ) {
    this.dependent.add(x.id);
    this.dependentData.add(x.dataId);
    for (const n of rec.nodes) {
      for (const t of Object.values(n.inputs)) if (t) this.consumers.set(t.id, (this.consumers.get(t.id) ?? 0) + 1);
      n.outputs.forEach((o) => {
        this.dependent.add(o.id);
        this.dependentData.add(o.dataId);
        this.producer.set(o.id, n);
      });
    }
  }
  isDep(t: tf.Tensor | undefined): boolean {
    return t !== undefined && this.dependent.has(t.id);
  }
  depInputs(n: TapeNode): string[] {
    return Object.keys(n.inputs).filter((k) => this.isDep(n.inputs[k]));
  }
}

interface Head {
  /** The plain kernel (BatchMatMul, Conv2D, DepthwiseConv2dNative) and its input names for x and the weight. */
  plain: string;
  dep: string;
  param: string;
  kind: 'dense' | 'conv';
  /** The layer input as a tape tensor. */
  input: tf.Tensor;
  /** For a hidden kernel (fused op, customGrad): the recorded call. */
  call?: KernelCall;
}

/** The linear kernel of a layer head (a taped MatMul/Conv2D/DepthwiseConv2D, or a hidden one), with a constant weight. */
function headOf(g: Graph, n: TapeNode): Head | undefined {
  const deps = g.depInputs(n);
  if (deps.length !== 1) return undefined;
  const input = n.inputs[deps[0]] as tf.Tensor;
  if (LINEAR.has(n.kernelName)) {
    const names = n.kernelName === 'BatchMatMul' ? ['a', 'b'] : ['x', 'filter'];
    const dep = deps[0];
    if (n.kernelName !== 'BatchMatMul' && dep !== 'x') return undefined;
    return { plain: n.kernelName, dep, param: names.find((k) => k !== dep) as string, kind: n.kernelName === 'BatchMatMul' ? 'dense' : 'conv', input };
  }
  const call = g.rec.hidden(n);
  if (!call) return undefined;
  const plain = HIDDEN[call.kernel];
  const names = plain === 'BatchMatMul' ? ['a', 'b'] : ['x', 'filter'];
  const dep = names.find((k) => call.inputs[k]?.dataId === input.dataId);
  if (!dep || (plain !== 'BatchMatMul' && dep !== 'x')) return undefined;
  const param = names.find((k) => k !== dep) as string;
  if (g.dependentData.has(call.inputs[param].dataId) || (call.inputs.bias && g.dependentData.has(call.inputs.bias.dataId))) return undefined;
  return { plain, dep, param, kind: plain === 'BatchMatMul' ? 'dense' : 'conv', input, call };
}

/** For an affine kernel with one dependent input: that input's name. */
function affineInput(g: Graph, n: TapeNode): string | undefined {
  if (!AFFINE.has(n.kernelName)) return undefined;
  const deps = g.depInputs(n);
  if (deps.length !== 1) return undefined;
  if (n.kernelName === 'FusedBatchNorm') return deps[0] === 'x' ? 'x' : undefined;
  if (n.kernelName === 'RealDiv' && deps[0] !== 'a') return undefined;
  return deps[0];
}

/** Groups the recorded nodes into layers (the canonizer). */
function findLayers(g: Graph): Layer[] {
  const open = new Map<number, Layer>(); // chain end tensor id → layer
  const layers: Layer[] = [];
  for (const n of g.rec.nodes) {
    const head = headOf(g, n);
    if (head) {
      const layer: Layer = { kind: head.kind, head: n, members: [n], end: n, inputId: head.input.id };
      layers.push(layer);
      open.set(n.outputs[0].id, layer);
      continue;
    }
    const isReshape = n.kernelName === 'Reshape';
    const dep = isReshape ? (g.depInputs(n).length === 1 ? g.depInputs(n)[0] : undefined) : affineInput(g, n);
    if (!dep) continue;
    const t = n.inputs[dep] as tf.Tensor;
    const chain = open.get(t.id);
    if (chain && g.consumers.get(t.id) === 1 && (!isReshape || keepsChannels(t.shape, n.outputs[0].shape))) {
      open.delete(t.id);
      chain.members.push(n);
      chain.end = n;
      open.set(n.outputs[0].id, chain);
    } else if (!isReshape) {
      const layer: Layer = { kind: 'scale', members: [n], end: n, inputId: t.id };
      layers.push(layer);
      open.set(n.outputs[0].id, layer);
    }
  }
  // A chain ends on a kernel whose output is saved: trailing Reshapes are left to the plain gradient.
  for (const layer of layers) {
    while (layer.end.kernelName === 'Reshape') {
      layer.members.pop();
      layer.end = layer.members[layer.members.length - 1];
    }
  }
  return layers;
}

function keepsChannels(from: number[], to: number[]): boolean {
  return from.length > 0 && to.length > 0 && from[from.length - 1] === to[to.length - 1];
}

/** The merged elementwise scale of a layer's chain (null when 1), shaped to broadcast against the kernel's output. */
function chainScale(g: Graph, layer: Layer, outShape: number[]): tf.Tensor | null {
  let s: tf.Tensor | null = null;
  const times = (p: tf.Tensor) => (s = s ? tf.mul(s, p) : p);
  let shape = outShape;
  for (const n of layer.members) {
    if (n === layer.head) continue;
    const dep = n.kernelName === 'Reshape' ? 'x' : (affineInput(g, n) as string);
    const other = (name: string) => g.rec.input(n, name) as tf.Tensor;
    switch (n.kernelName) {
      case 'Sub':
        if (dep === 'b') times(tf.scalar(-1));
        break;
      case 'Multiply':
        times(other(dep === 'a' ? 'b' : 'a'));
        break;
      case 'RealDiv':
        times(tf.reciprocal(other('b')));
        break;
      case 'FusedBatchNorm': {
        const eps = Number(g.rec.attrsOf(n).varianceEpsilon ?? 0.001);
        const k = tf.rsqrt(tf.add(other('variance'), eps));
        const scale = g.rec.input(n, 'scale');
        times(scale ? tf.mul(scale, k) : k);
        break;
      }
      case 'Reshape': {
        const to = n.outputs[0].shape;
        const cur = s as tf.Tensor | null;
        if (cur && cur.size === sizeOf(shape)) s = tf.reshape(cur, to);
        else if (cur && cur.size > 1 && !(cur.size === to[to.length - 1] && cur.shape.slice(0, -1).every((d) => d === 1))) {
          throw new EngineError('UNSUPPORTED', `lrp: cannot carry the scale of a layer through a Reshape from [${shape}] to [${to}]`);
        }
        shape = to;
        break;
      }
      default:
        break;
    }
  }
  const sc = s as tf.Tensor | null;
  if (!sc) return null;
  const outSize = sizeOf(outShape);
  if (sc.size === outSize) return tf.reshape(sc, outShape);
  const channels = outShape[outShape.length - 1];
  if (sc.size === 1) return tf.reshape(sc, []);
  if (sc.size === channels && sc.shape.slice(0, -1).every((d) => d === 1)) return tf.reshape(sc, [channels]);
  try {
    tf.broadcastTo(sc, outShape).dispose();
    return sc;
  } catch {
    throw new EngineError('UNSUPPORTED', `lrp: cannot merge the scale of ${layer.end.kernelName} into its layer`);
  }
}

function sameShape(a: number[], b: number[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The layer's kernel, its input value, and its output value z (in the kernel's output shape). */
function kernelOf(g: Graph, layer: Layer): { kernel: LinearKernel; x: tf.Tensor; z: tf.Tensor } {
  const e = engine();
  if (!layer.head) {
    const n = layer.members[0];
    const x = g.rec.input(n, affineInput(g, n) as string) as tf.Tensor;
    const kernel: LinearKernel = {
      forward: (u, part) => (part === 'neg' ? tf.zerosLike(u) : u),
      transpose: (v, part) => (part === 'neg' ? tf.zerosLike(v) : v),
    };
    return { kernel, x, z: tf.reshape(g.rec.outputValue(layer.end) as tf.Tensor, x.shape) };
  }
  const n = layer.head;
  const head = headOf(g, n) as Head;
  const { plain, dep, param, call } = head;
  const attrs = call ? call.attrs : g.rec.attrsOf(n);
  const x = call ? call.inputs[dep] : (g.rec.input(n, dep) as tf.Tensor);
  const w = call ? call.inputs[param] : (g.rec.input(n, param) as tf.Tensor);
  const weights: Record<Part, tf.Tensor> = { all: w, pos: tf.relu(w), neg: tf.minimum(w, 0) };
  const plainAttrs: Record<string, unknown> =
    plain === 'BatchMatMul'
      ? { transposeA: attrs.transposeA ?? false, transposeB: attrs.transposeB ?? false }
      : { strides: attrs.strides, pad: attrs.pad, dataFormat: attrs.dataFormat ?? 'NHWC', dilations: attrs.dilations ?? [1, 1], dimRoundingMode: attrs.dimRoundingMode };
  const stock = tf.getGradient(plain);
  if (!stock) throw new EngineError('UNSUPPORTED', `lrp: tfjs has no gradient for ${plain}`);
  const kernel: LinearKernel = {
    forward: (u, part) => e.runKernel(plain, { [dep]: u, [param]: weights[part] }, plainAttrs) as tf.Tensor,
    transpose: (v, part) => {
      const grads = stock.gradFunc(v, stockSaved(plain, { [dep]: x, [param]: weights[part] }), plainAttrs as unknown as tf.NamedAttrMap);
      return grads[dep]();
    },
  };
  // The head's own output (a hidden kernel's includes its fused bias), or the chain's last output.
  let z: tf.Tensor;
  if (layer.end !== n) z = g.rec.outputValue(layer.end) as tf.Tensor;
  else if (call) z = e.runKernel(call.kernel, call.inputs, call.attrs) as tf.Tensor;
  else z = g.rec.outputValue(n) as tf.Tensor;
  const outShape = kernel.forward(x, 'all').shape;
  return { kernel, x, z: tf.reshape(z, outShape) };
}

/**
 * The zᴮ bounds at a layer's input: the input box [low, high] carried through the shape ops (Reshape, Transpose, Pad)
 * between the model input and the layer; undefined when other kernels lie between them.
 */
function boundsAt(g: Graph, inputId: number, low: number, high: number): [tf.Tensor, tf.Tensor] | undefined {
  const path: TapeNode[] = [];
  let id = inputId;
  while (id !== g.x.id) {
    const n = g.producer.get(id);
    const identity = n?.kernelName === 'Slice' && sameShape(n.outputs[0].shape, (n.inputs.x as tf.Tensor | undefined)?.shape);
    if (!n || !(identity || ['Reshape', 'Transpose', 'PadV2'].includes(n.kernelName))) return undefined;
    const deps = g.depInputs(n);
    if (deps.length !== 1 || deps[0] !== 'x') return undefined;
    path.unshift(n);
    id = (n.inputs.x as tf.Tensor).id;
  }
  const e = engine();
  const carry = (value: number) =>
    path.reduce<tf.Tensor>(
      (t, n) => (n.kernelName === 'Reshape' || n.kernelName === 'Slice' ? tf.reshape(t, n.outputs[0].shape) : (e.runKernel(n.kernelName, { x: t }, g.rec.attrsOf(n)) as tf.Tensor)),
      tf.fill(g.x.shape, value),
    );
  return [carry(low), carry(high)];
}

function ruleFor(layer: Layer, first: boolean, s: Settings, bounds: () => [tf.Tensor, tf.Tensor]): Rule {
  const eps: Rule = { name: 'epsilon', epsilon: s.composite === 'zero' ? 0 : s.epsilon };
  if (layer.kind !== 'conv' && !(first && s.composite === 'epsilon-gamma-box')) return eps;
  switch (s.composite) {
    case 'epsilon':
    case 'zero':
      return eps;
    case 'epsilon-plus':
      return { name: 'zplus', stabilizer: STABILIZER };
    case 'epsilon-alpha2-beta1':
      return { name: 'alpha-beta', alpha: 2, beta: 1, stabilizer: STABILIZER };
    case 'epsilon-gamma-box': {
      if (first) {
        const [low, high] = bounds();
        return { name: 'zbox', low, high, stabilizer: STABILIZER };
      }
      return { name: 'gamma', gamma: s.gamma, stabilizer: STABILIZER };
    }
  }
}

/**
 * Where propagation starts: the input of a final Softmax or Sigmoid (through Identity/Reshape), i.e. the logits;
 * otherwise the output itself.
 */
function startOf(g: Graph): { id: number; value: tf.Tensor } {
  const y = g.rec.output;
  let id = y.id;
  for (;;) {
    const n = g.producer.get(id);
    if (!n) break;
    if (n.kernelName === 'Softmax' || n.kernelName === 'Sigmoid') {
      const name = n.kernelName === 'Softmax' ? 'logits' : 'x';
      const logits = g.rec.input(n, name) as tf.Tensor;
      if (logits.size !== y.size) break;
      return { id: (n.inputs[name] as tf.Tensor).id, value: tf.reshape(logits, y.shape) };
    }
    const deps = g.depInputs(n);
    if (!['Identity', 'Reshape'].includes(n.kernelName) || deps.length !== 1) break;
    id = (n.inputs[deps[0]] as tf.Tensor).id;
  }
  return { id: y.id, value: y };
}

/** LRP of the target score for one input x [1, ...inputShape]. */
export function lrp(model: ExplainableModel, x: tf.Tensor, target: number, settings: Settings): LrpResult {
  const rec = record((t) => model.predict(t), x);
  try {
    let result: LrpResult | undefined;
    const relevance = tf.tidy(() => {
      result = relevanceOf(new Graph(rec, x), target, settings);
      return result.relevance;
    });
    return { ...(result as LrpResult), relevance };
  } finally {
    rec.dispose();
  }
}

function relevanceOf(g: Graph, target: number, s: Settings): LrpResult {
  const layers = findLayers(g);
  const byEnd = new Map<TapeNode, Layer>(layers.map((l) => [l.end, l]));
  const inner = new Set<TapeNode>(layers.flatMap((l) => l.members.filter((m) => m !== l.end)));
  const normStab = s.composite === 'zero' ? 0 : STABILIZER;

  // The first layers: linear layers fed by the input through shape ops only.
  const firstBounds = new Map<Layer, [tf.Tensor, tf.Tensor]>();
  if (s.composite === 'epsilon-gamma-box') {
    const [low, high] = s.inputBounds as [number, number];
    for (const l of layers) {
      if (l.kind === 'scale') continue;
      const b = boundsAt(g, l.inputId, low, high);
      if (b) firstBounds.set(l, b);
    }
    if (!firstBounds.size) {
      throw new EngineError('UNSUPPORTED', "lrp: composite 'epsilon-gamma-box' needs a dense or conv layer that reads the input directly (through shape ops only)");
    }
  }

  const start = startOf(g);
  const K = start.value.shape[start.value.shape.length - 1];
  if (target < 0 || target >= K) throw new EngineError('TARGET_INVALID', `lrp: target ${target} is outside the model's ${K} scores`);
  const mask = new Float32Array(start.value.size);
  mask[target] = 1;
  const Rstart = tf.mul(tf.tensor(mask, start.value.shape), start.value);
  const relevanceOut = start.value.dataSync()[target];

  const R = new Map<number, tf.Tensor>([[start.id, Rstart]]);
  const used: { kind: Layer['kind']; rule: string }[] = [];
  const gradientOps = new Set<string>();

  const nodes = g.rec.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (inner.has(n)) continue;
    const outR = n.outputs.map((o) => R.get(o.id) ?? null);
    if (outR.every((r) => r === null)) continue;
    // Each node's work in its own scope; only the relevances it hands down survive it.
    const targets: tf.Tensor[] = [];
    const handed = tf.tidy(() => {
      const out: tf.Tensor[] = [];
      const give = (t: tf.Tensor, r: tf.Tensor) => {
        if (r.size !== t.size) throw new EngineError('INTERNAL', `lrp: relevance of ${r.size} values for a tensor of ${t.size} at ${n.kernelName}`);
        targets.push(t);
        out.push(tf.reshape(r, t.shape));
      };
      propagateNode(g, n, outR, s, byEnd, firstBounds, normStab, used, gradientOps, give);
      return out;
    });
    n.outputs.forEach((o) => {
      R.get(o.id)?.dispose();
      R.delete(o.id);
    });
    targets.forEach((t, k) => {
      const prev = R.get(t.id);
      if (prev) {
        R.set(t.id, tf.add(prev, handed[k]));
        tf.dispose([prev, handed[k]]);
      } else R.set(t.id, handed[k]);
    });
  }
  const Rx = R.get(g.x.id);
  const relevance = Rx ? tf.reshape(Rx, g.x.shape) : tf.zerosLike(g.x);
  return { relevance, relevanceOut, layers: used.reverse(), gradientOps: [...gradientOps] };
}

/** Hands the relevance of node n's outputs (outR) down to its dependent inputs through `give`. */
function propagateNode(
  g: Graph,
  n: TapeNode,
  outR: (tf.Tensor | null)[],
  s: Settings,
  byEnd: Map<TapeNode, Layer>,
  firstBounds: Map<Layer, [tf.Tensor, tf.Tensor]>,
  normStab: number,
  used: { kind: Layer['kind']; rule: string }[],
  gradientOps: Set<string>,
  give: (t: tf.Tensor, r: tf.Tensor) => void,
): void {
  const r0 = outR[0];
  const layer = byEnd.get(n);
  if (layer && r0) {
    const { kernel, x, z } = kernelOf(g, layer);
    const scale = chainScale(g, layer, z.shape);
    const rule = ruleFor(layer, firstBounds.has(layer), s, () => firstBounds.get(layer) as [tf.Tensor, tf.Tensor]);
    used.push({ kind: layer.kind, rule: ruleLabel(rule) });
    const input = layer.head ? (headOf(g, layer.head) as Head).input : (layer.members[0].inputs[affineInput(g, layer.members[0]) as string] as tf.Tensor);
    give(input, propagate({ kernel, scale, x, z }, tf.reshape(r0, z.shape), rule));
    return;
  }
  const deps = g.depInputs(n);
  if (PASS.has(n.kernelName) && r0 && deps.length === 1) {
    give(n.inputs[deps[0]] as tf.Tensor, r0);
    return;
  }
  const isSum = (n.kernelName === 'Add' || n.kernelName === 'Sub') && deps.length === 2;
  if ((isSum || n.kernelName === 'Mean' || n.kernelName === 'AvgPool') && r0) {
    const y = g.rec.outputValue(n) as tf.Tensor;
    const v = tf.divNoNan(r0, stabilize(y, normStab));
    const grads = (n.gradient as NonNullable<TapeNode['gradient']>)([v]);
    for (const d of deps) give(n.inputs[d] as tf.Tensor, tf.mul(g.rec.input(n, d) as tf.Tensor, grads[d]()));
    return;
  }
  const label = tf.getKernel(n.kernelName, tf.getBackend()) ? n.kernelName : `${n.kernelName} (custom gradient)`;
  if (!n.gradient) throw new EngineError('UNSUPPORTED', `lrp: no way to propagate relevance through ${label}`);
  if (!STRUCTURAL.has(n.kernelName)) gradientOps.add(label);
  const grads = n.gradient(outR);
  for (const d of deps) give(n.inputs[d] as tf.Tensor, grads[d]());
}

function resolve(options: MethodOptions): MethodOptions {
  const composite = choiceOption(options.composite, 'composite', COMPOSITES, 'epsilon-plus');
  const epsilon = nonNegativeOption(options.epsilon, 'epsilon') ?? DEFAULT_EPSILON;
  const gamma = nonNegativeOption(options.gamma, 'gamma') ?? DEFAULT_GAMMA;
  const out: MethodOptions = { ...options, composite, epsilon, gamma };
  const b = options.inputBounds;
  if (b !== undefined && b !== null) {
    if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(b[0] < b[1])) {
      throw invalidOption('inputBounds', 'must be [low, high] with finite low < high', b);
    }
  } else if (composite === 'epsilon-gamma-box') {
    throw invalidOption('inputBounds', "is required by composite 'epsilon-gamma-box' (the lowest and highest value an input feature can take)", b);
  }
  return out;
}

export const lrpMethod: AttributionMethod = {
  id: 'lrp',
  kind: 'relevance',
  resolveOptions: (options) => resolve(options),
  async attribute(model, input, target, options, ctx) {
    const o = resolve(options);
    await ctx.checkpoint();
    const settings: Settings = {
      composite: o.composite as Composite,
      epsilon: o.epsilon as number,
      gamma: o.gamma as number,
      inputBounds: o.inputBounds,
    };
    const result = lrp(model, input.x, target, settings);
    const relevanceIn = tf.tidy(() => tf.sum(result.relevance).dataSync()[0]);
    const counts = new Map<string, number>();
    for (const l of result.layers) counts.set(`${l.kind} ${l.rule}`, (counts.get(`${l.kind} ${l.rule}`) ?? 0) + 1);
    ctx.progress(1);
    const checks: Record<string, number | string | boolean> = {
      composite: settings.composite,
      relevanceOut: result.relevanceOut,
      relevanceIn,
      rules: [...counts].map(([k, c]) => `${k} ×${c}`).join(', '),
    };
    if (result.gradientOps.length) checks.gradientOps = result.gradientOps.join(', ');
    const attributions = tf.reshape(result.relevance, model.inputShape);
    result.relevance.dispose();
    return { attributions, checks };
  },
};
