// Tensors kept in plain JS memory: initializers, constants and shape arithmetic. Integers (int64 included) are JS
// numbers in a Float64Array, so shape math never goes through tfjs's int32; floats keep float32 rounding.
import * as tf from '@tensorflow/tfjs';
import { isFloat, isInteger, tfDtypeOf, type OnnxDType } from './dtypes';

export type HostData = Float32Array | Float64Array | Uint8Array;

export interface HostTensor {
  readonly kind: 'host';
  readonly dtype: OnnxDType;
  readonly shape: number[];
  readonly data: HostData;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The storage array for `n` elements of a dtype: Float32Array for float32/16, Float64Array for float64 and integers. */
export function allocate(dtype: OnnxDType, n: number): HostData {
  if (dtype === 'bool') return new Uint8Array(n);
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return new Float32Array(n);
  return new Float64Array(n);
}

export function hostTensor(dtype: OnnxDType, shape: number[], data?: ArrayLike<number>): HostTensor {
  const out = allocate(dtype, sizeOf(shape));
  if (data) {
    if (data.length !== out.length) throw new Error(`host tensor of shape [${shape}] given ${data.length} values`);
    if (isInteger(dtype)) for (let i = 0; i < out.length; i++) out[i] = Math.trunc(data[i]);
    else if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = data[i] ? 1 : 0;
    else out.set(data);
  }
  return { kind: 'host', dtype, shape: [...shape], data: out };
}

export function isHost(v: unknown): v is HostTensor {
  return typeof v === 'object' && v !== null && (v as HostTensor).kind === 'host';
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Uploads a host tensor to tfjs (float32, int32 saturated to its range, or bool). */
export function hostToTf(h: HostTensor): tf.Tensor {
  const dtype = tfDtypeOf(h.dtype);
  if (dtype === 'int32') {
    const ints = new Int32Array(h.data.length);
    for (let i = 0; i < ints.length; i++) ints[i] = Math.min(INT32_MAX, Math.max(INT32_MIN, h.data[i]));
    return tf.tensor(ints, h.shape, 'int32');
  }
  if (dtype === 'bool') return tf.tensor(h.data, h.shape, 'bool');
  return tf.tensor(h.data instanceof Float32Array ? h.data : Float32Array.from(h.data), h.shape, 'float32');
}

/** Reads a tfjs tensor back to the host (synchronously; only for small shape-like tensors). */
export function tfToHost(t: tf.Tensor, dtype: OnnxDType): HostTensor {
  return hostTensor(dtype, t.shape, t.dataSync() as ArrayLike<number>);
}

export function scalarOf(h: HostTensor): number {
  if (h.data.length !== 1) throw new Error(`expected a single value, got shape [${h.shape}]`);
  return h.data[0];
}

/** Rounds a JS number to the dtype's value set (float32 rounding, integer truncation, bool). */
export function castValue(v: number, dtype: OnnxDType): number {
  if (dtype === 'bool') return v ? 1 : 0;
  if (isInteger(dtype)) return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return Math.fround(v);
  return v;
}

export { isFloat };
