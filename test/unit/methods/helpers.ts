// Running a method by id in tests and comparing numbers.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { MethodOptions } from '../../../src/shared/types';
import { getMethod } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { testContext } from './models';

export interface RunInput {
  x: number[];
  baseline?: number[];
  /** Rows of flat reference inputs (gradient-shap). */
  baselineSet?: number[][];
}

export interface RunOutput {
  values: number[];
  shape: number[];
  checks: Record<string, number | string | boolean>;
}

/** Resolves options as explain() does, runs the method, and returns plain numbers (all tensors disposed). */
export async function run(
  id: string,
  model: ExplainableModel,
  input: RunInput,
  target: number,
  options: MethodOptions = {},
  ctx: RunContext = testContext(),
): Promise<RunOutput> {
  const method = getMethod(id);
  const resolved = method.resolveOptions({ ...options }, model);
  const shape = [1, ...model.inputShape];
  const x = tf.tensor(input.x, shape);
  const baseline = tf.tensor(input.baseline ?? new Array<number>(input.x.length).fill(0), shape);
  const baselineSet = input.baselineSet ? tf.tensor(input.baselineSet.flat(), [input.baselineSet.length, ...model.inputShape]) : undefined;
  try {
    const result = await method.attribute(model, { x, baseline, baselineSet }, target, resolved, ctx);
    const values = Array.from(await result.attributions.data());
    const out = { values, shape: result.attributions.shape, checks: result.checks };
    result.attributions.dispose();
    return out;
  } finally {
    tf.dispose([x, baseline, ...(baselineSet ? [baselineSet] : [])]);
  }
}

/** |actual − expected| ≤ tol · max(1, |expected|) element-wise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs expected ${expected[i]} (|error| ${err} > ${tol})`);
  }
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Column `k` of a matrix given as rows. */
export function column(W: number[][], k: number): number[] {
  return W.map((row) => row[k]);
}
