// Memory-budget batching: peak tensor memory of a method follows the budget, not the number of steps or samples,
// and the results do not depend on how inputs were batched.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { batchSizeForBudget } from '../../../src/engine/methods/batches';
import { assertClose, run } from './helpers';
import { matrix, numbers, tanhMlp, testContext, type TestModel } from './models';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { WorkerPool, withWorkerPool } from '../../../src/engine/parallel/workerPool';

before(async () => {
  await initBackend('wasm');
});

// A wide MLP, so one input's activations and gradients (≈ 4 KB × hidden layers) dominate the weights per batch.
const N = 256;
const H = 1024;
const model = () => tanhMlp([N], matrix(N, H, 1, 0.05), numbers(H, 2, 0.1), matrix(H, 2, 3, 0.05), numbers(2, 4));
const x = numbers(N, 5, 1);

async function peakOf(steps: number, budget: number | undefined, batchSize = 4096, wrap: (m: TestModel) => ExplainableModel = (m) => m) {
  const raw = model();
  const m = wrap(raw);
  const ctx = testContext(batchSize);
  if (budget !== undefined) ctx.memoryBudgetBytes = budget;
  const before = tf.memory().numBytes;
  let result: Awaited<ReturnType<typeof run>> | undefined;
  const info = await tf.profile(async () => {
    result = await run('integrated-gradients', m, { x }, 0, { steps, igMethod: 'riemann-middle' }, ctx);
    return [];
  });
  raw.dispose();
  return { peak: info.peakBytes - before, values: result!.values, checkpoints: ctx.checkpoints };
}

test('batch size from a budget: at most the cap, at least one, floor(budget / bytes per input) between', () => {
  assert.equal(batchSizeForBudget(32, undefined, 1000), 32);
  assert.equal(batchSizeForBudget(32, 10_000, 1000), 10);
  assert.equal(batchSizeForBudget(32, 1e9, 1000), 32);
  assert.equal(batchSizeForBudget(32, 10, 1000), 1);
  assert.equal(batchSizeForBudget(7.9, 1e9, 0), 7);
});

test('IG peak memory under a budget does not grow with the number of steps (and it does without one)', async () => {
  const budget = 2 * 2 ** 20;
  const small = await peakOf(16, budget);
  const large = await peakOf(256, budget);
  // Without a budget, all 256 steps go in one batch: the peak grows with the steps.
  const unbounded = await peakOf(256, undefined);
  assert.ok(unbounded.peak > 4 * budget, `without a budget the 256-step batch should exceed the budget: ${unbounded.peak}`);
  assert.ok(large.peak <= 1.25 * budget + 4 * N * H, `256 steps peaked at ${large.peak} B, budget ${budget} B`);
  assert.ok(large.peak <= 1.5 * small.peak + 4 * N * H, `16 steps ${small.peak} B vs 256 steps ${large.peak} B`);
  // More, smaller batches: a checkpoint per batch.
  assert.ok(large.checkpoints > unbounded.checkpoints + 4);
});

test('batching under a budget gives the same attributions as one batch', async () => {
  const budgeted = await peakOf(64, 256 * 1024);
  const oneBatch = await peakOf(64, undefined);
  assertClose(budgeted.values, oneBatch.values, 1e-5, 'IG attributions');
});

test('a model whose gradients may be split across worker threads keeps the budget', async () => {
  // The pool needs a model file to load; this in-memory model has none, so give it a path the workers cannot load:
  // batches then stay on this thread, through the same fast-gradient hook the engine uses for TF.js models.
  const pool = new WorkerPool('wasm', 1);
  const wrap = (m: TestModel) => withWorkerPool(Object.create(m, { summary: { value: { ...m.summary, path: '/nonexistent/model.json' } } }), pool);
  const budget = 2 * 2 ** 20;
  const wrapped = await peakOf(256, budget, 4096, wrap);
  await pool.terminate();
  assert.ok(wrapped.peak <= 1.25 * budget + 4 * N * H, `256 steps through the pooled model peaked at ${wrapped.peak} B, budget ${budget} B`);
});
