// Every broken model is refused with an EngineError that names the file and the problem, before tfjs runs.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/models';
import { concatBytes, copyFixture, fixture, readBytes, rejectsWith } from './helpers';

before(async () => {
  await initBackend('wasm');
});

const editJson = (path: string, edit: (json: Record<string, any>) => void) => {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
};

test('a missing model file is MODEL_NOT_FOUND', async () => {
  const missing = join(tmpdir(), 'lens-no-such-dir', 'model.json');
  await rejectsWith(loadModel(missing), 'MODEL_NOT_FOUND', [missing, 'not found']);
  const emptyDir = mkdtempSync(join(tmpdir(), 'lens-empty-'));
  await rejectsWith(loadModel(emptyDir), 'MODEL_NOT_FOUND', [emptyDir, 'no model.json']);
});

test('a missing shard names the shard', async () => {
  await rejectsWith(loadModel(fixture('missing-shard')), 'MODEL_INVALID', [
    fixture('missing-shard', 'group1-shard2of2.bin'),
    'listed in model.json is missing',
  ]);
});

test('a truncated shard says how many bytes are missing', async () => {
  await rejectsWith(loadModel(fixture('truncated-shard')), 'MODEL_INVALID', [
    fixture('truncated-shard'),
    'group1-shard2of2.bin',
    '8 bytes short',
    'holds 100 bytes',
    'need 108',
  ]);
});

test('a shard with extra bytes is refused too', async () => {
  const path = copyFixture('graph');
  const shard = join(dirname(path), 'weights.bin');
  writeFileSync(shard, concatBytes(readBytes(shard), new Uint8Array(4)));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [shard, '4 bytes too long', 'need 51']);
});

test('unparsable JSON reports the line and column', async () => {
  await rejectsWith(loadModel(fixture('corrupt-json')), 'MODEL_INVALID', [fixture('corrupt-json'), 'not valid JSON', 'line 3, column 2']);
  const path = copyFixture('ok');
  writeFileSync(path, '{"format": "layers-model", "modelTopology": {');
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'not valid JSON', 'line 1, column 46']);
});

test('JSON that is not a TF.js model, or of an unknown format, is refused', async () => {
  await rejectsWith(loadModel(fixture('not-a-model')), 'MODEL_INVALID', [
    fixture('not-a-model'),
    "not a TF.js model: it has no 'modelTopology' and no 'weightsManifest'",
  ]);
  await rejectsWith(loadModel(fixture('unknown-format')), 'MODEL_INVALID', [fixture('unknown-format'), 'unknown format "tfjs-model"']);
  const path = copyFixture('ok');
  editJson(path, (j) => {
    delete j.format;
    j.modelTopology = { something: 'else' };
  });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'neither a Keras model nor a TensorFlow graph']);
});

test('an unsupported weight dtype names the weight', async () => {
  await rejectsWith(loadModel(fixture('wrong-dtype')), 'MODEL_INVALID', [fixture('wrong-dtype'), "weight 'hidden/bias'", 'unsupported dtype "float64"']);
});

test('duplicate weight names are refused', async () => {
  await rejectsWith(loadModel(fixture('duplicate-weight-name')), 'MODEL_INVALID', [
    fixture('duplicate-weight-name'),
    "weight name 'hidden/kernel' appears more than once",
  ]);
});

test('an unknown layer class is reported by name, without a stack trace', async () => {
  const e = await rejectsWith(loadModel(fixture('unknown-layer')), 'MODEL_INVALID', [fixture('unknown-layer'), "unsupported layer 'FooLayer'"]);
  assert.ok(!/This may be due to/.test(e.message));
});

test('graph ops tfjs cannot run are listed before anything runs', async () => {
  await rejectsWith(loadModel(fixture('graph-unknown-op')), 'MODEL_INVALID', [fixture('graph-unknown-op'), "unsupported op 'FooOp'"]);
});

test('multi-input models are UNSUPPORTED and the inputs are named', async () => {
  await rejectsWith(loadModel(fixture('multi-input')), 'UNSUPPORTED', [fixture('multi-input'), "2 inputs ('left', 'right')"]);
});

test('absurd manifest claims are refused before reading the weights', async () => {
  const path = copyFixture('ok');
  editJson(path, (j) => {
    j.weightsManifest[0].weights[0].shape = [1_000_000, 1_000_000];
  });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "weight 'hidden/kernel'", 'claims 1.00e+12 elements']);

  const url = copyFixture('ok');
  editJson(url, (j) => {
    j.weightsManifest[0].paths[1] = 'https://example.com/w.bin';
  });
  await rejectsWith(loadModel(url), 'MODEL_INVALID', [url, 'is a URL']);

  const quant = copyFixture('graph');
  editJson(quant, (j) => {
    delete j.weightsManifest[0].weights[1].quantization.scale;
  });
  await rejectsWith(loadModel(quant), 'MODEL_INVALID', [quant, "weight 'dense/bias'", "uint8-quantized without numeric 'scale' and 'min'"]);
});

/** A sparse file of this size: takes no disk space, but stat() reports the size. */
function sparse(path: string, size: number): void {
  closeSync(openSync(path, 'w'));
  truncateSync(path, size);
}

test('a shard over 2 GiB and a model.json over 512 MiB are refused from their size alone', async () => {
  const path = copyFixture('ok');
  const shard = join(dirname(path), 'group1-shard2of2.bin');
  sparse(shard, 2 * 2 ** 30 + 1);
  try {
    await rejectsWith(loadModel(path), 'MODEL_INVALID', [shard, '2.0 GiB', 'over 2 GiB are refused']);
  } finally {
    rmSync(shard);
  }
  const hugeJson = join(mkdtempSync(join(tmpdir(), 'lens-huge-')), 'model.json');
  sparse(hugeJson, 513 * 2 ** 20);
  try {
    await rejectsWith(loadModel(hugeJson), 'MODEL_INVALID', [hugeJson, '513.0 MiB', 'over 512 MiB are refused']);
  } finally {
    rmSync(hugeJson);
  }
});

test('other model formats get a pointed message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-formats-'));
  for (const name of ['net.onnx', 'net.h5', 'notes.txt']) writeFileSync(join(dir, name), 'x');
  // .onnx goes to the ONNX loader, which refuses a file that is not one (test/unit/onnx/fuzz.test.ts has the rest).
  await rejectsWith(loadModel(join(dir, 'net.onnx')), 'MODEL_INVALID', ['net.onnx', 'not a readable ONNX model']);
  await rejectsWith(loadModel(join(dir, 'net.h5')), 'UNSUPPORTED', ['net.h5', 'tensorflowjs_converter']);
  await rejectsWith(loadModel(join(dir, 'notes.txt')), 'MODEL_INVALID', ['notes.txt', 'expected a TF.js model.json or an .onnx file']);
});

test('failed loads leave no tensors behind', async () => {
  const before = tf.memory().numTensors;
  for (const name of ['unknown-layer', 'graph-unknown-op', 'multi-input', 'truncated-shard']) {
    await loadModel(fixture(name)).then(
      () => assert.fail(`${name} should not load`),
      () => undefined,
    );
  }
  assert.equal(tf.memory().numTensors, before);
});
