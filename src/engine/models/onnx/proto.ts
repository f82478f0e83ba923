// The ONNX protobuf messages as protobufjs decodes them (snake_case fields, int64 as Long or number), and the decoder.
// The schema is the JSON descriptor generated from onnx.proto (generateSchema.ts), bundled with the engine.
import { Root, type Type } from 'protobufjs/light';
import { onnxError } from './errors';
import schema from './onnx.schema.json';

/** protobufjs returns int64 fields as Long objects (the `long` package is installed) or plain numbers. */
export type Int64 = number | { toNumber(): number };

export interface TensorShapeDimProto {
  dim_value?: Int64;
  dim_param?: string;
  value?: 'dim_value' | 'dim_param';
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim?: TensorShapeDimProto[] } | null } | null;
  value?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto | null;
}

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  segment?: unknown;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryProto[];
  data_location?: number;
  double_data?: number[];
  uint64_data?: Int64[];
}

export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto | null;
  g?: GraphProto | null;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: Int64;
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto | null;
  functions?: unknown[];
}

/** AttributeProto.AttributeType */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

let modelType: Type | undefined;

function modelProtoType(): Type {
  modelType ??= Root.fromJSON(schema as Parameters<typeof Root.fromJSON>[0]).lookupType('onnx.ModelProto');
  return modelType;
}

export function toNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes a ModelProto; any decoding failure (truncation, bad wire types, garbage) becomes one clear error. */
export function decodeModelProto(bytes: Uint8Array, file: string): ModelProto {
  try {
    return modelProtoType().decode(bytes) as unknown as ModelProto;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw onnxError('MODEL_INVALID', `not a readable ONNX model (protobuf decoding failed: ${reason}); is the file truncated or corrupt?`, file);
  }
}
