// Reads an .onnx file into an OnnxGraph, refusing broken models with one clear EngineError each: oversized or
// truncated files, corrupt protobuf, bad opsets, tensors with absurd shapes or wrong data sizes, external data outside
// the model's folder, nodes reading values nothing provides, duplicate producers and cycles.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { onnxError } from './errors';
import { dtypeOfCode } from './dtypes';
import { externalRefs, hashFiles, loadExternalData } from './externalData';
import { describeNode, standardDomain, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './graph';
import type { HostTensor } from './hostTensor';
import { AttributeType, decodeModelProto, toNumber, type AttributeProto, type GraphProto, type ModelProto, type ValueInfoProto } from './proto';
import { MAX_ELEMENTS, decodeTensor } from './tensorProto';
import { sortNodes } from './topology';

/** Protobuf messages cannot exceed 2 GiB; larger weights must be stored as external data. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;
/** The ai.onnx opset versions the importer knows the semantics of. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 22;
/** Domains whose operators ONNX Runtime implements (besides the model's own local functions). */
const RUNTIME_DOMAINS = new Set(['', 'ai.onnx.ml', 'com.microsoft', 'com.microsoft.nchwc', 'ai.onnx.preview.training']);

export interface ParsedOnnx {
  graph: OnnxGraph;
  /** The .onnx file's bytes (handed to ONNX Runtime when there is no external data). */
  bytes: Uint8Array;
  /** External data files, absolute, in order of first use. */
  dataFiles: string[];
  /** sha256 over the .onnx file, then each external data file in order. */
  hash: string;
}

const decoder = new TextDecoder('utf-8');
const text = (b: Uint8Array | undefined) => (b ? decoder.decode(b) : '');

function attribute(a: AttributeProto, node: string, file: string): OnnxAttribute {
  const name = a.name ?? '';
  const type = a.type ?? 0;
  const out: OnnxAttribute = { name, type };
  const what = `attribute '${name}' of node ${node}`;
  switch (type) {
    case AttributeType.FLOAT:
      out.f = a.f ?? 0;
      break;
    case AttributeType.INT:
      out.i = toNumber(a.i);
      break;
    case AttributeType.STRING:
      out.s = text(a.s);
      break;
    case AttributeType.TENSOR:
      if (!a.t) throw onnxError('MODEL_INVALID', `${what} is a tensor attribute without a tensor`, file);
      out.t = decodeTensor(a.t, what, file);
      break;
    case AttributeType.FLOATS:
      out.floats = [...(a.floats ?? [])];
      break;
    case AttributeType.INTS:
      out.ints = (a.ints ?? []).map(toNumber);
      break;
    case AttributeType.STRINGS:
      out.strings = (a.strings ?? []).map(text);
      break;
    case AttributeType.GRAPH:
    case AttributeType.GRAPHS:
      out.graph = true;
      break;
    default:
      // Sparse tensors, type protos and tensor lists: kept by name only; no supported op reads them.
      break;
  }
  return out;
}

function shapeOf(info: ValueInfoProto): Pick<OnnxValueInfo, 'shape' | 'dimNames' | 'dtype'> {
  const tensor = info.type?.tensor_type;
  if (!tensor) return {};
  const dtype = dtypeOfCode(tensor.elem_type);
  if (!tensor.shape) return { dtype };
  const dims = tensor.shape.dim ?? [];
  const has = (d: object, k: string) => Object.prototype.hasOwnProperty.call(d, k);
  return {
    dtype,
    shape: dims.map((d) => (has(d, 'dim_value') ? toNumber(d.dim_value) : null)),
    dimNames: dims.map((d) => (has(d, 'dim_param') ? d.dim_param : undefined)),
  };
}

function valueInfo(info: ValueInfoProto, file: string): OnnxValueInfo {
  const out: OnnxValueInfo = { name: info.name ?? '', ...shapeOf(info) };
  const known = (out.shape ?? []).filter((d): d is number => d !== null);
  if (known.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw onnxError('MODEL_INVALID', `value '${out.name}' has an invalid shape [${out.shape?.join(', ')}]`, file);
  }
  if (known.reduce((a, b) => a * b, 1) > MAX_ELEMENTS) {
    throw onnxError('MODEL_INVALID', `value '${out.name}' has shape [${out.shape?.join(', ')}] with more than 2^31 elements; the file is corrupt`, file);
  }
  return out;
}

function readOpsets(model: ModelProto, file: string): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of model.opset_import ?? []) opsets.set(standardDomain(o.domain ?? ''), toNumber(o.version));
  const version = opsets.get('');
  if (version === undefined) {
    throw onnxError('MODEL_INVALID', 'the model imports no ai.onnx opset (opset_import is missing); is this an ONNX model?', file);
  }
  if (!Number.isInteger(version) || version < MIN_OPSET || version > MAX_OPSET) {
    throw onnxError('UNSUPPORTED', `ai.onnx opset ${version} is not supported (supported: ${MIN_OPSET}–${MAX_OPSET}); re-export the model with another opset`, file);
  }
  return opsets;
}

