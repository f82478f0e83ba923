// Properties every method must have: sensitivity to irrelevant features, batch-size independence,
// cancellation without leaks, and no tensor growth across calls. Methods come from the registry, so a method
// added later is covered too.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { MethodId, MethodOptions } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { CancelledError } from '../../../src/engine/errors';
import { listMethods } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import { maxAbsDifference, run, type RunInput } from './helpers';
import { matrix, numbers, tanhMlp, testContext } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 6;
const H = 5;
const DEAD = 2; // the feature whose first-layer weights are all zero
const W1 = matrix(N, H, 111, 1.2);
W1[DEAD] = new Array<number>(H).fill(0);
const model = () => tanhMlp([N], W1, numbers(H, 112), matrix(H, 3, 113, 2), numbers(3, 114));
const input: RunInput = {
  x: numbers(N, 115, 2),
  baseline: numbers(N, 116, 0.5),
  baselineSet: [numbers(N, 117), numbers(N, 118), numbers(N, 119)],
};
// Enough evaluations that batch sizes of 1 and 7 split the work into several passes.
const options: MethodOptions = { steps: 20, samples: 12 };
// Methods that take any differentiable model on a flat input. Layer and image methods need intermediates or an image
// layout and refuse this model by design; test/unit/image/properties.test.ts and test/unit/text check them on theirs.
const GENERIC = [
  'saliency',
  'input-x-gradient',
  'integrated-gradients',
  'smoothgrad',
  'smoothgrad-sq',
  'vargrad',
  'gradient-shap',
  'occlusion',
  'feature-ablation',
];
const ids = listMethods()
  .map((m) => m.id)
  .filter((id) => GENERIC.includes(id));

test('the registry lists every method of the MethodId union, the generic ones included', () => {
  assert.deepEqual(ids, GENERIC);
  const all: Record<MethodId, true> = {
    ...(Object.fromEntries(GENERIC.map((id) => [id, true])) as Record<string, true>),
    'grad-cam': true,
    'guided-grad-cam': true,
    'guided-backprop': true,
    deconvnet: true,
    rise: true,
    sobol: true,
    lime: true,
    'kernel-shap': true,
    'extremal-perturbation': true,
    'layer-integrated-gradients': true,
    'layer-gradient-x-activation': true,
    lrp: true,
  } as Record<MethodId, true>;
  assert.deepEqual(listMethods().map((m) => m.id).sort(), Object.keys(all).sort());
});

test('sensitivity: a feature with all-zero weights gets exactly 0 from every method', async () => {
  const m = model();
  for (const id of ids) {
    for (const target of [0, 2]) {
      const r = await run(id, m, input, target, options);
      assert.equal(Math.abs(r.values[DEAD]), 0, `${id} target ${target}: ${r.values[DEAD]}`);
      assert.ok(r.values.some((v, j) => j !== DEAD && Math.abs(v) > 1e-4), `${id}: other features are not all 0`);
    }
  }
  m.dispose();
});

test('batching: results do not depend on ctx.batchSize (1, 7, 64)', async () => {
  const m = model();
  for (const id of ids) {
    const results = [];
    for (const batchSize of [1, 7, 64]) results.push(await run(id, m, input, 1, options, testContext(batchSize)));
    for (const r of results.slice(1)) {
      assert.ok(maxAbsDifference(r.values, results[0].values) < 1e-6, `${id}: ${r.values} vs ${results[0].values}`);
      const delta = r.checks.convergenceDelta;
      if (typeof delta === 'number') assert.ok(Math.abs(delta - (results[0].checks.convergenceDelta as number)) < 1e-6);
    }
  }
  m.dispose();
});

test('ctx.checkpoint is awaited before every batch and progress after it, rising to 1', async () => {
  const m = model();
  for (const id of ids) {
    const ctx = testContext(4);
    await run(id, m, input, 0, options, ctx);
    assert.ok(ctx.checkpoints >= 1, `${id}: no checkpoint`);
    assert.equal(ctx.fractions.length, ctx.checkpoints, `${id}: one progress report per batch`);
    assert.ok(Math.abs(ctx.fractions[ctx.fractions.length - 1] - 1) < 1e-12, `${id}: ends at ${ctx.fractions.at(-1)}`);
    for (let i = 1; i < ctx.fractions.length; i++) assert.ok(ctx.fractions[i] >= ctx.fractions[i - 1] - 1e-12, `${id}: progress went back`);
    assert.ok(ctx.fractions.every((f) => f >= 0 && f <= 1 + 1e-12));
  }
  m.dispose();
});

/** A context whose checkpoint throws CancelledError on call number `after + 1`. */
function cancellingContext(after: number): RunContext & { calls: number } {
  const ctx = {
    batchSize: 1,
    calls: 0,
    progress: () => {},
    async checkpoint() {
      ctx.calls++;
      if (ctx.calls > after) throw new CancelledError();
    },
  };
  return ctx;
}

test('cancellation: a checkpoint that throws stops the method with CancelledError and leaks no tensors', async () => {
  const m = model();
  for (const id of ids) {
    const full = testContext(1);
    await run(id, m, input, 0, options, full);
    for (const after of [0, Math.floor(full.checkpoints / 2), full.checkpoints - 1]) {
      const before = tf.memory().numTensors;
      const ctx = cancellingContext(after);
      await assert.rejects(run(id, m, input, 0, options, ctx), (e) => e instanceof CancelledError, `${id} after ${after}`);
      assert.equal(ctx.calls, after + 1, `${id}: stopped at the first cancelled checkpoint`);
      assert.equal(tf.memory().numTensors, before, `${id}: tensors leaked on cancel after ${after}`);
    }
  }
  m.dispose();
});

test('no tensor leak: numTensors is unchanged after 20 calls of each method', async () => {
  const m = model();
  const shape = [1, N];
  const x = tf.tensor(input.x, shape);
  const baseline = tf.tensor(input.baseline!, shape);
  const baselineSet = tf.tensor(input.baselineSet!.flat(), [input.baselineSet!.length, N]);
  for (const method of listMethods().filter((m) => GENERIC.includes(m.id))) {
    const resolved = method.resolveOptions({ ...options, steps: 5, samples: 4 }, m);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const r = await method.attribute(m, { x, baseline, baselineSet }, i % 3, resolved, testContext(3));
      r.attributions.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${method.id} leaked tensors`);
  }
  tf.dispose([x, baseline, baselineSet]);
  m.dispose();
});
