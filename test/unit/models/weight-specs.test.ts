// Byte sizes of manifest weights (plain, quantized, string) and the checks on their entries.
import type * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { readModelFiles } from '../../../src/engine/models/modelFiles';
import { checkWeightSpec, fixedByteLength, groupByteLength, measureWeights } from '../../../src/engine/models/weightSpecs';
import { concatBytes, copyFixture, readBytes, rejectsWith } from './helpers';

const spec = (s: Record<string, unknown>) => checkWeightSpec({ name: 'w', shape: [2, 3], dtype: 'float32', ...s }, 0, 'model.json');

test('bytes per weight follow the dtype, or the quantization dtype when quantized', () => {
  assert.equal(fixedByteLength(spec({})), 24);
  assert.equal(fixedByteLength(spec({ dtype: 'int32' })), 24);
  assert.equal(fixedByteLength(spec({ dtype: 'bool' })), 6);
  assert.equal(fixedByteLength(spec({ dtype: 'complex64' })), 48);
  assert.equal(fixedByteLength(spec({ quantization: { dtype: 'uint8', min: 0, scale: 1 } })), 6);
  assert.equal(fixedByteLength(spec({ quantization: { dtype: 'uint16', min: 0, scale: 1 } })), 12);
  assert.equal(fixedByteLength(spec({ quantization: { dtype: 'float16' } })), 12);
  assert.equal(fixedByteLength(spec({ shape: [] })), 4, 'a scalar is one value');
  assert.equal(fixedByteLength(spec({ dtype: 'string' })), undefined);
  assert.equal(groupByteLength([spec({}), spec({ dtype: 'bool' })]), 30);
  assert.equal(groupByteLength([spec({}), spec({ dtype: 'string' })]), undefined);
});

test('malformed entries are refused with the weight name', () => {
  const refuses = (s: Record<string, unknown>, fragment: string) =>
    assert.throws(
      () => spec(s),
      (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && e.message.includes("weight 'w'") && e.message.includes(fragment),
    );
  refuses({ shape: [2, -1] }, 'invalid shape [2,-1]');
  refuses({ shape: '2x3' }, 'invalid shape "2x3"');
  refuses({ dtype: 'float64' }, 'unsupported dtype "float64"');
  refuses({ quantization: { dtype: 'int4' } }, 'unsupported quantization "int4"');
  refuses({ quantization: { dtype: 'uint8' } }, "uint8-quantized without numeric 'scale' and 'min'");
  refuses({ dtype: 'int32', quantization: { dtype: 'float16' } }, "float16-quantized but has dtype 'int32'");
  refuses({ dtype: 'bool', quantization: { dtype: 'uint8', min: 0, scale: 1 } }, "quantized but has dtype 'bool'");
  refuses({ shape: [65536, 65536] }, 'claims 4.29e+9 elements');
  assert.throws(() => checkWeightSpec({ shape: [1], dtype: 'float32' }, 3, 'model.json'), /weight #3 in weightsManifest has no name/);
});

/** Strings as tfjs stores them: a little-endian uint32 byte length, then the UTF-8 bytes. */
function encodeStrings(values: string[]): Uint8Array {
  return concatBytes(
    ...values.map((v) => {
      const bytes = new TextEncoder().encode(v);
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, bytes.length, true);
      return concatBytes(length, bytes);
    }),
  );
}

test('string weights are measured from their length prefixes', () => {
  const strings = spec({ name: 's', shape: [3], dtype: 'string' }) as tf.io.WeightsManifestEntry;
  const data = encodeStrings(['a', 'bc', 'déf']);
  const bytes = concatBytes(new Uint8Array(24), data);
  assert.deepEqual(measureWeights([spec({}), strings], bytes), { bytes: 24 + 4 * 3 + 1 + 2 + 4 });
  assert.deepEqual(measureWeights([spec({}), strings], bytes.subarray(0, bytes.length - 1)), { overrun: 's' });
  assert.deepEqual(measureWeights([spec({}), strings], bytes.subarray(0, 26)), { overrun: 's' });
});

test('a model with a string weight is read when its data is whole, refused when truncated', async () => {
  const path = copyFixture('graph');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  json.modelTopology.node.push({ name: 'vocab', op: 'Const', attr: { dtype: { type: 'DT_STRING' } } });
  json.weightsManifest[0].weights.push({ name: 'vocab', shape: [2], dtype: 'string' });
  writeFileSync(path, JSON.stringify(json));
  const shard = join(dirname(path), 'weights.bin');
  const whole = concatBytes(readBytes(shard), encodeStrings(['yes', 'no']));
  writeFileSync(shard, whole);
  const files = await readModelFiles(path);
  assert.equal(files.weightData.byteLength, 51 + 4 + 3 + 4 + 2);
  assert.deepEqual(
    files.weightSpecs.map((w) => w.name),
    ['dense/kernel', 'dense/bias', 'vocab'],
  );
  writeFileSync(shard, whole.subarray(0, whole.length - 1));
  await rejectsWith(readModelFiles(path), 'MODEL_INVALID', [shard, "ends inside weight 'vocab'"]);
  writeFileSync(shard, concatBytes(whole, new Uint8Array(2)));
  await rejectsWith(readModelFiles(path), 'MODEL_INVALID', [shard, '2 bytes too long']);
});
