import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import type { IgRule } from '../../../src/shared/types';
import { assertClose, column, maxAbsDifference, run } from './helpers';
import { linearModel, matrix, numbers, splitPermutedTanhMlp, tanhMlp } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 6;
const H = 8;
const K = 2;
// Weights and inputs large enough that tanh bends along the path, so quadrature errors are visible.
const W1 = matrix(N, H, 11, 1.5);
const b1 = numbers(H, 12, 0.5);
const W2 = matrix(H, K, 13, 2);
const b2 = numbers(K, 14);
const x = numbers(N, 15, 3);
const baseline = numbers(N, 16, 0.5);

async function delta(steps: number, igMethod: IgRule, model = tanhMlp([N], W1, b1, W2, b2)) {
  const r = await run('integrated-gradients', model, { x, baseline }, 0, { steps, igMethod });
  model.dispose();
  return r;
}

test('completeness: Gauss–Legendre at 50 steps gives |Σattr − (F(x) − F(x′))| ≤ 1e-4·max(1, |F(x) − F(x′)|)', async () => {
  const model = tanhMlp([N], W1, b1, W2, b2);
  const r = await run('integrated-gradients', model, { x, baseline }, 0);
  const [fx] = model.reference(x);
  const [fb] = model.reference(baseline);
  model.dispose();
  const gap = fx - fb;
  assert.ok(Math.abs(gap) > 0.5, 'the test input must move the output');
  // The checks report F(x), F(x′) and the signed delta.
  assert.ok(Math.abs((r.checks.inputScore as number) - fx) < 1e-5);
  assert.ok(Math.abs((r.checks.baselineScore as number) - fb) < 1e-5);
  const total = r.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - gap) <= 1e-4 * Math.max(1, Math.abs(gap)), `Σattr ${total} vs ΔF ${gap}`);
  assert.ok(Math.abs((r.checks.convergenceDelta as number) - (total - gap)) < 1e-5);
});

test('Riemann rules converge: |delta| shrinks from 10 to 100 to 1000 steps (≈1/n² for trapezoid/middle, 1/n for left/right)', async () => {
  const rates: Record<string, number> = { 'riemann-trapezoid': 50, 'riemann-middle': 50, 'riemann-left': 5, 'riemann-right': 5 };
  for (const [rule, factor] of Object.entries(rates)) {
    const d: number[] = [];
    for (const steps of [10, 100, 1000]) d.push(Math.abs((await delta(steps, rule as IgRule)).checks.convergenceDelta as number));
    assert.ok(d[1] < d[0] / factor, `${rule}: ${d[0]} → ${d[1]}`);
    assert.ok(d[2] < d[1], `${rule}: ${d[1]} → ${d[2]}`);
  }
});

test('linear model: IG = w ⊙ (x − x′) for every rule', async () => {
  const W = matrix(N, 3, 21);
  const b = numbers(3, 22);
  for (const igMethod of ['gausslegendre', 'riemann-left', 'riemann-right', 'riemann-middle', 'riemann-trapezoid'] as const) {
    for (const target of [0, 2]) {
      const model = linearModel([N], W, b);
      const r = await run('integrated-gradients', model, { x, baseline }, target, { steps: 7, igMethod });
      model.dispose();
      const w = column(W, target);
      assertClose(r.values, w.map((wj, j) => wj * (x[j] - baseline[j])), 1e-5, `${igMethod} target ${target}`);
      assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-5);
    }
  }
});

test('implementation invariance: functionally equal networks built differently get the same IG', async () => {
  const a = tanhMlp([N], W1, b1, W2, b2);
  const b = splitPermutedTanhMlp([N], W1, b1, W2, b2);
  const ra = await run('integrated-gradients', a, { x, baseline }, 1);
  const rb = await run('integrated-gradients', b, { x, baseline }, 1);
  a.dispose();
  b.dispose();
  assert.ok(maxAbsDifference(ra.values, rb.values) < 1e-5, `${ra.values} vs ${rb.values}`);
  assert.ok(ra.values.some((v) => Math.abs(v) > 0.05), 'attributions are not trivially zero');
});

test('attributions have the input shape and IG steps are batched into ctx.batchSize passes', async () => {
  const model = tanhMlp([2, 3], W1, b1, W2, b2);
  let passes = 0;
  const ctx = { batchSize: 8, progress: () => {}, checkpoint: async () => void passes++ };
  const r = await run('integrated-gradients', model, { x, baseline }, 0, { steps: 20 }, ctx);
  model.dispose();
  assert.deepEqual(r.shape, [2, 3]);
  // 20 steps at 8 per pass = 3 gradient passes, plus one forward pass for F(x), F(x′).
  assert.equal(passes, 4);
});
