import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { defaultStdev } from '../../../src/engine/methods/gradient/noiseTunnel';
import { assertClose, column, maxAbsDifference, run } from './helpers';
import { linearModel, matrix, numbers, tanhMlp } from './models';

before(async () => {
  await initBackend('wasm');
});

const N = 6;
const H = 5;
const mlp = () => tanhMlp([N], matrix(N, H, 41), numbers(H, 42), matrix(H, 3, 43, 2), numbers(3, 44));
const x = numbers(N, 45, 2);
const baseline = numbers(N, 46, 0.3);

test('stdev 0: smoothgrad equals its base method (saliency, input × gradient, IG); smoothgrad-sq its square', async () => {
  const model = mlp();
  for (const baseMethod of ['saliency', 'input-x-gradient', 'integrated-gradients'] as const) {
    const base = await run(baseMethod, model, { x, baseline }, 1, { steps: 16 });
    const smooth = await run('smoothgrad', model, { x, baseline }, 1, { baseMethod, stdev: 0, samples: 5, steps: 16 });
    const sq = await run('smoothgrad-sq', model, { x, baseline }, 1, { baseMethod, stdev: 0, samples: 5, steps: 16 });
    assertClose(smooth.values, base.values, 1e-6, `smoothgrad(${baseMethod})`);
    assertClose(sq.values, base.values.map((v) => v * v), 1e-6, `smoothgrad-sq(${baseMethod})`);
    assert.ok(base.values.some((v) => Math.abs(v) > 1e-3));
  }
  model.dispose();
});

test('vargrad is ≥ 0 everywhere, and exactly 0 for saliency on a linear model', async () => {
  const model = mlp();
  for (const baseMethod of ['saliency', 'input-x-gradient'] as const) {
    const r = await run('vargrad', model, { x }, 0, { baseMethod, samples: 30 });
    assert.ok(r.values.every((v) => v >= 0), `${baseMethod}: ${r.values}`);
    assert.ok(r.values.some((v) => v > 0), 'noise does change a nonlinear model’s gradient');
  }
  model.dispose();
  const linear = linearModel([N], matrix(N, 2, 47), [0.1, -0.2]);
  for (const abs of [true, false]) {
    const r = await run('vargrad', linear, { x }, 1, { samples: 30, stdev: 1, abs });
    assert.deepEqual(r.values.map(Math.abs), new Array(N).fill(0));
  }
  linear.dispose();
});

test('linear model: smoothgrad of saliency is the weights, whatever the noise', async () => {
  const W = matrix(N, 2, 48);
  const model = linearModel([N], W, [0, 0]);
  const r = await run('smoothgrad', model, { x }, 0, { stdev: 2, samples: 7, abs: false });
  assertClose(r.values, column(W, 0), 1e-6);
  model.dispose();
});

test('seeded: the same seed gives the same result, a different seed a different one', async () => {
  const model = mlp();
  for (const id of ['smoothgrad', 'smoothgrad-sq', 'vargrad']) {
    const a = await run(id, model, { x }, 2, { seed: 7, samples: 8 });
    const b = await run(id, model, { x }, 2, { seed: 7, samples: 8 });
    const c = await run(id, model, { x }, 2, { seed: 8, samples: 8 });
    assert.deepEqual(a.values, b.values, id);
    assert.ok(maxAbsDifference(a.values, c.values) > 1e-6, `${id}: seeds 7 and 8 gave the same result`);
  }
  model.dispose();
});

test('default stdev is 0.15 · (max − min) of the input and is reported; samples default to 25', async () => {
  assert.equal(defaultStdev([1, 3, -1]), 0.15 * 4);
  assert.equal(defaultStdev([2, 2]), 0.15 * 2);
  assert.equal(defaultStdev([0, 0]), 0.15);
  const model = mlp();
  const r = await run('smoothgrad', model, { x }, 0);
  model.dispose();
  assert.ok(Math.abs((r.checks.stdev as number) - 0.15 * (Math.max(...x) - Math.min(...x))) < 1e-6);
  assert.equal(r.checks.samples, 25);
  assert.equal(r.checks.baseMethod, 'saliency');
});

test('noise tunnel options are validated', async () => {
  const model = mlp();
  const bad = [{ samples: 0 }, { samples: 1.5 }, { stdev: -1 }, { stdev: Number.POSITIVE_INFINITY }, { seed: 0.5 }, { baseMethod: 'occlusion' }];
  for (const options of bad) {
    await assert.rejects(run('smoothgrad', model, { x }, 0, options as never), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID', JSON.stringify(options));
  }
  await assert.rejects(run('vargrad', model, { x }, 0, { baseMethod: 'integrated-gradients', steps: 0 }), /'steps'/);
  model.dispose();
});

test('with dataset rows, the default noise is per feature: 0.15 × each column’s range', async () => {
  // Every column spans the same range r: per-feature noise equals the scalar 0.15·r, draw for draw.
  const r = 4;
  const rows = [x.map((v) => v - r / 2), x.map((v) => v + r / 2)];
  const model = mlp();
  const perFeature = await run('smoothgrad', model, { x, baselineSet: rows }, 0, { seed: 3, samples: 6 });
  const scalar = await run('smoothgrad', model, { x }, 0, { seed: 3, samples: 6, stdev: 0.15 * r });
  model.dispose();
  assertClose(perFeature.values, scalar.values, 1e-6, 'per-feature noise of equal columns');
  assert.ok(Math.abs((perFeature.checks.stdev as number) - 0.15 * r) < 1e-6);
  assert.match(String(perFeature.checks.stdevScale), /per feature/);

  // A model that reads column 0 only, and a dataset where column 0 never changes: no noise reaches the model, so
  // VarGrad is exactly 0, while the scalar default (from the input's own range) does shake column 0.
  const W1 = matrix(N, H, 49).map((row, i) => (i === 0 ? row : row.map(() => 0)));
  const reader = tanhMlp([N], W1, numbers(H, 50), matrix(H, 3, 51, 2), numbers(3, 52));
  const wide = [x.map((v, j) => (j === 0 ? v : v - 1000)), x.map((v, j) => (j === 0 ? v : v + 1000))];
  const still = await run('vargrad', reader, { x, baselineSet: wide }, 0, { samples: 8 });
  const shaken = await run('vargrad', reader, { x }, 0, { samples: 8 });
  reader.dispose();
  assert.deepEqual(still.values, new Array(N).fill(0));
  assert.ok(shaken.values[0]! > 1e-8, 'the scalar default adds noise to column 0');
});