function readNodes(graph: GraphProto, opsets: Map<string, number>, functionDomains: Set<string>, file: string): OnnxNode[] {
  return (graph.node ?? []).map((n, index) => {
    const opType = n.op_type ?? '';
    const node: OnnxNode = {
      index,
      name: n.name || `${opType || 'node'}_${index}`,
      opType,
      domain: standardDomain(n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes: new Map(),
    };
    if (!opType) throw onnxError('MODEL_INVALID', `node ${index} ('${node.name}') has no op type`, file);
    if (!opsets.has(node.domain)) {
      throw onnxError('MODEL_INVALID', `node ${describeNode(node)} uses domain '${node.domain}', which the model does not import (opset_import)`, file);
    }
    if (!RUNTIME_DOMAINS.has(node.domain) && !functionDomains.has(node.domain)) {
      throw onnxError(
        'UNSUPPORTED',
        `node ${describeNode(node)} is in the unknown operator domain '${node.domain}'; neither the importer nor ONNX Runtime implements it`,
        file,
      );
    }
    for (const a of n.attribute ?? []) {
      const attr = attribute(a, describeNode(node), file);
      node.attributes.set(attr.name, attr);
    }
    return node;
  });
}

function readInitializers(graph: GraphProto, file: string): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) throw onnxError('MODEL_INVALID', 'an initializer has no name', file);
    if (out.has(name)) throw onnxError('MODEL_INVALID', `initializer '${name}' is defined twice`, file);
    out.set(name, decodeTensor(t, `initializer '${name}'`, file));
  }
  if ((graph.sparse_initializer ?? []).length) {
    throw onnxError('UNSUPPORTED', 'sparse initializers are not supported by the importer', file);
  }
  return out;
}

/** Every node input is provided by a graph input, an initializer or an earlier node; every output is produced. */
function checkWiring(g: OnnxGraph): void {
  const provided = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const producer = new Map<string, OnnxNode>();
  for (const node of g.nodes) {
    for (const out of node.outputs) {
      if (!out) continue;
      if (provided.has(out) || producer.has(out)) {
        const other = producer.get(out);
        throw onnxError(
          'MODEL_INVALID',
          `value '${out}' is produced twice (by node ${describeNode(node)} and ${other ? `node ${describeNode(other)}` : 'a graph input or initializer'})`,
          g.file,
        );
      }
      producer.set(out, node);
    }
  }
  for (const node of g.nodes) {
    for (const input of node.inputs) {
      if (input && !provided.has(input) && !producer.has(input)) {
        throw onnxError('MODEL_INVALID', `node ${describeNode(node)} reads '${input}', which no node, initializer or graph input provides (missing initializer?)`, g.file);
      }
    }
  }
  for (const out of g.outputs) {
    if (!provided.has(out.name) && !producer.has(out.name)) {
      throw onnxError('MODEL_INVALID', `graph output '${out.name}' is not produced by any node`, g.file);
    }
  }
}

/** Builds and validates the graph of a decoded model whose external data was already loaded. */
export function graphOfModel(model: ModelProto, file: string): OnnxGraph {
  const graph = model.graph;
  if (!graph) throw onnxError('MODEL_INVALID', 'the model has no graph; is this an ONNX model?', file);
  const opsets = readOpsets(model, file);
  const functionDomains = new Set(((model.functions ?? []) as { domain?: string }[]).map((f) => standardDomain(f.domain ?? '')));
  const initializers = readInitializers(graph, file);
  const nodes = readNodes(graph, opsets, functionDomains, file);
  const declared = (graph.input ?? []).map((i) => valueInfo(i, file));
  const g: OnnxGraph = {
    file,
    irVersion: toNumber(model.ir_version),
    producer: [model.producer_name, model.producer_version].filter(Boolean).join(' '),
    opsets,
    nodes,
    initializers,
    // Before IR 4 initializers were also listed as inputs; they are constants here.
    inputs: declared.filter((i) => !initializers.has(i.name)),
    outputs: (graph.output ?? []).map((o) => valueInfo(o, file)),
    valueInfo: new Map((graph.value_info ?? []).map((v) => [v.name ?? '', valueInfo(v, file)])),
    functionDomains,
  };
  if (g.outputs.length === 0) throw onnxError('MODEL_INVALID', 'the graph has no outputs', file);
  checkWiring(g);
  g.nodes = sortNodes(g, file);
  return g;
}

/** Reads, decodes and validates an .onnx file and its external data. */
export async function readOnnx(modelPath: string): Promise<ParsedOnnx> {
  const file = resolve(modelPath);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw onnxError('MODEL_NOT_FOUND', 'model file not found', file);
  if (!info.isFile()) throw onnxError('MODEL_INVALID', 'is not a regular file', file);
  if (info.size > MAX_ONNX_BYTES) {
    throw onnxError('MODEL_INVALID', `the .onnx file is ${(info.size / 2 ** 30).toFixed(1)} GiB; protobuf files over 2 GiB are invalid (store the weights as external data)`, file);
  }
  if (info.size === 0) throw onnxError('MODEL_INVALID', 'the .onnx file is empty', file);
  const buffer = await readFile(file);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const model = decodeModelProto(bytes, file);
  if (!model.graph) throw onnxError('MODEL_INVALID', 'not an ONNX model: it has no graph (truncated or not an .onnx file?)', file);
  const dataFiles = await loadExternalData(externalRefs(model.graph, file), file);
  const graph = graphOfModel(model, file);
  return { graph, bytes, dataFiles, hash: await hashFiles(bytes, dataFiles) };
}
