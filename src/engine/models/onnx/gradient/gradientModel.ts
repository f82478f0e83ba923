// The input gradient of an ONNX model as a new ONNX model, run by ONNX Runtime's native kernels.
//
// The new ModelProto is the model itself (nodes, initializers, opset) plus a backward graph written as ONNX ops
// (rules.ts), one more input `target_mask` [N, K] and one output `input_grad` = ∂Σ(output ⊙ target_mask)/∂input,
// shaped like the input. Rows of a batch are independent, so each row of input_grad is that row's own gradient.
// Only nodes on a path from the input to the output are differentiated; if one of them has no rule, there is no
// gradient model and the reason says which node (the caller keeps the tfjs path, which is also the reference).
// Building it runs ONNX Runtime a few times: the model with every value as an output at batch 1 and 3 (shapes, which
// dimensions follow the batch, constant shape arithmetic; facts.ts), and each Resize on one-hot probes (resize.ts).
import type * as Ort from 'onnxruntime-node';
import { Root, type Type } from 'protobufjs/light';
import { codeOfDtype, isFloat } from '../dtypes';
import type { OnnxGraph, OnnxNode } from '../graph';
import { decodeModelProto, type ModelProto, type NodeProto, type TensorProto } from '../proto';
import schema from '../onnx.schema.json';
import { Emitter } from './emitter';
import { DISCOVERY_BATCH, discoveryValues, factsOf, type ValueFacts } from './facts';
import { resizeMatrices, type ResizeMatrices } from './resize';
import { NON_DIFFERENTIABLE, RULES, Unsupported, type RuleContext } from './rules';

export const TARGET_MASK = 'target_mask';
export const INPUT_GRAD = 'input_grad';
/** The backward graph spells Slice/Pad/Clip/ScatterElements with their opset-11 inputs. */
export const MIN_GRADIENT_OPSET = 11;

export interface GradientSource {
  /** The .onnx file's bytes (initializers inline or external). */
  bytes: Uint8Array;
  graph: OnnxGraph;
  /** Whether some initializers live in external data files (their values are taken from graph.initializers). */
  external: boolean;
  inputName: string;
  outputName: string;
  /** Input shape without the batch dimension. */
  inputShape: number[];
  outputSize: number;
  /** The model runs only at batch 1. */
  batchOfOne: boolean;
}

export type GradientModel =
  | {
      bytes: Uint8Array;
      opsOnPath: string[];
      /** Estimated native bytes per input row: the forward values the backward graph keeps, and their gradients. */
      bytesPerRow: number;
    }
  | { reason: string };

type OrtModule = typeof Ort;
let ortModule: OrtModule | undefined;

export async function loadOrt(): Promise<OrtModule> {
  ortModule ??= (await import('onnxruntime-node')) as OrtModule;
  return ortModule;
}

let modelType: Type | undefined;
function modelProtoType(): Type {
  modelType ??= Root.fromJSON(schema as Parameters<typeof Root.fromJSON>[0]).lookupType('onnx.ModelProto');
  return modelType;
}

/** Encodes a ModelProto (plain objects with the schema's snake_case field names) to bytes. */
export const encodeModel = (model: ModelProto) => modelProtoType().encode(model as never).finish();
const encode = encodeModel;

/** The model's protobuf with external initializers made inline (float32 and int64 only). */
function inlineModel(source: GradientSource): ModelProto | string {
  const model = decodeModelProto(source.bytes, source.graph.file);
  if (!source.external) return model;
  for (const t of model.graph?.initializer ?? []) {
    if (!t.external_data?.length) continue;
    const host = source.graph.initializers.get(t.name ?? '');
    if (!host) return `initializer '${t.name}' has no data`;
    let raw: Uint8Array;
    if (host.dtype === 'float32') raw = new Uint8Array(Float32Array.from(host.data).buffer);
    else if (host.dtype === 'int64') raw = new Uint8Array(BigInt64Array.from(host.data, (v) => BigInt(v)).buffer);
    else return `external initializer '${t.name}' is ${host.dtype}`;
    (t as TensorProto).raw_data = raw;
    t.external_data = [];
    t.data_location = 0;
  }
  return model;
}

/** Runs the model with every node output as a graph output at `batch` rows of deterministic values. */
async function runAll(ort: OrtModule, bytes: Uint8Array, source: GradientSource, batch: number): Promise<Record<string, Ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4, executionProviders: ['cpu'] });
  try {
    const size = source.inputShape.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', discoveryValues(batch * size), [batch, ...source.inputShape]);
    return (await session.run({ [source.inputName]: x }, { logSeverityLevel: 4 })) as Record<string, Ort.Tensor>;
  } finally {
    await session.release();
  }
}

