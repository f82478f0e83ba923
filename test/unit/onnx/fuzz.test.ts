// Broken .onnx files are refused with one clear EngineError naming the file, never a crash, a foreign exception or a
// hang: truncations and seeded byte flips of real fixtures, and hand-made models with a wrong opset, a cycle, a
// missing initializer, absurd shapes, bad external data and more. (Each case finishes in milliseconds; the test
// timeouts only catch hangs.)
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { loadModel, readModelSummary } from '../../../src/engine/models';
import { rejectsWith } from '../models/helpers';
import { buildModel, encodeModel, modelObject, type ModelSpec } from './builder';

const FIXTURES = join(__dirname, '../../fixtures/onnx');
const dir = mkdtempSync(join(tmpdir(), 'lens-onnx-fuzz-'));
let counter = 0;

before(async () => {
  await initBackend('wasm');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function write(bytes: Uint8Array | Buffer | string, name = `m${counter++}.onnx`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof bytes === 'string' ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return path;
}

/** Loads, and disposes on success; returns the error (undefined when the file loaded). */
async function outcome(path: string): Promise<unknown> {
  try {
    (await loadModel(path)).dispose();
    return undefined;
  } catch (e) {
    return e;
  }
}

function expectEngineError(e: unknown, path: string, what: string): void {
  assert.ok(e instanceof EngineError, `${what}: expected an EngineError, got ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(!e.message.includes('\n'), `${what}: one-line message: ${e.message}`);
  assert.ok(e.message.includes(path), `${what}: message names the file: ${e.message}`);
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIMPLE: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: ['batch', 4] }],
  outputs: [{ name: 'y', dims: ['batch', 2] }],
  initializers: [
    { name: 'w', dims: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8] },
    { name: 'b', dims: [2], values: [0.5, -0.5] },
  ],
  nodes: [
    { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'], attrs: { transB: { i: 1 } }, name: 'fc' },
    { op: 'Relu', inputs: ['h'], outputs: ['y'], name: 'act' },
  ],
};

test('the simple model used below loads (so each broken variant fails for its own reason)', async () => {
  const model = await loadModel(write(buildModel(SIMPLE)));
  assert.equal(model.outputSize, 2);
  model.dispose();
});

test('truncated fixtures are refused at every cut point', { timeout: 60_000 }, async () => {
  const random = prng(11);
  for (const name of ['mlp.onnx', 'cnn2d.onnx', 'bert_embeds.onnx']) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
    const cuts = [0, 1, 2, 10, bytes.length >> 1, bytes.length - 1, ...Array.from({ length: 14 }, () => Math.floor(random() * bytes.length))];
    for (const cut of cuts) {
      const path = write(bytes.subarray(0, cut));
      expectEngineError(await outcome(path), path, `${name} cut at ${cut}`);
    }
  }
});

test('seeded byte flips: every mutant either loads or is refused with an EngineError', { timeout: 120_000 }, async () => {
  const random = prng(2024);
  let refused = 0;
  let total = 0;
  for (const name of ['mlp.onnx', 'cnn2d.onnx', 'cnn1d.onnx']) {
    const original = readFileSync(join(FIXTURES, name));
    for (let k = 0; k < 60; k++) {
      const bytes = new Uint8Array(original);
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] ^= 1 + Math.floor(random() * 255);
      const path = write(bytes);
      const e = await outcome(path);
      total++;
      if (e === undefined) continue;
      refused++;
      expectEngineError(e, path, `${name} mutant ${k}`);
    }
  }
  // Most flips land in weights (valid files with other numbers); the rest must have been caught.
  assert.ok(refused > 0 && refused < total, `${refused} of ${total} mutants refused`);
});

test('opsets: too new, too old, missing, and a domain the model does not import', async () => {
  let path = write(buildModel({ ...SIMPLE, opset: 99 }));
  await rejectsWith(loadModel(path), 'UNSUPPORTED', [path, 'ai.onnx opset 99 is not supported', '7–22']);
  path = write(buildModel({ ...SIMPLE, opset: 3 }));
  await rejectsWith(loadModel(path), 'UNSUPPORTED', [path, 'opset 3']);
  path = write(buildModel({ ...SIMPLE, noOpset: true }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'imports no ai.onnx opset']);
  path = write(buildModel({ ...SIMPLE, nodes: [SIMPLE.nodes[0], { ...SIMPLE.nodes[1], domain: 'com.acme' }] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "node 'act' (Relu) uses domain 'com.acme'", 'does not import']);
  path = write(buildModel({ ...SIMPLE, opsets: { 'com.acme': 1 }, nodes: [SIMPLE.nodes[0], { ...SIMPLE.nodes[1], domain: 'com.acme' }] }));
  await rejectsWith(loadModel(path), 'UNSUPPORTED', [path, "unknown operator domain 'com.acme'"]);
});

test('a cycle in the graph is reported with its nodes, without looping', async () => {
  const path = write(
    buildModel({
      ...SIMPLE,
      nodes: [
        { op: 'Add', inputs: ['x', 'z'], outputs: ['a'], name: 'first' },
        { op: 'Relu', inputs: ['a'], outputs: ['z'], name: 'second' },
        { op: 'Identity', inputs: ['z'], outputs: ['y'], name: 'out' },
      ],
    }),
  );
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'the graph has a cycle', "'first' (Add)", "'second' (Relu)"]);
});

test('a missing initializer, a duplicate producer and an unproduced output are named', async () => {
  let path = write(buildModel({ ...SIMPLE, initializers: SIMPLE.initializers!.slice(1) }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "node 'fc' (Gemm) reads 'w'", 'missing initializer?']);
  path = write(buildModel({ ...SIMPLE, nodes: [...SIMPLE.nodes, { op: 'Relu', inputs: ['x'], outputs: ['h'], name: 'again' }] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "value 'h' is produced twice"]);
  path = write(buildModel({ ...SIMPLE, outputs: [{ name: 'nothing' }] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "graph output 'nothing' is not produced"]);
});

test('absurd shapes and wrong data sizes are refused before anything is allocated', async () => {
  let path = write(buildModel({ ...SIMPLE, initializers: [{ name: 'w', dims: [65536, 65536, 4], values: [] }, SIMPLE.initializers![1]] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "initializer 'w'", 'more than 2^31']);
  path = write(buildModel({ ...SIMPLE, initializers: [{ name: 'w', dims: [2, -4], values: [] }, SIMPLE.initializers![1]] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "initializer 'w' has an invalid shape"]);
  path = write(buildModel({ ...SIMPLE, initializers: [{ name: 'w', dims: [2, 4], values: [1, 2, 3] }, SIMPLE.initializers![1]] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "initializer 'w' has shape [2, 4] (8 values) but its float_data holds 3"]);
  const raw = modelObject(SIMPLE) as { graph: { initializer: Record<string, unknown>[]; input: Record<string, unknown>[] } };
  raw.graph.initializer[0] = { name: 'w', dims: [2, 4], data_type: 1, raw_data: new Uint8Array(28) };
  path = write(encodeModel(raw));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "initializer 'w' data is 4 bytes short"]);
  path = write(buildModel({ ...SIMPLE, inputs: [{ name: 'x', dims: ['batch', 100000, 100000, 100000] }] }));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "value 'x'", 'more than 2^31']);
});

test('external data: outside the folder, missing, or too short', async () => {
  const external = (location: string, offset = 0, length = 32) => {
    const raw = modelObject(SIMPLE) as { graph: { initializer: Record<string, unknown>[] } };
    raw.graph.initializer[0] = {
      name: 'w',
      dims: [2, 4],
      data_type: 1,
      data_location: 1,
      external_data: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    };
    return write(encodeModel(raw));
  };
  let path = external('../secret.bin');
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "initializer 'w'", "location '../secret.bin' is outside the model's folder"]);
  path = external('/etc/passwd');
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'outside the model']);
  path = external('nowhere.bin');
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, "external data file 'nowhere.bin' is missing"]);
  write(new Uint8Array(40), 'short.bin');
  path = external('short.bin', 16, 32);
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'lies beyond the end', '40 bytes']);
  // The same layout with enough bytes loads, and its weights come from the file.
  const data = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0]);
  write(new Uint8Array(data.buffer), 'ok.bin');
  const model = await loadModel(external('ok.bin'));
  const y = model.predict((await import('@tensorflow/tfjs')).tensor2d([[3, 4, 5, 6]]));
  assert.deepEqual(Array.from(y.dataSync()), [3.5, 3.5]);
  y.dispose();
  model.dispose();
});

test('empty, non-ONNX and oversized files', async () => {
  let path = write(new Uint8Array(0));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'empty']);
  path = write('this is not a protobuf at all, just text\n');
  expectEngineError(await outcome(path), path, 'text file');
  path = write(new Uint8Array([0x08, 0x07]));
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, 'no graph']);
  // A sparse file just over 2 GiB: refused from its size, without reading it.
  path = join(dir, 'huge.onnx');
  const fd = openSync(path, 'w');
  closeSync(fd);
  (await import('node:fs')).truncateSync(path, 2 ** 31 + 16);
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [path, '2.0 GiB', 'over 2 GiB are invalid']);
  await rejectsWith(readModelSummary(path), 'MODEL_INVALID', [path, 'over 2 GiB']);
  rmSync(path);
});
