// Runs an imported ONNX graph with tfjs ops. At load, every node whose inputs are all known (initializers,
// constants) is folded once; the rest runs per call, shape arithmetic on the host (JS numbers, int64-safe) and
// tensor math on tfjs, so gradients flow from any output back to the input or to any replaced intermediate.
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors';
import { onnxError } from './errors';
import { onnxDtypeOfTf, type OnnxDType } from './dtypes';
import { describeNode, type OnnxGraph, type OnnxNode } from './graph';
import { hostToTf, isHost, tfToHost, type HostTensor } from './hostTensor';
import { opFor } from './ops';
import { Attributes } from './ops/attributes';
import type { OpContext, Value } from './ops/types';
import { findUnsupported, unsupportedError, type UnsupportedNode } from './support';

export interface ProgramRun {
  /** Graph input name → tensor. */
  feeds: Record<string, tf.Tensor>;
  /** Values to return (default: the graph outputs). */
  outputs?: string[];
  capture?: string[];
  replace?: Record<string, tf.Tensor>;
  /** Called with every value the run computes (probing shapes). */
  onValue?: (name: string, value: Value, node: OnnxNode) => void;
}

export interface ProgramResult {
  outputs: tf.Tensor[];
  captured: Record<string, tf.Tensor>;
}

