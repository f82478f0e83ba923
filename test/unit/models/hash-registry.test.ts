// The model hash is a stable content key, and the registry reuses a model until its files or manifest change.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { loadModel, readModelSummary } from '../../../src/engine/models';
import { hashModelFiles } from '../../../src/engine/models/modelFiles';
import { ModelRegistry } from '../../../src/engine/models/registry';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { copyFixture, fixture, readBytes } from './helpers';

before(async () => {
  await initBackend('wasm');
});

/** Replaces the first float of a shard with another value: same size, different weights. */
function changeFirstWeight(shard: string, value: number): void {
  const bytes = readBytes(shard);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  writeFileSync(shard, bytes);
}

const countingLoader = () => {
  const loader = { loads: 0, load: async (p: string) => (loader.loads++, loadModel(p)) };
  return loader;
};

test('the hash is stable, equals hashModelFiles, and changes with one weight byte', async () => {
  for (const name of ['ok', 'graph']) {
    const first = await readModelSummary(fixture(name));
    const second = await readModelSummary(fixture(name));
    assert.equal(first.hash, second.hash);
    assert.equal(await hashModelFiles(fixture(name)), first.hash);
  }
  const copy = copyFixture('ok');
  const original = (await readModelSummary(copy)).hash;
  assert.equal(original, (await readModelSummary(fixture('ok'))).hash, 'the hash depends on content, not on the folder');
  const shard = join(dirname(copy), 'group1-shard2of2.bin');
  const bytes = readBytes(shard);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(shard, bytes);
  const changed = (await readModelSummary(copy)).hash;
  assert.notEqual(changed, original);
  assert.equal(await hashModelFiles(copy), changed);
});

test('the registry returns the same model while files are unchanged, through either path spelling', async () => {
  const path = copyFixture('ok');
  const loader = countingLoader();
  const registry = new ModelRegistry(loader.load);
  try {
    const a = await registry.get(path);
    const b = await registry.get(path);
    const c = await registry.get(dirname(path));
    const [d, e] = await Promise.all([registry.get(path), registry.get(path)]);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(a, d);
    assert.equal(a, e);
    assert.equal(loader.loads, 1);
    assert.equal(registry.size, 1);
  } finally {
    registry.clear();
  }
});

function assertDisposed(model: ExplainableModel): void {
  const x = tf.zeros([1, 4]);
  assert.throws(() => model.predict(x), (err: unknown) => err instanceof EngineError && /disposed/.test(err.message));
  x.dispose();
}

test('the registry reloads after a weight or the manifest changes, and disposes the old model', async () => {
  const path = copyFixture('ok');
  const registry = new ModelRegistry();
  const before = tf.memory().numTensors;
  try {
    const first = await registry.get(path);
    changeFirstWeight(join(dirname(path), 'group1-shard1of2.bin'), 0.123);
    const second = await registry.get(path);
    assert.notEqual(second, first);
    assert.notEqual(second.summary.hash, first.summary.hash);
    assertDisposed(first);

    writeFileSync(join(dirname(path), 'model.lens.json'), JSON.stringify({ labels: ['L', 'M', 'H'] }));
    const third = await registry.get(path);
    assert.notEqual(third, second);
    assert.deepEqual(third.labels, ['L', 'M', 'H']);
    assertDisposed(second);
    assert.equal(registry.size, 1);

    // A Hugging Face config.json beside the model also describes it (its labels): adding it reloads the model.
    const counting = countingLoader();
    const watched = new ModelRegistry(counting.load);
    await watched.get(path);
    await watched.get(path);
    assert.equal(counting.loads, 1);
    writeFileSync(join(dirname(path), 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
    await watched.get(path);
    assert.equal(counting.loads, 2, 'a new config.json reloads the model');
    watched.clear();
  } finally {
    registry.clear();
  }
  assert.equal(registry.size, 0);
  assert.equal(tf.memory().numTensors, before);
});

test('old files are trusted by their stamps; an edit that changes the stamps is still seen', async () => {
  const path = copyFixture('graph');
  const dir = dirname(path);
  const longAgo = new Date(Date.now() - 3600_000);
  for (const f of ['model.json', 'weights.bin', 'lens.json']) utimesSync(join(dir, f), longAgo, longAgo);
  const loader = countingLoader();
  const registry = new ModelRegistry(loader.load);
  try {
    const first = await registry.get(path);
    assert.equal(await registry.get(path), first);
    changeFirstWeight(join(dir, 'weights.bin'), -0.5);
    const evenLonger = new Date(Date.now() - 7200_000);
    utimesSync(join(dir, 'weights.bin'), evenLonger, evenLonger); // an old mtime, but not the recorded one
    const second = await registry.get(path);
    assert.notEqual(second, first);
    assert.equal(loader.loads, 2);
  } finally {
    registry.clear();
  }
});

test('a model that became broken or was deleted is evicted and its error reported', async () => {
  const path = copyFixture('ok');
  const registry = new ModelRegistry();
  const first = await registry.get(path);
  writeFileSync(join(dirname(path), 'group1-shard2of2.bin'), new Uint8Array(3));
  await assert.rejects(registry.get(path), (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID');
  assert.equal(registry.size, 0);
  assertDisposed(first);

  const other = copyFixture('graph');
  const second = await registry.get(dirname(other));
  assert.equal(registry.size, 1);
  rmSync(dirname(other), { recursive: true });
  await assert.rejects(registry.get(dirname(other)), (e: unknown) => e instanceof EngineError && e.code === 'MODEL_NOT_FOUND');
  assert.equal(registry.size, 0);
  assertDisposed(second);
});
