// Compute workers: a batch split between the engine's thread and workers gives the batch's own result; cold workers,
// small batches, and workers holding other bytes of the model never change a result (the engine computes alone).
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { initBackend } from '../../../src/engine/backend';
import { ModelRegistry } from '../../../src/engine/models/registry';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { runJob } from '../../../src/engine/parallel/jobs';
import { MIN_PARALLEL_VALUES, splitRows, WorkerPool, workerCount } from '../../../src/engine/parallel/workerPool';

const modelPath = join(__dirname, '../../fixtures/image/planted/model.json');
const registry = new ModelRegistry();
let model: ExplainableModel;
let pool: WorkerPool;

before(async () => {
  await initBackend('wasm');
  model = await registry.get(modelPath);
  pool = new WorkerPool('wasm', 1);
});

after(async () => {
  await pool.terminate();
  registry.clear();
});

function batch(rows: number, seed: number): tf.Tensor {
  return tf.tidy(() => tf.randomUniform([rows, ...model.inputShape], 0, 1, 'float32', seed));
}

/** Runs until the workers have loaded the model (the first calls answer undefined while they warm up). */
async function runWarm(kind: 'gradients' | 'forward', xs: tf.Tensor, target: number): Promise<tf.Tensor> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const out = await pool.run(model, kind, xs, target);
    if (out) return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the worker never became ready');
}

test('rows are split as evenly as possible, never below the minimum per thread; thread counts follow the setting', () => {
  assert.deepEqual(splitRows(16, 2), [8, 8]);
  assert.deepEqual(splitRows(17, 3), [6, 6, 5]);
  assert.deepEqual(splitRows(3, 4), [3]);
  assert.deepEqual(splitRows(4, 4), [2, 2]);
  assert.equal(workerCount({}, 2), 1);
  assert.equal(workerCount({ ATTRIBUTION_LENS_THREADS: '1' }, 8), 0);
  assert.equal(workerCount({ ATTRIBUTION_LENS_THREADS: '4' }, 2), 3);
  assert.equal(workerCount({ ATTRIBUTION_LENS_THREADS: 'lots' }, 64), 7);
});

test('input gradients and scores of a split batch equal the batch computed on one thread', async () => {
  const rows = Math.ceil(MIN_PARALLEL_VALUES / model.inputShape.reduce((a, b) => a * b, 1)) + 3;
  const xs = batch(rows, 7);
  const before = tf.memory().numTensors;
  for (const [kind, target] of [['gradients', 1], ['forward', 0]] as const) {
    const split = await runWarm(kind, xs, target);
    const alone = runJob(model, kind, xs, target);
    assert.deepEqual(split.shape, alone.shape);
    const [a, b] = [await split.data(), await alone.data()];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(b[i]!)));
    assert.ok(worst < 1e-5, `${kind}: worst relative difference ${worst}`);
    // Every row of the worker's part is there (a mix-up of parts would differ by row).
    tf.dispose([split, alone]);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  xs.dispose();
});

test('small batches stay on the engine thread; a worker holding other bytes of the model is not used', async () => {
  const small = batch(2, 3);
  assert.equal(await pool.run(model, 'gradients', small, 0), undefined);
  small.dispose();
  const xs = batch(16, 4);
  await runWarm('forward', xs, 0);
  // Same path, other content (as after an edit on disk): the worker's copy must not answer for it.
  const edited: ExplainableModel = Object.create(model, { summary: { value: { ...model.summary, hash: 'other-bytes' } } });
  assert.equal(await pool.run(edited, 'forward', xs, 0), undefined);
  xs.dispose();
});

test('workers that cannot start are given up after a few tries; the engine thread computes every batch', async () => {
  let started = 0;
  const broken = new WorkerPool('wasm', 1, () => {
    started++;
    return new Worker('throw new Error("no engine-worker.js here")', { eval: true });
  });
  const xs = batch(16, 9);
  for (let i = 0; i < 20; i++) {
    assert.equal(await broken.run(model, 'forward', xs, 0), undefined);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(!broken.usable);
  assert.ok(started <= 3, `started ${started} workers`);
  xs.dispose();
  await broken.terminate();
});