const shapeOf = (v: Value) => (isHost(v) ? v.shape : v.shape);
const dtypeOf = (v: Value): OnnxDType => (isHost(v) ? v.dtype : onnxDtypeOfTf(v.dtype));
export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export class OnnxProgram {
  readonly unsupported: UnsupportedNode[];
  /** Initializers and folded values. */
  private readonly constants = new Map<string, Value>();
  /** Host constants uploaded to tfjs (kept for the program's lifetime). */
  private readonly uploads = new Map<HostTensor, tf.Tensor>();
  /** Tensors derived once from constants by op implementations (re-laid-out kernels, interpolation matrices). */
  private readonly derived = new Map<string, tf.Tensor>();
  /** Nodes that run per call, in topological order. */
  private readonly runtimeNodes: OnnxNode[];
  private readonly producer = new Map<string, OnnxNode>();
  private readonly plans = new Map<string, OnnxNode[]>();
  private readonly opset: number;
  private disposed = false;

  constructor(readonly graph: OnnxGraph) {
    this.opset = graph.opsets.get('') ?? 0;
    this.unsupported = findUnsupported(graph);
    for (const [name, t] of graph.initializers) this.constants.set(name, t);
    const unsupported = new Set(this.unsupported.map((u) => u.node));
    this.runtimeNodes = [];
    for (const node of graph.nodes) {
      node.outputs.forEach((o) => o && this.producer.set(o, node));
      if (unsupported.has(node.name) || !this.foldable(node)) this.runtimeNodes.push(node);
      else this.fold(node);
    }
    this.releaseUnusedUploads();
  }

  /** Names of the values nodes compute per call (the intermediates), in topological order. */
  runtimeValues(): { name: string; node: OnnxNode }[] {
    return this.runtimeNodes.flatMap((node) => node.outputs.filter(Boolean).map((name) => ({ name, node })));
  }

  isConstant(name: string): boolean {
    return this.constants.has(name);
  }

  /** All inputs known at load; the op is deterministic. */
  private foldable(node: OnnxNode): boolean {
    return node.inputs.every((i) => !i || this.constants.has(i));
  }

  /** Evaluates a node once at load; its outputs become constants. A failure leaves the node to run per call. */
  private fold(node: OnnxNode): void {
    const op = opFor(node.domain, node.opType)!;
    let outputs: Value[] = [];
    try {
      // Host results stay outside tidy's return value (it would walk their arrays); tensors are kept.
      tf.tidy(() => {
        outputs = op.run(this.context(node, (name) => this.constants.get(name)));
        outputs.forEach((v) => isHost(v) || tf.keep(v));
      });
    } catch {
      this.runtimeNodes.push(node);
      return;
    }
    node.outputs.forEach((name, k) => name && outputs[k] !== undefined && this.constants.set(name, outputs[k]));
  }

  /** Frees uploads and folded tensors that only fed other folded nodes. */
  private releaseUnusedUploads(): void {
    const used = new Set<string>([...this.runtimeNodes.flatMap((n) => n.inputs), ...this.graph.outputs.map((o) => o.name)]);
    for (const [name, v] of this.constants) {
      if (used.has(name)) continue;
      if (isHost(v)) {
        this.uploads.get(v)?.dispose();
        this.uploads.delete(v);
      } else {
        v.dispose();
        this.constants.delete(name);
      }
    }
  }

  private upload(h: HostTensor, constant: boolean): tf.Tensor {
    if (!constant) return hostToTf(h);
    let t = this.uploads.get(h);
    if (!t) {
      t = tf.keep(hostToTf(h));
      this.uploads.set(h, t);
    }
    return t;
  }

  private context(node: OnnxNode, get: (name: string) => Value | undefined): OpContext {
    const program = this;
    const value = (i: number): Value => {
      const name = node.inputs[i];
      const v = name ? get(name) : undefined;
      if (v === undefined) return ctx.fail(name ? `input '${name}' has no value` : `input ${i} is missing`);
      return v;
    };
    const ctx: OpContext = {
      node,
      opset: this.opset,
      attrs: Attributes.of(node),
      count: node.inputs.length,
      has: (i) => i < node.inputs.length && node.inputs[i] !== '',
      value,
      isHost: (i) => isHost(value(i)),
      allHost: () => node.inputs.every((name, i) => !name || isHost(value(i))),
      isConstant: (i) => !!node.inputs[i] && program.constants.has(node.inputs[i]),
      tensor(i) {
        const v = value(i);
        return isHost(v) ? program.upload(v, ctx.isConstant(i)) : v;
      },
      host(i) {
        const v = value(i);
        return isHost(v) ? v : tfToHost(v, dtypeOf(v));
      },
      numbers: (i) => Array.from(ctx.host(i).data),
      shape: (i) => [...shapeOf(value(i))],
      dtype: (i) => dtypeOf(value(i)),
      once(key, make) {
        const full = `${node.index}:${key}`;
        let t = program.derived.get(full);
        if (!t) {
          t = tf.keep(tf.tidy(make));
          program.derived.set(full, t);
        }
        return t as ReturnType<typeof make>;
      },
      fail(message): never {
        throw onnxError('UNSUPPORTED', `node ${describeNode(node)}: ${message}`, program.graph.file);
      },
    };
    return ctx;
  }

  /** The runtime nodes needed for `targets`, in order; replaced values are given, so what only feeds them is skipped. */
  private plan(targets: string[], given: string[]): OnnxNode[] {
    const key = `${targets.join('\u0000')}\u0001${given.join('\u0000')}`;
    let plan = this.plans.get(key);
    if (plan) return plan;
    const known = new Set(given);
    const needed = new Set<OnnxNode>();
    const stack = [...targets];
    while (stack.length) {
      const name = stack.pop()!;
      if (known.has(name)) continue;
      const node = this.producer.get(name);
      if (!node || needed.has(node) || this.constants.has(node.outputs[0] ?? '')) continue;
      needed.add(node);
      stack.push(...node.inputs.filter(Boolean));
    }
    plan = this.runtimeNodes.filter((n) => needed.has(n));
    this.plans.set(key, plan);
    return plan;
  }

  private checkNames(names: string[], what: string): void {
    for (const name of names) {
      const known = this.producer.has(name) || this.graph.inputs.some((i) => i.name === name) || this.constants.has(name);
      if (!known) throw onnxError('OPTION_INVALID', `${what} '${name}' is not a value of the graph (see the model's intermediates)`, this.graph.file);
    }
  }

  /** Runs the graph. Call inside tf.tidy: intermediate tensors are not disposed here. */
  run(request: ProgramRun): ProgramResult {
    if (this.disposed) throw onnxError('INTERNAL', 'the ONNX model was disposed', this.graph.file);
    if (this.unsupported.length) throw unsupportedError(this.unsupported, this.graph.file);
    const outputs = request.outputs ?? this.graph.outputs.map((o) => o.name);
    const capture = request.capture ?? [];
    const replace = request.replace ?? {};
    this.checkNames(capture, 'intermediate');
    this.checkNames(Object.keys(replace), 'replaced intermediate');
    for (const name of Object.keys(replace)) {
      if (this.constants.has(name)) throw onnxError('OPTION_INVALID', `'${name}' is a constant of the graph and cannot be replaced`, this.graph.file);
    }

    // Replacements are values from the start; a node whose outputs are all replaced does not run.
    const values = new Map<string, Value>(Object.entries(replace));
    const put = (name: string, v: Value) => {
      const r = replace[name];
      if (r && !sameShape(r.shape, shapeOf(v))) {
        throw onnxError('INPUT_INVALID', `replacement for '${name}' has shape [${r.shape}] but the value has shape [${shapeOf(v)}]`, this.graph.file);
      }
      values.set(name, r ?? v);
    };
    for (const input of this.graph.inputs) {
      const feed = request.feeds[input.name];
      if (!feed) throw onnxError('INPUT_INVALID', `no value for graph input '${input.name}'`, this.graph.file);
      put(input.name, feed);
    }
    const get = (name: string) => values.get(name) ?? this.constants.get(name);
    for (const node of this.plan([...outputs, ...capture], Object.keys(replace))) {
      const op = opFor(node.domain, node.opType)!;
      let results: Value[];
      try {
        results = op.run(this.context(node, get));
      } catch (e) {
        if (e instanceof EngineError) throw e;
        const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
        throw onnxError('UNSUPPORTED', `node ${describeNode(node)} failed in the importer: ${reason}`, this.graph.file);
      }
      node.outputs.forEach((name, k) => {
        if (!name) return;
        const v = results[k];
        if (v === undefined) throw onnxError('UNSUPPORTED', `node ${describeNode(node)} did not produce output ${k}`, this.graph.file);
        put(name, v);
        request.onValue?.(name, values.get(name)!, node);
      });
    }
    const asTensor = (name: string): tf.Tensor => {
      const v = get(name)!;
      if (!isHost(v)) return v;
      return hostToTf(v);
    };
    return {
      outputs: outputs.map(asTensor),
      captured: Object.fromEntries(capture.map((name) => [name, asTensor(name)])),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.constants.values()) if (!isHost(v)) v.dispose();
    for (const t of this.uploads.values()) t.dispose();
    for (const t of this.derived.values()) t.dispose();
    this.uploads.clear();
    this.derived.clear();
  }
}
