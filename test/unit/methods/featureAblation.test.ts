import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { assertClose, column, run } from './helpers';
import { linearModel, matrix, numbers, tanhMlp } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 8;
const W = matrix(N, 3, 101);
const x = numbers(N, 102, 2);
const baseline = numbers(N, 103, 0.5);

test('linear model: each element alone by default = w ⊙ (x − baseline); same as 1-element occlusion', async () => {
  const model = linearModel([N], W, [1, 2, 3]);
  const r = await run('feature-ablation', model, { x, baseline }, 2);
  const o = await run('occlusion', model, { x, baseline }, 2);
  model.dispose();
  assertClose(r.values, column(W, 2).map((w, j) => w * (x[j] - baseline[j])), 1e-5);
  assertClose(r.values, o.values, 1e-6);
  assert.equal(r.checks.groups, N);
});

test('linear model with groups: every element of a group gets the group’s summed contribution', async () => {
  const model = linearModel([N], W, [0, 0, 0]);
  const featureGroups = [3, 3, -1, 7, -1, 3, 0, 7]; // ids need not be contiguous or sorted
  const r = await run('feature-ablation', model, { x, baseline }, 0, { featureGroups });
  model.dispose();
  const contribution = column(W, 0).map((w, j) => w * (x[j] - baseline[j]));
  const groupSum = (g: number) => featureGroups.reduce((s, id, j) => (id === g ? s + contribution[j] : s), 0);
  assertClose(r.values, featureGroups.map(groupSum), 1e-5);
  assert.equal(r.checks.groups, 4);
});

test('tanh MLP with groups on a 2-D input: F(x) − F(x with the group replaced by the baseline)', async () => {
  const shape = [2, 4];
  const model = tanhMlp(shape, matrix(N, 5, 104, 1.5), numbers(5, 105), matrix(5, 2, 106, 2), [0, 0]);
  const featureGroups = [0, 0, 1, 1, 0, 0, 1, 2];
  const r = await run('feature-ablation', model, { x, baseline }, 1, { featureGroups });
  const fx = model.reference(x)[1];
  const expected = featureGroups.map((g) => fx - model.reference(x.map((v, j) => (featureGroups[j] === g ? baseline[j] : v)))[1]);
  model.dispose();
  assert.deepEqual(r.shape, shape);
  assertClose(r.values, expected, 2e-5);
});

test('featureGroups must give an integer id per element', async () => {
  const model = linearModel([N], W, [0, 0, 0]);
  for (const featureGroups of [[0, 1], new Array(N + 1).fill(0), [0, 0, 0, 0, 0, 0, 0, 0.5], [0, 0, 0, 0, 0, 0, 0, 'a'], 'all']) {
    await assert.rejects(
      run('feature-ablation', model, { x }, 0, { featureGroups } as never),
      (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /'featureGroups'/.test(e.message),
    );
  }
  model.dispose();
});
