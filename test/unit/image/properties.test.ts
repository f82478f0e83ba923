// The properties every method keeps (as test/unit/methods/allMethods.test.ts checks for the tabular methods), here for
// the image methods on a small CNN: results independent of the batch size, a checkpoint before and a progress report
// after every batch, cancellation at any checkpoint without leaked tensors, and no growth over repeated calls.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MethodOptions } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { CancelledError } from '../../../src/engine/errors';
import { getMethod } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { maxAbsDifference, run } from '../methods/helpers';
import { numbers, testContext } from '../methods/models';
import { smallCnn } from './imageModels';

const METHODS: [string, MethodOptions][] = [
  ['grad-cam', {}],
  ['guided-grad-cam', {}],
  ['guided-backprop', {}],
  ['deconvnet', {}],
  ['rise', { samples: 12, gridSize: 3, seed: 2 }],
  ['sobol', { samples: 4, gridSize: 2 }],
  ['lime', { samples: 12, segments: 4, seed: 2 }],
  ['kernel-shap', { samples: 12, segments: 4, seed: 2 }],
  ['extremal-perturbation', { iterations: 6, area: 0.2 }],
];

let model: ExplainableModel;
const input = { x: numbers(8 * 8 * 3, 301, 1).map((v) => v + 0.5) };

before(async () => {
  await initBackend('wasm');
  model = (await smallCnn(8, 4, 3)).model;
});
after(() => model.dispose());

test('results do not depend on the batch size (1, 7, 64)', async () => {
  for (const [id, options] of METHODS) {
    const results = [];
    for (const batchSize of [1, 7, 64]) results.push(await run(id, model, input, 1, options, testContext(batchSize)));
    for (const r of results.slice(1)) assert.ok(maxAbsDifference(r.values, results[0].values) < 1e-6, id);
    assert.ok(results[0].values.some((v) => v !== 0), `${id}: not all zero`);
  }
});

test('a checkpoint before every batch and one progress report after it, rising to 1', async () => {
  for (const [id, options] of METHODS) {
    const ctx = testContext(4);
    await run(id, model, input, 0, options, ctx);
    assert.ok(ctx.checkpoints >= 1, `${id}: no checkpoint`);
    assert.equal(ctx.fractions.length, ctx.checkpoints, `${id}: one progress report per batch`);
    assert.ok(Math.abs(ctx.fractions[ctx.fractions.length - 1] - 1) < 1e-12, `${id}: ends at ${ctx.fractions.at(-1)}`);
    for (let i = 1; i < ctx.fractions.length; i++) assert.ok(ctx.fractions[i] >= ctx.fractions[i - 1] - 1e-12, `${id}: progress went back`);
  }
});

function cancellingContext(afterCalls: number): RunContext & { calls: number } {
  const ctx = {
    batchSize: 1,
    calls: 0,
    progress: () => {},
    async checkpoint() {
      ctx.calls++;
      if (ctx.calls > afterCalls) throw new CancelledError();
    },
  };
  return ctx;
}

test('cancellation at any checkpoint stops with CancelledError and leaks no tensors', async () => {
  for (const [id, options] of METHODS) {
    const full = testContext(1);
    await run(id, model, input, 0, options, full);
    for (const afterCalls of [0, Math.floor(full.checkpoints / 2), full.checkpoints - 1]) {
      const before = tf.memory().numTensors;
      const ctx = cancellingContext(afterCalls);
      await assert.rejects(run(id, model, input, 0, options, ctx), (e) => e instanceof CancelledError, `${id} after ${afterCalls}`);
      assert.equal(ctx.calls, afterCalls + 1, `${id}: stopped at the first cancelled checkpoint`);
      assert.equal(tf.memory().numTensors, before, `${id}: tensors leaked on cancel after ${afterCalls}`);
    }
  }
});

test('numTensors is unchanged after 20 calls of each method', async () => {
  const x = tf.tensor(input.x, [1, 8, 8, 3]);
  const baseline = tf.zerosLike(x);
  for (const [id, options] of METHODS) {
    const method = getMethod(id);
    const resolved = method.resolveOptions({ ...options }, model);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const r = await method.attribute(model, { x, baseline }, i % 3, resolved, testContext(3));
      r.attributions.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${id} leaked tensors`);
  }
  tf.dispose([x, baseline]);
});