async function discover(ort: OrtModule, model: ModelProto, source: GradientSource): Promise<Map<string, ValueFacts>> {
  const graph = model.graph!;
  const names = new Set<string>(graph.output?.map((o) => o.name ?? ''));
  const extra = source.graph.nodes.flatMap((n) => n.outputs.filter((o) => o && !names.has(o)));
  const probe = { ...model, graph: { ...graph, output: [...(graph.output ?? []), ...extra.map((name) => ({ name }))] } } as ModelProto;
  const bytes = encode(probe);
  const large = await runAll(ort, bytes, source, source.batchOfOne ? 1 : DISCOVERY_BATCH);
  const small = source.batchOfOne ? large : await runAll(ort, bytes, source, 1);
  const facts = factsOf(small, large);
  const batch = source.batchOfOne ? 1 : DISCOVERY_BATCH;
  facts.set(source.inputName, {
    dims: [batch, ...source.inputShape],
    batchDims: [!source.batchOfOne, ...source.inputShape.map(() => false)],
    dtype: 'float32',
  });
  for (const [name, t] of source.graph.initializers) {
    facts.set(name, { dims: t.shape, batchDims: t.shape.map(() => false), dtype: t.dtype, ...(t.data.length <= 64 ? { ints: Array.from(t.data) } : {}) });
  }
  return facts;
}

/** Values given by Constant nodes. */
function constantValues(graph: OnnxGraph): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Constant' || node.domain !== '') continue;
    const a = node.attributes;
    const v = a.get('value')?.t?.data ?? a.get('value_floats')?.floats ?? a.get('value_ints')?.ints;
    const one = a.get('value_float')?.f ?? a.get('value_int')?.i;
    if (v) out.set(node.outputs[0], Array.from(v));
    else if (one !== undefined) out.set(node.outputs[0], [one]);
  }
  return out;
}

