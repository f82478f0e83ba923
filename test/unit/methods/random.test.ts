import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32, SeededRandom } from '../../../src/engine/util/random';

test('mulberry32 is reproducible per seed, different across seeds, and in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => c()));
  assert.ok(xs.every((v) => v >= 0 && v < 1));
});

test('SeededRandom: integers cover [0, n) and normals have mean 0, variance 1', () => {
  const r = new SeededRandom(0);
  const counts = new Array<number>(5).fill(0);
  for (let i = 0; i < 5000; i++) counts[r.integer(5)]++;
  // Each count is Binomial(5000, 0.2): mean 1000, sd ≈ 28; ±150 is over 5 sd.
  counts.forEach((c) => assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`));

  const n = 20000;
  const z = Array.from({ length: n }, () => r.normal());
  const mean = z.reduce((a, b) => a + b, 0) / n;
  const variance = z.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) = 0.01 for the variance; bounds are 4–5 of them.
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  assert.ok(z.every(Number.isFinite));
  // Box–Muller's tails: about 0.27 % of draws beyond 3 sd.
  const beyond3 = z.filter((v) => Math.abs(v) > 3).length / n;
  assert.ok(beyond3 > 0.001 && beyond3 < 0.005, `beyond 3 sd: ${beyond3}`);
});

test('SeededRandom streams replay exactly from the same seed', () => {
  const draw = (seed: number) => {
    const r = new SeededRandom(seed);
    return [r.uniform(), r.normal(), r.integer(10), r.normal(), r.normal(), r.uniform()];
  };
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
});
