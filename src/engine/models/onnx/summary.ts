// The ModelSummary of an ONNX model: inputs and outputs as declared, one layer per node (op type, parameters it
// reads), parameter count, opsets, unsupported ops. Built from the parsed graph alone, so describing a model never
// runs it (readOnnxSummary) — the loaded model adds measured shapes and parity warnings.
import type { LayerInfo, ModelSummary, TensorInfo } from '../../../shared/types';
import { isFloat } from './dtypes';
import type { OnnxGraph, OnnxValueInfo } from './graph';
import { readOnnx } from './parse';
import { findUnsupported } from './support';

const tensorInfo = (v: OnnxValueInfo): TensorInfo => ({ name: v.name, shape: v.shape ?? [], dtype: v.dtype ?? 'unknown' });

/** Trainable-looking parameters: floating-point initializers (integer ones are shapes and indices). */
function floatInitializerSizes(graph: OnnxGraph): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [name, t] of graph.initializers) if (isFloat(t.dtype)) sizes.set(name, t.data.length);
  return sizes;
}

export function summarizeGraph(graph: OnnxGraph, hash: string, outputShapes?: Map<string, (number | null)[]>): ModelSummary {
  const params = floatInitializerSizes(graph);
  const layers: LayerInfo[] = graph.nodes.map((node) => {
    const count = node.inputs.reduce((a, i) => a + (params.get(i) ?? 0), 0);
    const shape = outputShapes?.get(node.outputs[0] ?? '');
    return { name: node.name, type: node.domain ? `${node.domain}.${node.opType}` : node.opType, ...(shape ? { outputShape: shape } : {}), ...(count ? { parameterCount: count } : {}) };
  });
  const unsupported = findUnsupported(graph);
  return {
    path: graph.file,
    format: 'onnx',
    inputs: graph.inputs.map(tensorInfo),
    outputs: graph.outputs.map(tensorInfo),
    layers,
    parameterCount: [...params.values()].reduce((a, b) => a + b, 0),
    hash,
    opset: Object.fromEntries([...graph.opsets].map(([domain, version]) => [domain || 'ai.onnx', version])),
    ...(unsupported.length ? { unsupportedOps: unsupported } : {}),
  };
}

/** Parses and describes an .onnx file without creating tensors or an ONNX Runtime session. */
export async function readOnnxSummary(path: string): Promise<ModelSummary> {
  const parsed = await readOnnx(path);
  return summarizeGraph(parsed.graph, parsed.hash);
}
