// Builds small ONNX models in memory (protobufjs with the engine's schema) for op tests and broken-model tests, and
// runs them through ONNX Runtime and through the importer.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { Root } from 'protobufjs/light';
import schema from '../../../src/engine/models/onnx/onnx.schema.json';
import { codeOfDtype, type OnnxDType } from '../../../src/engine/models/onnx/dtypes';
import { graphOfModel } from '../../../src/engine/models/onnx/parse';
import { decodeModelProto } from '../../../src/engine/models/onnx/proto';
import { OnnxProgram } from '../../../src/engine/models/onnx/program';

const root = Root.fromJSON(schema as Parameters<typeof Root.fromJSON>[0]);
const ModelProto = root.lookupType('onnx.ModelProto');

export interface TensorSpec {
  name?: string;
  dtype?: OnnxDType;
  dims: number[];
  /** int64 values beyond 2^53 (INT64_MAX) can be given as decimal strings. */
  values: (number | string)[];
}

export type AttrSpec =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] }
  | { t: TensorSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrSpec>;
}

export interface ValueSpec {
  name: string;
  dtype?: OnnxDType;
  /** Numbers, or strings for symbolic (dynamic) dimensions; omitted for an undeclared shape. */
  dims?: (number | string)[];
}

export interface ModelSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  opset?: number;
  /** Extra opset imports, e.g. { 'com.microsoft': 1 }. */
  opsets?: Record<string, number>;
  /** Leave out opset_import entirely. */
  noOpset?: boolean;
}

const encoder = new TextEncoder();

export function tensorProto(t: TensorSpec): Record<string, unknown> {
  const dtype = t.dtype ?? 'float32';
  const base = { name: t.name, dims: t.dims, data_type: codeOfDtype(dtype) };
  if (dtype === 'float32') return { ...base, float_data: t.values };
  if (dtype === 'float64') return { ...base, double_data: t.values };
  if (dtype === 'int64') return { ...base, int64_data: t.values };
  if (dtype === 'uint64' || dtype === 'uint32') return { ...base, uint64_data: t.values };
  return { ...base, int32_data: t.values };
}

const ATTR_TYPES = { f: 1, i: 2, s: 3, t: 4, floats: 6, ints: 7 } as const;

function attribute(name: string, a: AttrSpec): Record<string, unknown> {
  if ('i' in a) return { name, type: ATTR_TYPES.i, i: a.i };
  if ('f' in a) return { name, type: ATTR_TYPES.f, f: a.f };
  if ('s' in a) return { name, type: ATTR_TYPES.s, s: encoder.encode(a.s) };
  if ('ints' in a) return { name, type: ATTR_TYPES.ints, ints: a.ints };
  if ('floats' in a) return { name, type: ATTR_TYPES.floats, floats: a.floats };
  return { name, type: ATTR_TYPES.t, t: tensorProto(a.t) };
}

function valueInfo(v: ValueSpec): Record<string, unknown> {
  const tensorType: Record<string, unknown> = { elem_type: codeOfDtype(v.dtype ?? 'float32') };
  if (v.dims) tensorType.shape = { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { name: v.name, type: { tensor_type: tensorType } };
}

/** The ModelProto as a plain object (edit it to break things), then encode with encodeModel. */
export function modelObject(spec: ModelSpec): Record<string, unknown> {
  const opsets = spec.noOpset ? [] : [{ domain: '', version: spec.opset ?? 17 }, ...Object.entries(spec.opsets ?? {}).map(([domain, version]) => ({ domain, version }))];
  return {
    ir_version: 8,
    producer_name: 'lens-test',
    opset_import: opsets,
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        op_type: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, a]) => attribute(k, a)),
      })),
      initializer: (spec.initializers ?? []).map(tensorProto),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
}

export function encodeModel(object: Record<string, unknown>): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(object)).finish();
}

export const buildModel = (spec: ModelSpec): Uint8Array => encodeModel(modelObject(spec));

/** One op on float inputs named a, b, c… with the given attributes; initializers may stand for inputs. */
export function singleOp(
  op: string,
  inputs: (ValueSpec & { initializer?: TensorSpec })[],
  attrs: Record<string, AttrSpec> = {},
  opset = 17,
  outputs = 1,
): ModelSpec {
  return {
    opset,
    inputs: inputs.filter((i) => !i.initializer && i.name).map(({ name, dtype, dims }) => ({ name, dtype, dims })),
    outputs: Array.from({ length: outputs }, (_, k) => ({ name: `y${k}` })),
    initializers: inputs.flatMap((i) => (i.initializer ? [{ ...i.initializer, name: i.name }] : [])),
    nodes: [{ op, inputs: inputs.map((i) => i.name), outputs: Array.from({ length: outputs }, (_, k) => `y${k}`), attrs }],
  };
}

export interface Feed {
  dims: number[];
  values: number[];
  dtype?: OnnxDType;
}

export interface Outputs {
  dims: number[][];
  values: number[][];
}

function ortTensor(f: Feed): ort.Tensor {
  const dtype = f.dtype ?? 'float32';
  if (dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(f.values, (v) => BigInt(v)), f.dims);
  if (dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(f.values), f.dims);
  if (dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(f.values), f.dims);
  return new ort.Tensor('float32', Float32Array.from(f.values), f.dims);
}

export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Outputs> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    const result = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, ortTensor(f)])));
    const names = session.outputNames;
    return {
      dims: names.map((n) => result[n].dims.map(Number)),
      values: names.map((n) => Array.from(result[n].data as ArrayLike<number | bigint>, (v) => Number(v))),
    };
  } finally {
    await session.release();
  }
}

export function importProgram(bytes: Uint8Array, file = 'test.onnx'): OnnxProgram {
  return new OnnxProgram(graphOfModel(decodeModelProto(bytes, file), file));
}

export function feedTensor(f: Feed): tf.Tensor {
  const dtype = f.dtype ?? 'float32';
  return tf.tensor(f.values, f.dims, dtype === 'bool' ? 'bool' : dtype === 'int64' || dtype === 'int32' ? 'int32' : 'float32');
}

export function runImported(program: OnnxProgram, feeds: Record<string, Feed>): Outputs {
  return tf.tidy(() => {
    const result = program.run({ feeds: Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, feedTensor(f)])) });
    return {
      dims: result.outputs.map((t) => t.shape),
      values: result.outputs.map((t) => Array.from(t.dataSync() as ArrayLike<number>)),
    };
  });
}

/** Deterministic values in [-1, 1). */
export function seeded(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  });
}

export const sizeOf = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
