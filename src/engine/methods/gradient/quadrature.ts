// Points α in [0, 1] and weights for the path integral of integrated gradients, matching Captum's
// approximation_parameters: Gauss–Legendre (as numpy.polynomial.legendre.leggauss, mapped to [0, 1])
// and the Riemann rules. Weights sum to 1, so Σ wᵢ ∇F(x′ + αᵢ(x − x′)) approximates the mean gradient on the path.
// One deliberate difference: Captum's trapezoid weights are [½, 1, …, 1, ½]/n, which sum to (n − 1)/n and so
// under-count the integral; here they are divided by n − 1, the trapezoid rule for n points on [0, 1].
import type { IgRule } from '../../../shared/types';

export interface Quadrature {
  alphas: Float64Array;
  weights: Float64Array;
}

/** Smallest step count each rule accepts: the trapezoid needs both end points. */
export function minimumSteps(rule: IgRule): number {
  return rule === 'riemann-trapezoid' ? 2 : 1;
}

/** P_n(x) and P_n'(x) by the three-term recurrence (|x| < 1). */
function legendre(n: number, x: number): { p: number; dp: number } {
  let p0 = 1;
  let p1 = x;
  if (n === 0) return { p: 1, dp: 0 };
  for (let k = 2; k <= n; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return { p: p1, dp: (n * (x * p1 - p0)) / (x * x - 1) };
}

/**
 * Gauss–Legendre nodes and weights on [-1, 1], ascending: Newton's method on P_n from the classic
 * cos(π(i − ¼)/(n + ½)) starting points; exact for polynomials of degree ≤ 2n − 1.
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const half = Math.floor((n + 1) / 2);
  for (let i = 1; i <= half; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      const l = legendre(n, x);
      dp = l.dp;
      const dx = l.p / l.dp;
      x -= dx;
      if (Math.abs(dx) <= 1e-16 * Math.max(1, Math.abs(x))) break;
    }
    dp = legendre(n, x).dp;
    const w = 2 / ((1 - x * x) * dp * dp);
    // Roots are symmetric: ±x share a weight. The i-th root from the top is nodes[n - i], its mirror nodes[i - 1].
    nodes[n - i] = x;
    nodes[i - 1] = -x;
    weights[n - i] = w;
    weights[i - 1] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0; // the middle root is exactly 0
  return { nodes, weights };
}

export function quadrature(rule: IgRule, n: number): Quadrature {
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  switch (rule) {
    case 'gausslegendre': {
      const gl = gaussLegendre(n);
      for (let i = 0; i < n; i++) {
        alphas[i] = 0.5 * (gl.nodes[i] + 1);
        weights[i] = 0.5 * gl.weights[i];
      }
      break;
    }
    case 'riemann-left':
      for (let i = 0; i < n; i++) alphas[i] = i / n;
      weights.fill(1 / n);
      break;
    case 'riemann-right':
      for (let i = 0; i < n; i++) alphas[i] = (i + 1) / n;
      weights.fill(1 / n);
      break;
    case 'riemann-middle':
      for (let i = 0; i < n; i++) alphas[i] = (i + 0.5) / n;
      weights.fill(1 / n);
      break;
    case 'riemann-trapezoid':
      for (let i = 0; i < n; i++) alphas[i] = i / (n - 1);
      weights.fill(1 / (n - 1));
      weights[0] /= 2;
      weights[n - 1] /= 2;
      break;
  }
  return { alphas, weights };
}
