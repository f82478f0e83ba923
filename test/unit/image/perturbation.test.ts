// Black-box image methods on models with known answers: occlusion and KernelSHAP on linear models, Sobol indices of
// an additive model, LIME's ordering, RISE/Sobol reproducibility, extremal perturbation on a model that only looks at
// one square, superpixels, and the Sobol sequence itself against PyTorch.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { getMethod } from '../../../src/engine/methods/registry';
import { geometryOf } from '../../../src/engine/methods/perturbation/imageGeometry';
import { sobolPoints } from '../../../src/engine/methods/perturbation/sobolSequence';
import { gridSuperpixels, slicSuperpixels } from '../../../src/engine/methods/perturbation/superpixels';
import reference from '../../fixtures/image/sobol-reference.json';
import { assertClose, column, maxAbsDifference, run } from '../methods/helpers';
import { linearModel, matrix, numbers, testContext } from '../methods/models';
import { functionModel } from './imageModels';

before(async () => {
  await initBackend('wasm');
});

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

test('occlusion on a linear image model: each element gets Σ w ⊙ (x − baseline) over its window', async () => {
  const shape = [6, 6, 3];
  const n = 6 * 6 * 3;
  const W = matrix(n, 2, 201);
  const model = linearModel(shape, W, [0.2, -0.1]);
  const x = numbers(n, 202, 1);
  const baseline = numbers(n, 203, 0.3);
  const r = await run('occlusion', model, { x, baseline }, 1, { window: [2, 2, 3], stride: [2, 2, 3] });
  const w = column(W, 1);
  const g = geometryOf(shape, 'NHWC');
  const expected = new Array<number>(n).fill(0);
  for (let wy = 0; wy < 6; wy += 2) {
    for (let wx = 0; wx < 6; wx += 2) {
      const members: number[] = [];
      for (let y = wy; y < wy + 2; y++) for (let xx = wx; xx < wx + 2; xx++) for (let c = 0; c < 3; c++) members.push(g.index(y, xx, c));
      const total = members.reduce((s, i) => s + w[i] * (x[i] - baseline[i]), 0);
      for (const i of members) expected[i] = total;
    }
  }
  assertClose(r.values, expected, 1e-5, 'occlusion');
  model.dispose();
});

test('KernelSHAP on a linear model with grouped features gives the exact group contributions (enumerated and sampled)', async () => {
  const n = 12;
  const W = matrix(n, 2, 211);
  const model = linearModel([n], W, [0.3, 0.1]);
  const x = numbers(n, 212, 2);
  const baseline = numbers(n, 213, 0.5);
  const w = column(W, 0);
  for (const [groups, samples] of [
    [[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], 100], // 6 groups: 62 coalitions ≤ 100, enumerated
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 60], // 12 groups: 4094 coalitions > 60, sampled
  ] as [number[], number][]) {
    const r = await run('kernel-shap', model, { x, baseline }, 0, { featureGroups: groups, samples, seed: 3 });
    const ids = [...new Set(groups)];
    const exact = ids.map((id) => groups.reduce((s, gid, i) => s + (gid === id ? w[i] * (x[i] - baseline[i]) : 0), 0));
    const perElement = groups.map((gid) => exact[ids.indexOf(gid)]);
    assertClose(r.values, perElement, 1e-4, `kernel-shap ${ids.length} groups`);
    assert.equal(r.checks.exact, ids.length === 6);
    assert.ok(Math.abs(r.checks.convergenceDelta as number) < 1e-5, 'Σ φ = F(x) − F(baseline)');
    assert.ok(Math.abs(sum(exact) - ((r.checks.inputScore as number) - (r.checks.baselineScore as number))) < 1e-4);
  }
  model.dispose();
});

test('KernelSHAP equals exact Shapley values on a non-linear model when every coalition is enumerated', async () => {
  // F(x) = x0·x1 + x2 on 3 features, baseline 0: Shapley values (x0x1/2, x0x1/2, x2).
  const model = functionModel([3], 1, (x) => {
    const [a, b, c] = tf.split(x, 3, 1);
    return tf.add(tf.mul(a, b), c) as tf.Tensor2D;
  });
  const r = await run('kernel-shap', model, { x: [2, 3, 5] }, 0, { samples: 10 });
  assertClose(r.values, [3, 3, 5], 1e-5, 'shapley');
});

test('LIME on a linear model recovers the order of the contributions w ⊙ (x − baseline)', async () => {
  const n = 6;
  const W = matrix(n, 2, 221);
  const model = linearModel([n], W, [0, 0]);
  const x = numbers(n, 222, 2);
  const w = column(W, 1);
  const contributions = x.map((v, i) => w[i] * v);
  const r = await run('lime', model, { x }, 1, { samples: 400, seed: 5 });
  const rank = (v: number[]) => v.map((_, i) => i).sort((a, b) => v[b] - v[a]);
  assert.deepEqual(rank(r.values), rank(contributions));
  // The model is linear in the coalition vector, so the weighted fit is (up to the small ridge) exact.
  assertClose(r.values, contributions, 0.05, 'lime coefficients');
  assert.ok((r.checks.weightedR2 as number) > 0.99);
  model.dispose();
});

