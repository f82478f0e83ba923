// TensorProto → HostTensor: dims and element type checked, data from raw_data (little-endian) or the typed fields
// (float_data, int32_data, int64_data, double_data, uint64_data), float16/bfloat16 widened to float32.
import { onnxError } from './errors';
import { BYTES, describeCode, dtypeOfCode, type OnnxDType } from './dtypes';
import { allocate, sizeOf, type HostTensor } from './hostTensor';
import { toNumber, type Int64, type TensorProto } from './proto';

/** Larger tensors are refused: they cannot be one tfjs tensor and usually mean a corrupt shape. */
export const MAX_ELEMENTS = 2 ** 31;

/** Tensor data stored outside the model file (TensorProto.DataLocation.EXTERNAL). */
export const EXTERNAL = 1;

const showShape = (dims: readonly number[]) => `[${dims.join(', ')}]`;

/** Dims of a TensorProto, refusing negative, fractional or absurd ones. */
export function checkedDims(dims: Int64[] | undefined, what: string, file: string): number[] {
  const out = (dims ?? []).map(toNumber);
  if (out.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw onnxError('MODEL_INVALID', `${what} has an invalid shape ${showShape(out)}`, file);
  }
  let n = 1;
  for (const d of out) n *= d;
  if (n > MAX_ELEMENTS) {
    throw onnxError('MODEL_INVALID', `${what} has shape ${showShape(out)} with ${n.toExponential(2)} elements, more than 2^31; the file is corrupt or the model too large`, file);
  }
  return out;
}

/** IEEE half precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Typed-array views read raw_data directly only on little-endian hosts (all Node platforms in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const bfloatView = new DataView(new ArrayBuffer(4));
function bfloatToFloat(bits: number): number {
  bfloatView.setUint32(0, (bits & 0xffff) << 16, true);
  return bfloatView.getFloat32(0, true);
}

/**
 * Reads n little-endian elements of `dtype` from raw bytes into host storage. float32 data is viewed in place (the
 * file's buffer stays alive anyway), copied only when unaligned: copying 100 MB of weights is not free.
 */
function fromRaw(raw: Uint8Array, dtype: OnnxDType, n: number): HostTensor['data'] {
  if (dtype === 'float32' && LITTLE_ENDIAN) {
    // A copy, not raw.slice(): on a Node Buffer (what protobufjs decodes Buffers into) slice is a view.
    const aligned = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw);
    return new Float32Array(aligned.buffer, aligned.byteOffset, n);
  }
  const out = allocate(dtype, n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bfloatToFloat(view.getUint16(2 * i, true));
      break;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      break;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = dtype === 'bool' ? (raw[i] ? 1 : 0) : raw[i];
      break;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case 'uint32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(8 * i, true));
      break;
    default:
      throw new Error(`no raw decoding for ${dtype}`);
  }
  return out;
}

/** The typed field that holds this dtype's values when raw_data is absent, per onnx.proto. */
function typedField(t: TensorProto, dtype: OnnxDType): { name: string; values: ArrayLike<number | Int64> } {
  switch (dtype) {
    case 'float32':
      return { name: 'float_data', values: t.float_data ?? [] };
    case 'float64':
      return { name: 'double_data', values: t.double_data ?? [] };
    case 'int64':
      return { name: 'int64_data', values: t.int64_data ?? [] };
    case 'uint32':
    case 'uint64':
      return { name: 'uint64_data', values: t.uint64_data ?? [] };
    default:
      return { name: 'int32_data', values: t.int32_data ?? [] };
  }
}

function fromTyped(values: ArrayLike<number | Int64>, dtype: OnnxDType, n: number): HostTensor['data'] {
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = toNumber(values[i]);
    if (dtype === 'float16') out[i] = halfToFloat(v);
    else if (dtype === 'bfloat16') out[i] = bfloatToFloat(v);
    else if (dtype === 'bool') out[i] = v ? 1 : 0;
    else out[i] = v;
  }
  return out;
}

/**
 * Decodes a tensor whose external data (if any) was already read into raw_data. `what` names it in errors,
 * e.g. "initializer 'fc.weight'".
 */
export function decodeTensor(t: TensorProto, what: string, file: string): HostTensor {
  const dtype = dtypeOfCode(t.data_type);
  if (!dtype) throw onnxError('MODEL_INVALID', `${what} has an unknown element type (${describeCode(t.data_type)})`, file);
  if (dtype === 'string' || dtype === 'complex64' || dtype === 'complex128') {
    throw onnxError('UNSUPPORTED', `${what} holds ${dtype} values, which the importer does not support`, file);
  }
  if (t.segment) throw onnxError('UNSUPPORTED', `${what} is a segmented tensor, which the importer does not support`, file);
  const shape = checkedDims(t.dims, what, file);
  const n = sizeOf(shape);
  const raw = t.raw_data;
  if (raw && raw.byteLength > 0) {
    const need = n * BYTES[dtype];
    if (raw.byteLength !== need) {
      const diff = raw.byteLength < need ? `${need - raw.byteLength} bytes short (truncated?)` : `${raw.byteLength - need} bytes too long`;
      throw onnxError('MODEL_INVALID', `${what} data is ${diff}: shape ${showShape(shape)} of ${dtype} needs ${need} bytes, found ${raw.byteLength}`, file);
    }
    return { kind: 'host', dtype, shape, data: fromRaw(raw, dtype, n) };
  }
  if (t.data_location === EXTERNAL) throw onnxError('MODEL_INVALID', `${what} refers to external data that was not read`, file);
  const field = typedField(t, dtype);
  if (field.values.length !== n) {
    throw onnxError('MODEL_INVALID', `${what} has shape ${showShape(shape)} (${n} values) but its ${field.name} holds ${field.values.length}`, file);
  }
  return { kind: 'host', dtype, shape, data: fromTyped(field.values, dtype, n) };
}