/** Builds the gradient model's bytes, or says why it cannot. `ort` is used for the discovery run. */
export async function buildGradientModel(source: GradientSource): Promise<GradientModel> {
  const g = source.graph;
  const opset = g.opsets.get('') ?? 0;
  if (opset < MIN_GRADIENT_OPSET) return { reason: `opset ${opset} (the ONNX Runtime gradient needs opset ≥ ${MIN_GRADIENT_OPSET})` };
  const model = inlineModel(source);
  if (typeof model === 'string') return { reason: model };
  let ort: OrtModule;
  try {
    ort = await loadOrt();
  } catch (e) {
    return { reason: `ONNX Runtime is not available: ${(e as Error).message.split('\n')[0]}` };
  }
  let facts: Map<string, ValueFacts>;
  try {
    facts = await discover(ort, model, source);
  } catch (e) {
    return { reason: `the shape discovery run failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const outputFacts = facts.get(source.outputName);
  if (!outputFacts || !isFloat(outputFacts.dtype)) return { reason: `output '${source.outputName}' is not a float tensor` };

  // Forward: values that depend differentiably on the input.
  const active = new Set<string>([source.inputName]);
  for (const node of g.nodes) {
    if (NON_DIFFERENTIABLE.has(node.opType) || !node.inputs.some((i) => i && active.has(i))) continue;
    for (const o of node.outputs) {
      const f = o ? facts.get(o) : undefined;
      if (f && isFloat(f.dtype)) active.add(o);
    }
  }
  if (!active.has(source.outputName)) return { reason: `output '${source.outputName}' does not depend on input '${source.inputName}'` };

  const e = new Emitter(opset);
  const constants = constantValues(g);
  const rawNodes = (model.graph?.node ?? []) as NodeProto[];
  const grads = new Map<string, string[]>();
  const add = (name: string, grad: string) => {
    const list = grads.get(name);
    if (list) list.push(grad);
    else grads.set(name, [grad]);
  };
  const total = (name: string): string | undefined => {
    const list = grads.get(name);
    if (!list?.length) return undefined;
    if (list.length > 1) grads.set(name, [e.one('Sum', list)]);
    return grads.get(name)![0];
  };
  // Resize nodes on the input's side: their interpolation matrices, from ONNX Runtime itself (async, so first).
  const resizes = new Map<string, ResizeMatrices | string>();
  for (const node of g.nodes) {
    if (node.opType !== 'Resize' || node.domain !== '' || !active.has(node.inputs[0])) continue;
    try {
      resizes.set(node.name, await resizeMatrices(ort, node, rawNodes[node.index], opset, g.irVersion, g, facts, constants));
    } catch (err) {
      resizes.set(node.name, `probing its interpolation failed: ${(err as Error).message.split('\n')[0].slice(0, 200)}`);
    }
  }

  const shape = e.one('Shape', [source.outputName]);
  add(source.outputName, e.one('Reshape', [TARGET_MASK, shape]));

  // Readers of each value (graph outputs count as one), so a rule can tell when it is a value's only reader.
  const readers = new Map<string, number>();
  for (const node of g.nodes) for (const i of node.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of g.outputs) readers.set(o.name, (readers.get(o.name) ?? 0) + 1);
  const producers = new Map<string, OnnxNode>();
  for (const node of g.nodes) for (const o of node.outputs) if (o) producers.set(o, node);

  const opsOnPath = new Set<string>();
  try {
    for (let k = g.nodes.length - 1; k >= 0; k--) {
      const node = g.nodes[k];
      const dys = node.outputs.map((o) => (o && active.has(o) ? total(o) : undefined));
      if (!dys.some(Boolean) || !node.inputs.some((i) => i && active.has(i))) continue;
      opsOnPath.add(node.opType);
      const rule = node.domain === '' ? RULES[node.opType] : undefined;
      if (!rule) throw new Unsupported(`${node.domain ? `${node.domain}.` : ''}${node.opType} node '${node.name}' has no gradient rule`);
      const context = ruleContext(node, e, opset, facts, active, dys, constants, g, rawNodes, add, (name) =>
        readers.get(name) === 1 ? producers.get(name) : undefined,
      );
      if (resizes.has(node.name)) context.resize = resizes.get(node.name);
      rule(context);
    }
  } catch (err) {
    if (err instanceof Unsupported) return { reason: err.message };
    throw err;
  }
  let inputGrad = total(source.inputName);
  inputGrad ??= e.one('ConstantOfShape', [e.one('Shape', [source.inputName])]);
  e.nodes.push({ name: 'lens_grad/output', op_type: 'Identity', domain: '', input: [inputGrad], output: [INPUT_GRAD], attribute: [] });

  const graph = model.graph!;
  const floatType = (dims: (number | string)[]) => ({
    tensor_type: { elem_type: codeOfDtype('float32'), shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
  });
  const batchDim = source.batchOfOne ? 1 : 'batch';
  const out: ModelProto = {
    ...model,
    graph: {
      ...graph,
      node: [...(graph.node ?? []), ...(e.nodes as unknown as NodeProto[])],
      initializer: [...(graph.initializer ?? []), ...(e.initializers as unknown as TensorProto[])],
      input: [...(graph.input ?? []), { name: TARGET_MASK, type: floatType([batchDim, source.outputSize]) }],
      output: [{ name: INPUT_GRAD, type: floatType([batchDim, ...source.inputShape]) }],
      value_info: [],
    },
  };
  const batch = source.batchOfOne ? 1 : DISCOVERY_BATCH;
  let floats = 0;
  for (const name of active) floats += (facts.get(name)?.dims ?? []).reduce((a, b) => a * b, 1);
  return { bytes: encode(out), opsOnPath: [...opsOnPath].sort(), bytesPerRow: (2 * 4 * floats) / batch };
}

function ruleContext(
  node: OnnxNode,
  e: Emitter,
  opset: number,
  facts: Map<string, ValueFacts>,
  active: Set<string>,
  dys: (string | undefined)[],
  constants: Map<string, number[]>,
  g: OnnxGraph,
  rawNodes: NodeProto[],
  add: (name: string, grad: string) => void,
  soleProducerOf: (name: string) => OnnxNode | undefined,
): RuleContext {
  const constant = (i: number): number[] | undefined => {
    const name = node.inputs[i];
    if (!name || active.has(name)) return undefined;
    const init = g.initializers.get(name);
    if (init) return Array.from(init.data);
    return constants.get(name) ?? facts.get(name)?.ints ?? facts.get(name)?.floats;
  };
  return {
    node,
    e,
    opset,
    facts(name) {
      const f = facts.get(name);
      if (!f) throw new Unsupported(`${node.opType} node '${node.name}': the shape of '${name}' is unknown`);
      return f;
    },
    active: (i) => !!node.inputs[i] && active.has(node.inputs[i]),
    dy: (k) => dys[k],
    addGrad: (i, grad) => add(node.inputs[i], grad),
    soleProducer: (i) => (node.inputs[i] ? soleProducerOf(node.inputs[i]) : undefined),
    addGradTo: (name, grad) => add(name, grad),
    isActive: (name) => active.has(name),
    constInts: constant,
    constFloats: constant,
    extraOutput(k) {
      const existing = node.outputs[k];
      if (existing) return existing;
      const raw = rawNodes[node.index];
      if (!raw || raw.op_type !== node.opType) throw new Unsupported(`${node.opType} node '${node.name}' cannot be found in the model`);
      const name = e.fresh(`${node.opType}_output${k}`);
      const outputs = [...(raw.output ?? [])];
      while (outputs.length < k) outputs.push('');
      outputs[k] = name;
      raw.output = outputs;
      return name;
    },
  };
}
