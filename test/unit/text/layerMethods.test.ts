// Layer integrated gradients and layer gradient × activation at an embedding output: exact values on a linear
// model, completeness on a nonlinear one, per-position reduction (sum, L2), packed multi-input layouts, batching,
// and clear errors for models and layers they cannot use.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { getMethod } from '../../../src/engine/methods/registry';
import { assertClose, run } from '../methods/helpers';
import { linearModel, testContext } from '../methods/models';
import { embeddingModel } from './embeddingModels';

before(async () => {
  await initBackend('wasm');
});

const L = 5;
const ids = [3, 7, 1, 0, 0];
const padIds = [0, 0, 0, 0, 0];

/** Per position: Σ_d (a_td − a′_td) W_dk / L, the exact IG of a model linear in the embeddings (mean pooling). */
function linearIg(E: number[][], W: number[][], x: number[], baseline: number[], k: number, mask = x.map(() => 1)): number[] {
  const n = mask.reduce((s, m) => s + m, 0);
  return x.map((id, t) => (mask[t] * E[id].reduce((s, v, d) => s + (v - E[baseline[t]][d]) * W[d][k], 0)) / n);
}

test('layer IG on a model linear in its embeddings equals (a − a′)·w per position, summed over the embedding', async () => {
  const model = embeddingModel(L, 10, 4, 3);
  for (const target of [0, 2]) {
    const r = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, target, { steps: 8 });
    assert.deepEqual(r.shape, [L]);
    assertClose(r.values, linearIg(model.E, model.W, ids, padIds, target), 1e-5, `target ${target}`);
    assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-5);
    assert.equal(r.checks.layer, 'embedding');
  }
  // Positions whose token equals the baseline's get exactly 0.
  const r = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 1);
  assert.equal(r.values[3], 0);
  assert.equal(r.values[4], 0);
  model.dispose();
});

test('layer gradient × activation on the linear model equals a·w / L per position', async () => {
  const model = embeddingModel(L, 10, 4, 3);
  const r = await run('layer-gradient-x-activation', model, { x: ids }, 1);
  const expected = ids.map((id) => model.E[id].reduce((s, v, d) => s + v * model.W[d][1], 0) / L);
  assertClose(r.values, expected, 1e-5);
  model.dispose();
});

test('layer IG completeness on a nonlinear model: Σ scores = F(x) − F(baseline) within 1e-4', async () => {
  const model = embeddingModel(L, 10, 4, 2, { tanh: true, seed: 5 });
  const r = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 0, { steps: 50 });
  const emb = (xs: number[]) => xs.map((id) => model.E[id]);
  const gap = model.reference(emb(ids))[0] - model.reference(emb(padIds))[0];
  const total = r.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(gap) > 0.05, `the test needs a real gap (${gap})`);
  assert.ok(Math.abs(total - gap) <= 1e-4 * Math.max(1, Math.abs(gap)), `Σ ${total} vs gap ${gap}`);
  assert.ok(Math.abs(r.checks.convergenceDelta as number) <= 1e-4);
  // Riemann rules converge as steps grow.
  const deltas = [];
  for (const steps of [4, 16, 64]) {
    const rr = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 0, { steps, igMethod: 'riemann-middle' });
    deltas.push(Math.abs(rr.checks.convergenceDelta as number));
  }
  assert.ok(deltas[2] < deltas[0], `riemann deltas ${deltas}`);
  model.dispose();
});

test('reduction l2 gives the norm of each position attribution vector; an unknown reduction is refused', async () => {
  const model = embeddingModel(L, 10, 4, 3);
  const r = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 2, { steps: 4, reduction: 'l2' });
  const expected = ids.map((id, t) => {
    const v = model.E[id].map((e, d) => ((e - model.E[padIds[t]][d]) * model.W[d][2]) / L);
    return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  });
  assertClose(r.values, expected, 1e-5);
  assert.equal(r.checks.reduction, 'l2');
  assert.throws(
    () => getMethod('layer-integrated-gradients').resolveOptions({ reduction: 'max' as never }, model),
    (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && /option 'reduction' must be one of sum, l2/.test(e.message),
  );
  model.dispose();
});

test('a packed [ids; mask] input: scores land in the ids row, masked positions get 0', async () => {
  const model = embeddingModel(L, 10, 4, 2, { packed: true });
  const mask = [1, 1, 1, 0, 0];
  const x = [...ids, ...mask];
  const baseline = [...padIds, ...mask];
  const r = await run('layer-integrated-gradients', model, { x, baseline }, 1, { steps: 4 });
  assert.deepEqual(r.shape, [2, L]);
  assertClose(r.values.slice(0, L), linearIg(model.E, model.W, ids, padIds, 1, mask), 1e-5, 'ids row');
  assert.deepEqual(r.values.slice(L), [0, 0, 0, 0, 0]);
  model.dispose();
});

test('results do not depend on the batch size, and no tensors are left behind', async () => {
  const model = embeddingModel(L, 10, 4, 2, { tanh: true, seed: 9 });
  const before = tf.memory().numTensors;
  const a = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 1, { steps: 13 }, testContext(1));
  const b = await run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 1, { steps: 13 }, testContext(64));
  assertClose(a.values, b.values, 1e-6);
  await run('layer-gradient-x-activation', model, { x: ids }, 0);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('errors: a model without intermediates, an unknown layer, a layer that does not keep the positions', async () => {
  const plain = linearModel([3], [[1], [2], [3]], [0]);
  assert.throws(
    () => getMethod('layer-integrated-gradients').resolveOptions({}, plain),
    (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && /intermediate outputs/.test(e.message),
  );
  const model = embeddingModel(L, 10, 4, 2);
  assert.throws(
    () => getMethod('layer-gradient-x-activation').resolveOptions({ layer: 'dense_9' }, model),
    (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && /option 'layer' names no layer of the model; layers are: embedding, pool/.test(e.message),
  );
  assert.deepEqual(getMethod('layer-integrated-gradients').resolveOptions({}, model), { steps: 50, igMethod: 'gausslegendre', layer: 'embedding', reduction: 'sum' });
  await assert.rejects(
    run('layer-integrated-gradients', model, { x: ids, baseline: padIds }, 0, { layer: 'pool', steps: 2 }),
    (e: unknown) => e instanceof EngineError && e.code === 'UNSUPPORTED' && /layer 'pool' outputs \[4\], which does not line up with the input \[5\]/.test(e.message),
  );
  plain.dispose();
  model.dispose();
});
