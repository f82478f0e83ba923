import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { assertClose, column, run } from './helpers';
import { linearModel, matrix, numbers, tanhMlp, type TestModel } from './models';

before(async () => {
  await initBackend('wasm');
});

/**
 * Occlusion computed independently, in float64 with the model's plain-JS forward: in each dimension the window
 * slides by the stride from 0 until it has reached the end (the last one may stick out and is clipped); an
 * element's attribution is the mean of F(x) − F(occluded) over the windows that cover it.
 */
function expectedOcclusion(model: TestModel, x: number[], baseline: number[], target: number, window: number[], stride: number[]): number[] {
  const shape = model.inputShape;
  const startsPerDim = shape.map((size, d) => {
    const starts = [0];
    while (starts[starts.length - 1] + window[d] < size) starts.push(starts[starts.length - 1] + stride[d]);
    return starts;
  });
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const covers = (flat: number, starts: number[]) =>
    shape.every((size, d) => {
      const i = Math.floor(flat / strides[d]) % size;
      return i >= starts[d] && i < starts[d] + window[d];
    });
  const fx = model.reference(x)[target];
  const sum = new Array<number>(x.length).fill(0);
  const count = new Array<number>(x.length).fill(0);
  const visit = (d: number, starts: number[]) => {
    if (d === shape.length) {
      const occluded = x.map((v, f) => (covers(f, starts) ? baseline[f] : v));
      const drop = fx - model.reference(occluded)[target];
      x.forEach((_, f) => {
        if (covers(f, starts)) {
          sum[f] += drop;
          count[f]++;
        }
      });
      return;
    }
    for (const s of startsPerDim[d]) visit(d + 1, [...starts, s]);
  };
  visit(0, []);
  assert.ok(count.every((c) => c > 0), 'every element is covered');
  return sum.map((s, f) => s / count[f]);
}

test('linear model, 1-element windows: occlusion = w ⊙ (x − baseline)', async () => {
  const N = 7;
  const W = matrix(N, 2, 81);
  const model = linearModel([N], W, [0.3, 0.1]);
  const x = numbers(N, 82, 2);
  const baseline = numbers(N, 83);
  const r = await run('occlusion', model, { x, baseline }, 1);
  model.dispose();
  assertClose(r.values, column(W, 1).map((w, j) => w * (x[j] - baseline[j])), 1e-5);
  assert.equal(r.checks.windows, N);
});

test('1-D windows and strides average over covering windows, as Captum (clipped last window)', async () => {
  const N = 8;
  const W = matrix(N, 2, 84);
  const x = numbers(N, 85, 2);
  const baseline = numbers(N, 86);
  const linear = linearModel([N], W, [0, 0]);
  const mlp = tanhMlp([N], matrix(N, 4, 87, 1.5), numbers(4, 88), matrix(4, 2, 89, 2), [0, 0]);
  for (const model of [linear, mlp]) {
    for (const [window, stride] of [[[3], [1]], [[3], [2]], [[3], [3]], [[2], [2]], [[8], [1]], [[5], [4]]]) {
      const r = await run('occlusion', model, { x, baseline }, 0, { window, stride });
      assertClose(r.values, expectedOcclusion(model, x, baseline, 0, window, stride), 2e-5, `window ${window} stride ${stride}`);
    }
    model.dispose();
  }
});

test('2-D [4,5] and image-like [4,4,2] inputs: windows and strides per dimension', async () => {
  const cases: { shape: number[]; windows: [number[], number[] | undefined][] }[] = [
    {
      shape: [4, 5],
      windows: [[[2, 2], [1, 2]], [[2, 2], undefined], [[3, 3], [1, 1]], [[4, 1], [1, 1]], [[1, 5], [1, 1]], [[2, 3], [2, 2]]],
    },
    {
      shape: [4, 4, 2],
      windows: [[[2, 2, 2], [2, 2, 2]], [[3, 3, 1], [1, 1, 1]], [[2, 2, 1], [1, 2, 1]], [[4, 4, 2], [1, 1, 1]], [[3, 2, 2], undefined]],
    },
  ];
  for (const { shape, windows } of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const model = tanhMlp(shape, matrix(n, 6, 90, 0.8), numbers(6, 91), matrix(6, 3, 92, 2), numbers(3, 93));
    const x = numbers(n, 94, 1.5);
    const baseline = new Array<number>(n).fill(0);
    for (const [window, stride] of windows) {
      const r = await run('occlusion', model, { x, baseline }, 2, { window, stride });
      assert.deepEqual(r.shape, shape);
      const expected = expectedOcclusion(model, x, baseline, 2, window, stride ?? window);
      assertClose(r.values, expected, 2e-5, `[${shape}] window ${window} stride ${stride}`);
    }
    model.dispose();
  }
});

test('occlusion rejects windows larger than the input, the wrong rank, bad numbers and gapping strides', async () => {
  const model = linearModel([4, 5], matrix(20, 1, 95), [0]);
  const x = numbers(20, 96);
  const bad: { window?: unknown; stride?: unknown; pattern: RegExp }[] = [
    { window: [5, 5], pattern: /'window' is larger than the input \[4,5\] in dimension 0/ },
    { window: [2], pattern: /'window' must be 2 positive integers/ },
    { window: [2, 2, 1], pattern: /'window'/ },
    { window: [0, 2], pattern: /'window'/ },
    { window: [1.5, 2], pattern: /'window'/ },
    { window: [2, 2], stride: [3, 1], pattern: /'stride' must not exceed the window/ },
    { window: [2, 2], stride: [1], pattern: /'stride'/ },
    { window: 'big', pattern: /'window'/ },
  ];
  for (const { pattern, ...options } of bad) {
    await assert.rejects(
      run('occlusion', model, { x }, 0, options as never),
      (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && pattern.test(e.message),
      JSON.stringify(options),
    );
  }
  // A stride beyond the window is fine where the window spans the whole dimension (one position).
  const ok = await run('occlusion', model, { x }, 0, { window: [4, 1], stride: [9, 1] });
  assert.equal(ok.checks.windows, 5);
  model.dispose();
});
