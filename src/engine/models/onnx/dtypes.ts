// ONNX element types (TensorProto.DataType): names, byte sizes, and how they map onto tfjs dtypes.
import type * as tf from '@tensorflow/tfjs';

export type OnnxDType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16';

const BY_CODE: (OnnxDType | undefined)[] = [
  undefined,
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
];

/** Bytes per element in raw_data (strings have no fixed size). */
export const BYTES: Record<OnnxDType, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  string: 0,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  complex64: 8,
  complex128: 16,
  bfloat16: 2,
};

export function dtypeOfCode(code: number | undefined): OnnxDType | undefined {
  return code === undefined ? undefined : BY_CODE[code];
}

export function codeOfDtype(dtype: OnnxDType): number {
  return BY_CODE.indexOf(dtype);
}

/** Text for messages: the ONNX name, or the code when it is unknown. */
export function describeCode(code: number | undefined): string {
  const name = dtypeOfCode(code);
  return name ?? `element type ${code}`;
}

export const isFloat = (d: OnnxDType) => d === 'float32' || d === 'float16' || d === 'float64' || d === 'bfloat16';
export const isInteger = (d: OnnxDType) =>
  d === 'uint8' || d === 'int8' || d === 'uint16' || d === 'int16' || d === 'int32' || d === 'int64' || d === 'uint32' || d === 'uint64';

/** The tfjs dtype a value of this ONNX type computes in: floats as float32, integers as int32. */
export function tfDtypeOf(d: OnnxDType): tf.DataType {
  if (d === 'bool') return 'bool';
  if (isInteger(d)) return 'int32';
  return 'float32';
}

/** The ONNX type a tfjs tensor stands for; integers are taken to be int64, the type ONNX uses for indices and shapes. */
export function onnxDtypeOfTf(d: tf.DataType): OnnxDType {
  if (d === 'bool') return 'bool';
  if (d === 'int32') return 'int64';
  return 'float32';
}
