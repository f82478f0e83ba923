import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { assertClose, column, maxAbsDifference, run } from './helpers';
import { linearModel, matrix, numbers, tanhMlp } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 5;
const W = matrix(N, 2, 51, 2);
const x = numbers(N, 52, 2);

test('linear model, one baseline: gradient-shap = w ⊙ (x − x′) exactly, and completeness holds', async () => {
  const model = linearModel([N], W, [0.5, -1]);
  const baseline = numbers(N, 53);
  for (const input of [{ x, baseline }, { x, baselineSet: [baseline] }]) {
    const r = await run('gradient-shap', model, input, 1, { samples: 9 });
    assertClose(r.values, column(W, 1).map((w, j) => w * (x[j] - baseline[j])), 1e-5);
    assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-5);
    assert.equal(r.checks.references, 1);
  }
  model.dispose();
});

test('linear model, a baseline set: gradient-shap ≈ w ⊙ (x − mean of the set) within sampling error', async () => {
  const model = linearModel([N], W, [0, 0]);
  const M = 6;
  const set = Array.from({ length: M }, (_, m) => numbers(N, 60 + m, 3));
  const samples = 400;
  const r = await run('gradient-shap', model, { x, baselineSet: set }, 0, { samples });
  model.dispose();
  const w = column(W, 0);
  for (let j = 0; j < N; j++) {
    const values = set.map((row) => row[j]);
    const mean = values.reduce((a, b) => a + b, 0) / M;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / M);
    // On a linear model the estimate is w ⊙ (x − mean of the drawn references): α does not matter, and the mean
    // of `samples` uniform draws from the set has standard error sd/√samples. 4 standard errors bound it.
    const bound = (4 * Math.abs(w[j]) * sd) / Math.sqrt(samples);
    const expected = w[j] * (x[j] - mean);
    assert.ok(Math.abs(r.values[j] - expected) <= bound, `feature ${j}: ${r.values[j]} vs ${expected} ± ${bound}`);
  }
  assert.equal(r.checks.references, M);
  // Completeness holds for the drawn references exactly on a linear model.
  assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-4);
});

test('gradient-shap with input noise on a linear model: mean of (x + ε − x′) ⊙ w, within sampling error', async () => {
  const model = linearModel([N], W, [0, 0]);
  const baseline = new Array<number>(N).fill(0);
  const stdev = 0.5;
  const samples = 300;
  const r = await run('gradient-shap', model, { x, baseline }, 0, { samples, stdev, seed: 3 });
  model.dispose();
  const w = column(W, 0);
  for (let j = 0; j < N; j++) {
    const bound = (4 * Math.abs(w[j]) * stdev) / Math.sqrt(samples);
    assert.ok(Math.abs(r.values[j] - w[j] * x[j]) <= bound, `feature ${j}`);
  }
  assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-4, 'the check replays the same noisy inputs');
});

test('gradient-shap on a tanh MLP: seeded, and the expected completeness gap shrinks with more samples', async () => {
  const model = tanhMlp([N], matrix(N, 4, 54), numbers(4, 55), matrix(4, 2, 56, 2), [0, 0]);
  const set = Array.from({ length: 4 }, (_, m) => numbers(N, 70 + m, 2));
  const a = await run('gradient-shap', model, { x, baselineSet: set }, 0, { seed: 1 });
  const b = await run('gradient-shap', model, { x, baselineSet: set }, 0, { seed: 1 });
  const c = await run('gradient-shap', model, { x, baselineSet: set }, 0, { seed: 2 });
  assert.deepEqual(a.values, b.values);
  assert.ok(maxAbsDifference(a.values, c.values) > 1e-6);
  assert.equal(a.checks.samples, 50);
  // Σattr is an unbiased estimate of E[F(x) − F(x′)], so the gap averages out: compare many seeds' mean |gap|.
  const gap = async (samples: number) => {
    let total = 0;
    for (let seed = 0; seed < 8; seed++) {
      total += Math.abs((await run('gradient-shap', model, { x, baselineSet: set }, 0, { samples, seed })).checks.convergenceDelta as number);
    }
    return total / 8;
  };
  const few = await gap(4);
  const many = await gap(400);
  model.dispose();
  assert.ok(many < few / 3, `mean |gap| ${few} (4 samples) → ${many} (400 samples)`);
});

test('gradient-shap options are validated', async () => {
  const model = linearModel([N], W, [0, 0]);
  for (const options of [{ samples: 0 }, { stdev: -0.1 }, { seed: 'a' }]) {
    await assert.rejects(run('gradient-shap', model, { x }, 0, options as never), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID');
  }
  model.dispose();
});
