// KernelSHAP (Lundberg & Lee 2017) over feature groups: Shapley values φ_g of the coalition game
// v(S) = F(x with the groups outside S replaced by the baseline), from a weighted linear regression with the
// Shapley kernel π(z) = (M − 1) / (C(M, |z|) · |z| · (M − |z|)). The empty and full coalitions (infinite weight)
// are handled exactly, as constraints: φ_0 = F(baseline) and Σ φ_g = F(x) − F(baseline) (one unknown is
// eliminated), so the attributions always add up to F(x) − F(baseline).
// When 2^M − 2 ≤ samples every coalition is enumerated and the result is the exact Shapley values; otherwise
// `samples` coalitions are drawn with sizes ∝ the kernel (then weighted equally), in complementary pairs.
// Each element gets its group's value; maps.groups lists the values by ascending group id.
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { SeededRandom } from '../../util/random';
import { integerOption, MAX_SAMPLES, seedOption } from '../options';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod, RunContext } from '../types';
import { applyCoalition, featureGroups, perElement, resolveGroupOptions, type FeatureGroups } from './coalitions';
import { forwardScores } from './forwardScores';
import { solveSymmetric } from './linearFit';

export const DEFAULT_SHAP_COALITIONS = 1000;

type KernelShapOptions = MethodOptions & { samples: number; seed: number };

export function resolveKernelShapOptions(options: MethodOptions, model: ExplainableModel): KernelShapOptions {
  return {
    ...resolveGroupOptions(options, model),
    samples: integerOption(options.samples, 'samples', DEFAULT_SHAP_COALITIONS, 1, MAX_SAMPLES),
    seed: seedOption(options.seed),
  };
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

interface Design {
  /** Coalitions, rows × M, 0/1. */
  Z: Uint8Array;
  weights: Float64Array;
  rows: number;
  exact: boolean;
}

function enumerate(M: number): Design {
  const rows = 2 ** M - 2;
  const Z = new Uint8Array(rows * M);
  const weights = new Float64Array(rows);
  for (let mask = 1; mask <= rows; mask++) {
    let size = 0;
    for (let g = 0; g < M; g++) {
      const bit = (mask >>> g) & 1;
      Z[(mask - 1) * M + g] = bit;
      size += bit;
    }
    weights[mask - 1] = (M - 1) / (binomial(M, size) * size * (M - size));
  }
  return { Z, weights, rows, exact: true };
}

function sample(M: number, count: number, seed: number): Design {
  const random = new SeededRandom(seed);
  // P(size = k) ∝ (M − 1) / (k (M − k)): the kernel's total weight over all coalitions of size k.
  const sizeWeights = Array.from({ length: M - 1 }, (_, i) => 1 / ((i + 1) * (M - i - 1)));
  const total = sizeWeights.reduce((a, b) => a + b, 0);
  const rows = count + (count % 2);
  const Z = new Uint8Array(rows * M);
  const order = Int32Array.from({ length: M }, (_, g) => g);
  for (let r = 0; r < rows; r += 2) {
    let u = random.uniform() * total;
    let k = 1;
    while (k < M - 1 && u >= sizeWeights[k - 1]) u -= sizeWeights[k++ - 1];
    // A uniformly random subset of size k (partial Fisher–Yates), and its complement.
    for (let i = 0; i < k; i++) {
      const j = i + random.integer(M - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let g = 0; g < M; g++) Z[(r + 1) * M + g] = 1;
    for (let i = 0; i < k; i++) {
      Z[r * M + order[i]] = 1;
      Z[(r + 1) * M + order[i]] = 0;
    }
  }
  return { Z, weights: new Float64Array(rows).fill(1), rows, exact: false };
}

export interface ShapResult {
  /** One value per group; Σ = inputScore − baselineScore. */
  values: Float64Array;
  inputScore: number;
  baselineScore: number;
  exact: boolean;
  coalitions: number;
}

/** KernelSHAP over `groups` (exported for other modalities, which pass their own groups). */
export async function kernelShapValues(
  model: ExplainableModel,
  x: Float32Array,
  baseline: Float32Array,
  target: number,
  groups: FeatureGroups,
  options: { samples: number; seed: number },
  ctx: RunContext,
): Promise<ShapResult> {
  const M = groups.count;
  const exact = M <= 30 && 2 ** M - 2 <= options.samples;
  const design = M < 2 ? { Z: new Uint8Array(0), weights: new Float64Array(0), rows: 0, exact: true } : exact ? enumerate(M) : sample(M, options.samples, options.seed);
  const ones = new Uint8Array(M).fill(1);
  const zeros = new Uint8Array(M);
  // Rows 0 and 1: the full and the empty coalition.
  const scores = await forwardScores(model, target, 2 + design.rows, ctx, (i, row) =>
    applyCoalition(x, baseline, groups, i === 0 ? ones : i === 1 ? zeros : design.Z.subarray((i - 2) * M, (i - 1) * M), row),
  );
  const inputScore = scores[0];
  const baselineScore = scores[1];
  const delta = inputScore - baselineScore;
  const values = new Float64Array(M);
  if (M === 1) values[0] = delta;
  if (M >= 2) {
    // Eliminate φ_M = Δ − Σ_{g<M} φ_g:  y − v(∅) − z_M Δ = Σ_{g<M} (z_g − z_M) φ_g.
    const n = M - 1;
    const A = new Float64Array(n * n);
    const b = new Float64Array(n);
    const u = new Float64Array(n);
    for (let r = 0; r < design.rows; r++) {
      const z = design.Z.subarray(r * M, (r + 1) * M);
      const w = design.weights[r];
      const t = scores[2 + r] - baselineScore - z[M - 1] * delta;
      for (let g = 0; g < n; g++) u[g] = z[g] - z[M - 1];
      for (let g = 0; g < n; g++) {
        if (u[g] === 0) continue;
        b[g] += w * u[g] * t;
        for (let h = 0; h < n; h++) A[g * n + h] += w * u[g] * u[h];
      }
    }
    const phi = solveSymmetric(A, b, n);
    let rest = delta;
    for (let g = 0; g < n; g++) {
      values[g] = phi[g];
      rest -= phi[g];
    }
    values[M - 1] = rest;
  }
  return { values, inputScore, baselineScore, exact: design.exact, coalitions: design.rows };
}

export const kernelShap: AttributionMethod = {
  id: 'kernel-shap',
  kind: 'perturbation',
  resolveOptions: resolveKernelShapOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveKernelShapOptions(rawOptions, model);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    const groups = featureGroups(options, model, x);
    const shap = await kernelShapValues(model, x, baseline, target, groups, options, ctx);
    const total = shap.values.reduce((a, v) => a + v, 0);
    return {
      attributions: toAttributionTensor(perElement(shap.values, groups), model.inputShape),
      checks: {
        groups: groups.count,
        groupSource: groups.source,
        coalitions: shap.coalitions,
        exact: shap.exact,
        inputScore: shap.inputScore,
        baselineScore: shap.baselineScore,
        convergenceDelta: total - (shap.inputScore - shap.baselineScore),
      },
      maps: { groups: { shape: [groups.count], values: Array.from(shap.values) } },
    };
  },
};
