import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussLegendre, quadrature } from '../../../src/engine/methods/gradient/quadrature';
import { resolveIgOptions } from '../../../src/engine/methods/gradient/integratedGradients';
import { EngineError } from '../../../src/engine/errors';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

/** Σ wᵢ αᵢ^k, the rule's estimate of ∫₀¹ α^k dα = 1/(k + 1). */
function integrateMonomial(n: number, k: number): number {
  const { alphas, weights } = quadrature('gausslegendre', n);
  return alphas.reduce((s, a, i) => s + weights[i] * a ** k, 0);
}

test('Gauss–Legendre weights on [0, 1] sum to 1 and nodes lie inside, ascending', () => {
  for (const n of [1, 2, 3, 7, 50, 1000]) {
    const { alphas, weights } = quadrature('gausslegendre', n);
    assert.ok(Math.abs(sum(weights) - 1) < 1e-13, `n=${n}: Σw = ${sum(weights)}`);
    for (let i = 0; i < n; i++) {
      assert.ok(alphas[i] > 0 && alphas[i] < 1, `n=${n}: α${i} = ${alphas[i]}`);
      assert.ok(weights[i] > 0);
      if (i > 0) assert.ok(alphas[i] > alphas[i - 1]);
    }
  }
});

test('Gauss–Legendre with n points integrates every polynomial of degree ≤ 2n − 1 exactly, and not degree 2n', () => {
  for (const n of [1, 2, 3, 4, 5, 8, 13, 50]) {
    for (let k = 0; k <= 2 * n - 1; k++) {
      const err = Math.abs(integrateMonomial(n, k) - 1 / (k + 1));
      assert.ok(err < 1e-13, `n=${n}, degree ${k}: error ${err}`);
    }
  }
  // The degree bound is sharp, so the check above can fail for a wrong rule.
  for (const n of [1, 2, 3]) assert.ok(Math.abs(integrateMonomial(n, 2 * n) - 1 / (2 * n + 1)) > 1e-4);
});

test('Gauss–Legendre matches known nodes and weights (numpy.polynomial.legendre.leggauss(3))', () => {
  const { nodes, weights } = gaussLegendre(3);
  const r = Math.sqrt(3 / 5);
  [-r, 0, r].forEach((v, i) => assert.ok(Math.abs(nodes[i] - v) < 1e-15));
  [5 / 9, 8 / 9, 5 / 9].forEach((v, i) => assert.ok(Math.abs(weights[i] - v) < 1e-15));
});

test("Riemann rules use Captum's points; the trapezoid weights [½, 1, …, 1, ½]/(n − 1) sum to 1", () => {
  const n = 4;
  const expected: Record<string, number[]> = {
    'riemann-left': [0, 0.25, 0.5, 0.75],
    'riemann-right': [0.25, 0.5, 0.75, 1],
    'riemann-middle': [0.125, 0.375, 0.625, 0.875],
    'riemann-trapezoid': [0, 1 / 3, 2 / 3, 1],
  };
  for (const [rule, alphas] of Object.entries(expected)) {
    const q = quadrature(rule as 'riemann-left', n);
    alphas.forEach((a, i) => assert.ok(Math.abs(q.alphas[i] - a) < 1e-15, `${rule} α${i}`));
    assert.ok(Math.abs(sum(q.weights) - 1) < 1e-15, `${rule}: Σw = ${sum(q.weights)}`);
  }
  assert.deepEqual(Array.from(quadrature('riemann-trapezoid', 3).weights), [0.25, 0.5, 0.25]);
  for (const n of [2, 10, 999]) assert.ok(Math.abs(sum(quadrature('riemann-trapezoid', n).weights) - 1) < 1e-12);
});

test('IG options: defaults, and steps/rule validation with OPTION_INVALID', () => {
  assert.deepEqual(resolveIgOptions({}), { steps: 50, igMethod: 'gausslegendre' });
  const invalid = (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID';
  assert.throws(() => resolveIgOptions({ steps: 0 }), invalid);
  assert.throws(() => resolveIgOptions({ steps: 2.5 }), invalid);
  assert.throws(() => resolveIgOptions({ steps: Number.NaN }), invalid);
  assert.throws(() => resolveIgOptions({ steps: 1e9 }), invalid);
  assert.throws(() => resolveIgOptions({ steps: '10' as unknown as number }), invalid);
  assert.throws(() => resolveIgOptions({ steps: 1, igMethod: 'riemann-trapezoid' }), /at least 2/);
  assert.throws(() => resolveIgOptions({ igMethod: 'simpson' as never }), /igMethod.*gausslegendre/);
  assert.deepEqual(resolveIgOptions({ steps: 1, igMethod: 'riemann-middle' }), { steps: 1, igMethod: 'riemann-middle' });
});
