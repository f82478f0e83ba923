import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { assertClose, column, run } from './helpers';
import { linearModel, matrix, numbers, tanhMlp } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 5;
const W = matrix(N, 3, 31);
const b = numbers(3, 32);
const x = numbers(N, 33, 2);

test('linear model: saliency = |w| (abs default) or w, input × gradient = w ⊙ x', async () => {
  const model = linearModel([N], W, b);
  for (const target of [0, 1, 2]) {
    const w = column(W, target);
    assertClose((await run('saliency', model, { x }, target)).values, w.map(Math.abs), 1e-6, 'saliency');
    assertClose((await run('saliency', model, { x }, target, { abs: false })).values, w, 1e-6, 'saliency abs=false');
    assertClose((await run('input-x-gradient', model, { x }, target)).values, w.map((wj, j) => wj * x[j]), 1e-6, 'input-x-gradient');
  }
  model.dispose();
});

test('tanh MLP: saliency is the analytic gradient', async () => {
  const H = 4;
  const W1 = matrix(N, H, 34);
  const b1 = numbers(H, 35);
  const W2 = matrix(H, 2, 36);
  const model = tanhMlp([N], W1, b1, W2, [0, 0]);
  const pre = b1.map((c, h) => W1.reduce((s, row, i) => s + row[h] * x[i], c));
  // ∂y₁/∂xᵢ = Σₕ W1[i][h] (1 − tanh²(preₕ)) W2[h][1]
  const grad = x.map((_, i) => pre.reduce((s, p, h) => s + W1[i][h] * (1 - Math.tanh(p) ** 2) * W2[h][1], 0));
  assertClose((await run('saliency', model, { x }, 1, { abs: false })).values, grad, 1e-5);
  model.dispose();
});

test('saliency rejects a non-boolean abs', async () => {
  const model = linearModel([N], W, b);
  await assert.rejects(
    run('saliency', model, { x }, 0, { abs: 'yes' as unknown as boolean }),
    (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /'abs'/.test(e.message),
  );
  model.dispose();
});