/** F(x) = Σ_g w_g · mean(x over grid cell g) on an 8×8×1 image cut in 2×2 cells. */
function additiveModel(weights: number[]) {
  const mask = new Float32Array(64 * 4);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) mask[(y * 8 + x) * 4 + Math.floor(y / 4) * 2 + Math.floor(x / 4)] = 1 / 16;
  const M = tf.tensor2d(mask, [64, 4]);
  const w = tf.tensor2d(weights, [4, 1]);
  return functionModel([8, 8, 1], 1, (x) => tf.matMul(tf.matMul(tf.reshape(x, [-1, 64]) as tf.Tensor2D, M), w), () => tf.dispose([M, w]));
}

test("Sobol total indices of an additive model recover its terms' shares: ST_g = w_g² / Σ w² (inpainting, x = 1)", async () => {
  const weights = [1, 2, 3, 0];
  const model = additiveModel(weights);
  const x = new Array<number>(64).fill(1);
  // With x̃ = m ⊙ x, F = Σ w_g m_g for independent m_g ~ U(0, 1): Var = Σ w_g² / 12 and ST_g = w_g² / Σ w².
  const r = await run('sobol', model, { x }, 0, { gridSize: 2, samples: 256 });
  const indices = (r.values as number[]).filter((_, i) => [0, 7, 56, 63].includes(i)); // one pixel per cell corner
  const cells = [indices[0], indices[1], indices[2], indices[3]];
  const expected = weights.map((v) => (v * v) / 14);
  assert.equal(cells[3], 0, 'a term that does not matter has index exactly 0');
  for (let g = 0; g < 3; g++) assert.ok(Math.abs(cells[g] - expected[g]) < 0.05 * Math.max(expected[g], 0.2), `cell ${g}: ${cells[g]} vs ${expected[g]}`);
  assert.ok(cells[2] > cells[1] && cells[1] > cells[0], 'ordering');
  model.dispose();
});

test('RISE and Sobol are reproducible for a seed, independent of the batch size, and change with the seed', async () => {
  const model = additiveModel([1, -2, 0.5, 3]);
  const x = numbers(64, 231, 1).map((v) => v + 1);
  for (const [id, options] of [
    ['rise', { samples: 40, gridSize: 3 }],
    ['sobol', { samples: 8, gridSize: 2, seed: 4 }],
  ] as const) {
    const a = await run(id, model, { x }, 0, { ...options, seed: 4 }, testContext(7));
    const b = await run(id, model, { x }, 0, { ...options, seed: 4 }, testContext(32));
    assert.equal(maxAbsDifference(a.values, b.values), 0, `${id}: same seed, other batch size`);
    const c = await run(id, model, { x }, 0, { ...options, seed: 5 });
    assert.ok(maxAbsDifference(a.values, c.values) > 1e-6, `${id}: another seed changes the result`);
  }
  // Unscrambled Sobol (no seed) is deterministic too.
  const s1 = await run('sobol', model, { x }, 0, { samples: 8, gridSize: 2 });
  const s2 = await run('sobol', model, { x }, 0, { samples: 8, gridSize: 2 });
  assert.deepEqual(s1.values, s2.values);
  model.dispose();
});

test('RISE ranks the cells of an additive model by weight (x = 1, zero baseline)', async () => {
  const model = additiveModel([0, 1, 2, 4]);
  const r = await run('rise', model, { x: new Array<number>(64).fill(1) }, 0, { samples: 600, gridSize: 4, seed: 1 });
  const cell = (cy: number, cx: number) => {
    let s = 0;
    for (let y = cy * 4; y < cy * 4 + 4; y++) for (let x = cx * 4; x < cx * 4 + 4; x++) s += r.values[y * 8 + x];
    return s / 16;
  };
  const c = [cell(0, 0), cell(0, 1), cell(1, 0), cell(1, 1)];
  assert.ok(c[3] > c[2] && c[2] > c[1] && c[1] > c[0], `cells ${c}`);
  model.dispose();
});

test('extremal perturbation finds the one square the model looks at, at the requested area', async () => {
  // F(x) = Σ over a 4×4 square of x; the input is bright there, so blurring it lowers the score. The square sits on
  // the mask's parameter grid (one parameter per 2×2 pixels by default), which a smooth mask can match.
  const H = 16;
  const inSquare = (y: number, x: number) => y >= 8 && y < 12 && x >= 4 && x < 8;
  const w = new Float32Array(H * H).map((_, p) => (inSquare(Math.floor(p / H), p % H) ? 1 : 0));
  const wt = tf.tensor2d(w, [H * H, 1]);
  const model = functionModel([H, H, 1], 1, (x) => tf.matMul(tf.reshape(x, [-1, H * H]) as tf.Tensor2D, wt), () => wt.dispose());
  const x = Array.from({ length: H * H }, (_, p) => (inSquare(Math.floor(p / H), p % H) ? 1 : 0.1));
  const r = await run('extremal-perturbation', model, { x }, 0, { area: 16 / 256, iterations: 150 });
  let inside = 0;
  let outside = 0;
  r.values.forEach((v, p) => (inSquare(Math.floor(p / H), p % H) ? (inside += v / 16) : (outside += v / 240)));
  // The bilinear mask cannot have hard edges, so it is below 1 at the square's border.
  assert.ok(inside > 0.6 && outside < 0.1, `mask mean inside ${inside}, outside ${outside}`);
  const peak = r.values.indexOf(Math.max(...r.values));
  assert.ok(inSquare(Math.floor(peak / H), peak % H), 'the mask peaks inside the square');
  assert.ok(Math.abs((r.checks.achievedArea as number) - 16 / 256) < 0.05, `area ${r.checks.achievedArea}`);
  assert.ok((r.checks.preservedScore as number) > (r.checks.blurredScore as number));
  model.dispose();
});

