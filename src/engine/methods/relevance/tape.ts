// Records one forward pass of a model as the graph of tfjs kernels it ran, with the values LRP needs.
//
// tfjs builds a tape of kernel calls whenever a gradient is being taken (engine.startTape … endTape); each node holds
// its kernel name, its input and output tensors (by id) and the tensors its gradient config asks to save. The model's
// own tf.tidy scopes dispose the intermediate tensors themselves, so values are read only from the saved tensors: while
// the forward pass runs, the gradient configs of the kernels LRP has rules for are replaced by ones that save every input
// and the output (their gradFunc still computes the stock gradient, from the stock subset of the saved tensors). The
// replaced configs are restored right after the pass, even when it throws.
//
// tfjs stores a kernel's attributes (strides, padding, transposes) only inside the node's gradient closure, so the
// replacement gradFunc also reports the attributes it is called with: calling node.gradient only builds lazy closures,
// which is how `attrsOf` reads them without computing anything.
//
// Conv2D / MatMul / DepthwiseConv2D with a linear activation stay fused even inside a gradient (tfjs' shouldFuse), and
// the ONNX importer wraps constant MatMuls in a customGrad: such nodes show neither their weights nor their attributes.
// Their forward kernels (FusedConv2D, _FusedMatMul, FusedDepthwiseConv2D, BatchMatMul) are wrapped for the duration of
// the pass to keep copies of their inputs and their attributes, keyed by the output buffer (which the customGrad
// node's output shares).
//
// This uses tfjs engine internals (startTape/endTape, state.activeTape, runKernel) of the pinned tfjs 4.x; `engine()`
// checks they are present and fails with a clear error otherwise.
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors';

export interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor | undefined>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  backendName: string;
  runKernel(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

export function engine(): EngineInternals {
  const e = tf.engine() as unknown as EngineInternals;
  if (typeof e.startTape !== 'function' || typeof e.endTape !== 'function' || !e.state || typeof e.runKernel !== 'function') {
    throw new EngineError('UNSUPPORTED', 'lrp: this version of tfjs does not expose the gradient tape it needs');
  }
  return e;
}

/** Which inputs (by kernel input name, in this order) and whether the output are saved for each kernel with a rule. */
export const SAVES: Record<string, { inputs: string[]; output: boolean }> = {
  BatchMatMul: { inputs: ['a', 'b'], output: true },
  Conv2D: { inputs: ['x', 'filter'], output: true },
  DepthwiseConv2dNative: { inputs: ['x', 'filter'], output: true },
  Add: { inputs: ['a', 'b'], output: true },
  Sub: { inputs: ['a', 'b'], output: true },
  Multiply: { inputs: ['a', 'b'], output: true },
  RealDiv: { inputs: ['a', 'b'], output: true },
  FusedBatchNorm: { inputs: ['x', 'mean', 'variance', 'scale'], output: true },
  Softmax: { inputs: ['logits'], output: true },
  Sigmoid: { inputs: ['x'], output: true },
  Mean: { inputs: ['x'], output: true },
  AvgPool: { inputs: ['x'], output: true },
  // Their attributes are needed to carry the zᴮ bounds from the input to the first layer.
  Transpose: { inputs: ['x'], output: false },
  PadV2: { inputs: ['x'], output: false },
};

/**
 * Forward kernels that can run hidden inside a customGrad node (tfjs' fused ops; the ONNX importer's constant MatMul),
 * with the plain kernel that computes the same product without bias and activation.
 */
export const HIDDEN: Record<string, string> = {
  FusedConv2D: 'Conv2D',
  FusedDepthwiseConv2D: 'DepthwiseConv2dNative',
  _FusedMatMul: 'BatchMatMul',
  BatchMatMul: 'BatchMatMul',
};

/** One call of a HIDDEN kernel: its attributes and (kept copies of) its inputs. */
export interface KernelCall {
  kernel: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, tf.Tensor>;
}

export interface Recording {
  /** Nodes on a path from x to y, in forward order. */
  nodes: TapeNode[];
  /** Every node recorded (their saved tensors are disposed by `dispose`). */
  all: TapeNode[];
  output: tf.Tensor;
  /** The value of a saved input of a node of a SAVES kernel, or undefined. */
  input(node: TapeNode, name: string): tf.Tensor | undefined;
  /** The saved output of a node of a SAVES kernel. */
  outputValue(node: TapeNode): tf.Tensor | undefined;
  /** The attributes of a SAVES kernel node. */
  attrsOf(node: TapeNode): Record<string, unknown>;
  /** For a customGrad node: the HIDDEN kernel call that produced its output, if any. */
  hidden(node: TapeNode): KernelCall | undefined;
  /** Disposes the saved tensors and the output. */
  dispose(): void;
}

/** The saved tensors in the order the stock gradient config of `kernelName` expects them. */
export function stockSaved(kernelName: string, byName: Record<string, tf.Tensor | undefined>, output?: tf.Tensor): tf.Tensor[] {
  const stock = tf.getGradient(kernelName);
  if (!stock) throw new EngineError('UNSUPPORTED', `lrp: tfjs has no gradient for ${kernelName}`);
  const saved = (stock.inputsToSave ?? []).map((n) => byName[n] as tf.Tensor);
  if (stock.outputsToSave?.[0] && output) saved.push(output);
  return saved;
}

/**
 * Runs `forward(x)` with the tape on and returns the recorded graph. The caller disposes the recording. Gradient
 * configs and kernels are restored before this returns or throws.
 */
export function record(forward: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Recording {
  const e = engine();
  if (e.state.gradientDepth !== 0) throw new EngineError('UNSUPPORTED', 'lrp cannot run inside another gradient computation');
  const probe: { attrs?: Record<string, unknown> } = {};
  const calls = new Map<object, KernelCall>();

  const stockGrads = Object.keys(SAVES).map((k) => [k, tf.getGradient(k)] as const);
  const overrides: tf.GradConfig[] = [];
  for (const [kernelName, stock] of stockGrads) {
    if (!stock) continue;
    const mine = SAVES[kernelName];
    overrides.push({
      kernelName,
      inputsToSave: mine.inputs,
      outputsToSave: mine.output ? [true] : [],
      gradFunc: (dy, saved, attrs) => {
        probe.attrs = attrs as Record<string, unknown>;
        const byName: Record<string, tf.Tensor> = {};
        mine.inputs.forEach((n, i) => (byName[n] = saved[i]));
        return stock.gradFunc(dy, stockSaved(kernelName, byName, mine.output ? saved[mine.inputs.length] : undefined), attrs);
      },
    });
  }
  const backend = e.backendName;
  const kernels = Object.keys(HIDDEN)
    .map((name) => tf.getKernel(name, backend))
    .filter((k): k is tf.KernelConfig => k !== undefined);

  let tape: TapeNode[] = [];
  let output: tf.Tensor | undefined;
  overrides.forEach((o) => tf.registerGradient(o));
  const wrapped: tf.KernelConfig[] = [];
  try {
    for (const k of kernels) {
      tf.unregisterKernel(k.kernelName, backend);
      wrapped.push(k);
      const config: tf.KernelConfig = {
        ...k,
        kernelFunc: (args) => {
          const out = k.kernelFunc(args);
          const info = (Array.isArray(out) ? out[0] : out) as tf.TensorInfo;
          const inputs: Record<string, tf.Tensor> = {};
          for (const [name, t] of Object.entries(args.inputs)) if (t) inputs[name] = tf.keep(tf.clone(t as tf.Tensor));
          calls.set(info.dataId, { kernel: k.kernelName, attrs: { ...(args.attrs as Record<string, unknown>) }, inputs });
          return out;
        },
      };
      tf.registerKernel(config);
    }
    e.startTape();
    try {
      output = tf.tidy(() => forward(x));
    } finally {
      e.endTape();
      tape = e.state.activeTape ?? [];
      e.state.activeTape = null;
    }
  } catch (err) {
    tape.forEach((n) => n.saved?.forEach((t) => t.dispose()));
    calls.forEach((c) => tf.dispose(Object.values(c.inputs)));
    output?.dispose();
    throw err;
  } finally {
    for (const k of wrapped) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    }
    stockGrads.forEach(([kernelName, stock]) => {
      if (stock) tf.registerGradient(stock);
    });
  }
  const y = output as tf.Tensor;
  const nodes = onPath(tape, x, y);

  const input = (node: TapeNode, name: string) => {
    const s = SAVES[node.kernelName];
    const i = s ? s.inputs.indexOf(name) : -1;
    return i >= 0 ? node.saved?.[i] : undefined;
  };
  const outputValue = (node: TapeNode) => {
    const s = SAVES[node.kernelName];
    return s?.output ? node.saved?.[s.inputs.length] : undefined;
  };
  const attrsOf = (node: TapeNode): Record<string, unknown> => {
    if (!SAVES[node.kernelName] || !node.gradient) throw new EngineError('INTERNAL', `lrp: no attributes for ${node.kernelName}`);
    probe.attrs = undefined;
    node.gradient(node.outputs.map((_, i) => (i === 0 ? (outputValue(node) ?? null) : null)));
    if (!probe.attrs) throw new EngineError('INTERNAL', `lrp: the attributes of ${node.kernelName} were not reported`);
    return probe.attrs;
  };
  return {
    nodes,
    all: tape,
    output: y,
    input,
    outputValue,
    attrsOf,
    hidden: (node) => (tf.getKernel(node.kernelName, backend) ? undefined : calls.get(node.outputs[0].dataId)),
    dispose: () => {
      tape.forEach((n) => n.saved?.forEach((t) => t.dispose()));
      calls.forEach((c) => tf.dispose(Object.values(c.inputs)));
      y.dispose();
    },
  };
}

/** The nodes that lie on a path from x to y, in forward order (as tfjs' getFilteredNodesXToY). */
function onPath(tape: TapeNode[], x: tf.Tensor, y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>([x.id]);
  const reachable = tape.map((n) => {
    const hit = Object.values(n.inputs).some((t) => t && fromX.has(t.id));
    if (hit) n.outputs.forEach((o) => fromX.add(o.id));
    return hit;
  });
  const toY = new Set<number>([y.id]);
  const keep = new Array<boolean>(tape.length).fill(false);
  for (let i = tape.length - 1; i >= 0; i--) {
    if (!reachable[i] || !tape[i].outputs.some((o) => toY.has(o.id))) continue;
    keep[i] = true;
    for (const t of Object.values(tape[i].inputs)) if (t && fromX.has(t.id)) toY.add(t.id);
  }
  return tape.filter((_, i) => keep[i]);
}
