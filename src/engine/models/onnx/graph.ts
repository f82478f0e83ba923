// The ONNX graph as the importer sees it: nodes in topological order with decoded attributes, initializers as host
// tensors, inputs/outputs with their (possibly dynamic) shapes, and the opsets the model imports.
import type { OnnxDType } from './dtypes';
import type { HostTensor } from './hostTensor';

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: HostTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  /** The attribute holds a subgraph (If, Loop, Scan), which the importer does not run. */
  graph?: boolean;
}

export interface OnnxNode {
  /** Position in the file. */
  index: number;
  /** The node's name, or `<OpType>_<index>` when it has none. */
  name: string;
  opType: string;
  /** '' for the standard ai.onnx domain. */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  dtype?: OnnxDType;
  /** null for a dynamic dimension; undefined when the shape is not declared. */
  shape?: (number | null)[];
  /** Names of symbolic dimensions (dim_param), by position. */
  dimNames?: (string | undefined)[];
}

export interface OnnxGraph {
  file: string;
  irVersion: number;
  producer: string;
  /** Domain ('' = ai.onnx) → opset version. */
  opsets: Map<string, number>;
  nodes: OnnxNode[];
  initializers: Map<string, HostTensor>;
  /** Inputs the caller feeds (initializers excluded). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: Map<string, OnnxValueInfo>;
  /** Domains of the model's local functions (ONNX Runtime expands them). */
  functionDomains: Set<string>;
}

/** Normalises the standard domain's two spellings to ''. */
export const standardDomain = (domain: string) => (domain === 'ai.onnx' ? '' : domain);

export function describeNode(node: OnnxNode): string {
  return `'${node.name}' (${node.opType})`;
}