test('superpixels: SLIC follows color regions; a grid has the asked number of cells', () => {
  const g = geometryOf([16, 16, 3], 'NHWC');
  const quadrant = (y: number, x: number) => (y < 8 ? 0 : 2) + (x < 8 ? 0 : 1);
  const colors = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 1, 0],
  ];
  const values = new Float32Array(16 * 16 * 3);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) for (let c = 0; c < 3; c++) values[g.index(y, x, c)] = colors[quadrant(y, x)][c];
  const slic = slicSuperpixels(values, g, 4);
  assert.equal(slic.count, 4);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) assert.equal(slic.labels[y * 16 + x], slic.labels[(y < 8 ? 0 : 8) * 16 + (x < 8 ? 0 : 8)]);
  const many = slicSuperpixels(values, g, 16);
  assert.ok(many.count >= 8 && many.count <= 24, `about 16 segments: ${many.count}`);
  assert.equal(gridSuperpixels(g, 16).count, 16);
});

test('LIME / KernelSHAP on an image default to SLIC superpixels shared by the channels', async () => {
  const shape = [8, 8, 3];
  const model = linearModel(shape, matrix(192, 1, 241), [0]);
  const x = numbers(192, 242, 1).map((v) => v + 1);
  const r = await run('kernel-shap', model, { x }, 0, { segments: 4, samples: 200 });
  assert.equal(r.checks.groupSource, 'slic');
  for (let p = 0; p < 64; p++) assert.ok(r.values[p * 3] === r.values[p * 3 + 1] && r.values[p * 3 + 1] === r.values[p * 3 + 2]);
  model.dispose();
});

test('image methods refuse inputs that are no image, and bad options, before running', () => {
  const model = linearModel([6], matrix(6, 2, 251), [0, 0]);
  for (const id of ['rise', 'sobol', 'extremal-perturbation']) {
    assert.throws(() => getMethod(id).resolveOptions({}, model), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && e.message.includes('works on images'), id);
  }
  const image = linearModel([8, 8, 3], matrix(192, 1, 252), [0]);
  const bad: [string, object, string][] = [
    ['sobol', { samples: 12 }, 'power of two'],
    ['sobol', { perturbation: 'noise' }, 'inpainting, blur, amplitude'],
    ['rise', { probability: 0 }, "'probability'"],
    ['extremal-perturbation', { area: 1.5 }, "'area'"],
    ['lime', { featureGroups: [1, 2] }, 'one group id per input element (192 values)'],
    ['kernel-shap', { superpixels: 'quickshift' }, 'slic, grid'],
  ];
  for (const [id, options, fragment] of bad) {
    assert.throws(() => getMethod(id).resolveOptions(options, image), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID' && e.message.includes(fragment), `${id} ${JSON.stringify(options)}`);
  }
});

test('the Sobol sequence equals PyTorch’s unscrambled SobolEngine (Joe–Kuo directions), 64 points', () => {
  const points = sobolPoints(64, reference.dimensions);
  reference.points.forEach((row: number[], n: number) =>
    row.forEach((v, i) => assert.equal(points[n * reference.dimensions + reference.columns[i]], v, `point ${n}, dimension ${reference.columns[i]}`)),
  );
  // A digital shift keeps the stratification: each of 8 intervals holds one of the first 8 points, per dimension.
  const shifted = sobolPoints(8, 5, 42);
  for (let d = 0; d < 5; d++) {
    const bins = new Set(Array.from({ length: 8 }, (_, n) => Math.floor(shifted[n * 5 + d] * 8)));
    assert.equal(bins.size, 8);
  }
});

test('the perturbation methods leak no tensors', async () => {
  const model = additiveModel([1, 2, 3, 4]);
  const x = numbers(64, 261, 1).map((v) => v + 1);
  const runs: [string, object][] = [
    ['rise', { samples: 10 }],
    ['sobol', { samples: 4, gridSize: 2 }],
    ['lime', { samples: 20, segments: 4 }],
    ['kernel-shap', { samples: 20, segments: 4 }],
    ['extremal-perturbation', { iterations: 5 }],
  ];
  await run('rise', model, { x }, 0, { samples: 2 }); // warm-up: first-use allocations
  const before = tf.memory().numTensors;
  for (const [id, options] of runs) await run(id, model, { x }, 0, options);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
