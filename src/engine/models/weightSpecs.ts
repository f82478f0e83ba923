// Checks the entries of a TF.js weightsManifest and says how many bytes each weight takes in the shards,
// so a broken model is reported by name before tfjs decodes (and silently misreads) anything.
import type * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';

/** Bytes per stored value, as tfjs decodes them (io_utils DTYPE_VALUE_SIZE_MAP). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
/** Each string value is stored as a 4-byte little-endian length followed by its bytes. */
const STRING_LENGTH_BYTES = 4;
/** Beyond this a tensor cannot exist in tfjs (int32 indexing), so such a claim is a corrupt manifest. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates one manifest entry (name, shape, dtype, quantization) and returns it typed.
 * `file` is the model.json that lists it.
 */
export function checkWeightSpec(raw: unknown, index: number, file: string): tf.io.WeightsManifestEntry {
  const where = isObject(raw) && typeof raw.name === 'string' ? `weight '${raw.name}'` : `weight #${index}`;
  const fail = (problem: string) => new EngineError('MODEL_INVALID', `${where} in weightsManifest ${problem}`, file);
  if (!isObject(raw)) throw fail('is not an object');
  if (typeof raw.name !== 'string' || raw.name === '') throw fail('has no name');
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw fail(`has an invalid shape ${JSON.stringify(shape)} (expected a list of non-negative integers)`);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements > MAX_TENSOR_ELEMENTS) {
    throw fail(`claims ${elements.toExponential(2)} elements (shape [${shape.join(', ')}]), more than any tfjs tensor can hold`);
  }
  const dtype = raw.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES || dtype === 'string')) {
    throw fail(`has unsupported dtype ${JSON.stringify(dtype)} (supported: float32, int32, bool, complex64, string)`);
  }
  if (raw.quantization !== undefined) {
    const q = raw.quantization;
    if (!isObject(q) || typeof q.dtype !== 'string' || !(q.dtype in QUANTIZED_BYTES)) {
      throw fail(`has unsupported quantization ${JSON.stringify(isObject(q) ? q.dtype : q)} (supported: uint8, uint16, float16)`);
    }
    if (dtype !== 'float32' && dtype !== 'int32') throw fail(`is quantized but has dtype '${dtype}' (only float32 and int32 can be)`);
    if (q.dtype === 'float16' && dtype !== 'float32') throw fail(`is float16-quantized but has dtype '${dtype}' (must be float32)`);
    if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
      throw fail(`is ${q.dtype}-quantized without numeric 'scale' and 'min'`);
    }
  }
  return raw as unknown as tf.io.WeightsManifestEntry;
}

export function elementCount(spec: tf.io.WeightsManifestEntry): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Bytes the weight occupies in the shards; undefined for string weights, whose size is only known from the data. */
export function fixedByteLength(spec: tf.io.WeightsManifestEntry): number | undefined {
  if (spec.quantization) return elementCount(spec) * QUANTIZED_BYTES[spec.quantization.dtype];
  if (spec.dtype === 'string') return undefined;
  return elementCount(spec) * DTYPE_BYTES[spec.dtype];
}

/** Sum of fixed-size weights, or undefined when a string weight makes the size data-dependent. */
export function groupByteLength(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const n = fixedByteLength(spec);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/**
 * Walks the weights over their bytes the way tfjs decodes them, reading string lengths from the data.
 * Returns the bytes needed, or the first weight that runs past the end of the data.
 */
export function measureWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
): { bytes: number } | { overrun: string } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const fixed = fixedByteLength(spec);
    if (fixed !== undefined) {
      offset += fixed;
    } else {
      for (let i = elementCount(spec); i > 0; i--) {
        if (offset + STRING_LENGTH_BYTES > data.byteLength) return { overrun: spec.name };
        offset += STRING_LENGTH_BYTES + view.getUint32(offset, true);
      }
    }
    if (offset > data.byteLength) return { overrun: spec.name };
  }
  return { bytes: offset };
}
