// Reads the PyTorch reference files (test/fixtures/reference/*.json, written by torch_reference.py)
// and compares our float32 results with them.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MethodId, MethodOptions } from '../../../src/shared/types';

export const REPO_ROOT = resolve(__dirname, '../../..');
const REFERENCE_DIR = join(REPO_ROOT, 'test/fixtures/reference');

export interface ReferenceCase {
  method: MethodId;
  options: MethodOptions;
  input: number;
  target: number;
  /** Name of an entry in `baselines`; absent for methods that use none. */
  baseline?: string;
  attributions: number[];
  reference?: { convergenceDelta?: number };
}

export interface ReferenceFile {
  name: string;
  /** Path relative to the repo root. */
  model: string;
  inputShape: number[];
  outputSize: number;
  inputs: { x: number[]; scores: number[]; predicted: number; targets: number[] }[];
  baselines: Record<string, number[]>;
  cases: ReferenceCase[];
}

export function readReferenceFiles(): ReferenceFile[] {
  return readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(REFERENCE_DIR, f), 'utf8')) }));
}

/**
 * The tolerance: max |ours − ref| ≤ 1e-4 · max(max |ref|, 1e-2), i.e. 1e-4 relative to the largest reference value,
 * and an absolute 1e-6 when the whole reference vector is below 1e-2 (float32 noise on values near 1 is ~1e-7).
 */
export function tolerance(ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]));
  return 1e-4 * Math.max(m, 1e-2);
}

export interface Mismatch {
  maxError: number;
  index: number;
  ours: number;
  ref: number;
  tolerance: number;
}

/** Undefined when the vectors agree within `tolerance(ref)`; otherwise the worst element. Lengths must match. */
export function compareVectors(ours: ArrayLike<number>, ref: ArrayLike<number>): Mismatch | undefined {
  const tol = tolerance(ref);
  if (ours.length !== ref.length) return { maxError: Infinity, index: -1, ours: ours.length, ref: ref.length, tolerance: tol };
  let worst: Mismatch | undefined;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(ours[i] - ref[i]);
    // NaN must fail, so compare with !(err <= tol).
    if (!(err <= tol) && (!worst || !(err <= worst.maxError))) {
      worst = { maxError: err, index: i, ours: ours[i], ref: ref[i], tolerance: tol };
    }
  }
  return worst;
}

export function describeCase(file: ReferenceFile, c: ReferenceCase): string {
  const b = c.baseline ? ` baseline=${c.baseline}` : '';
  return `${file.name} ${c.method} ${JSON.stringify(c.options)} input=${c.input} target=${c.target}${b}`;
}

export function describeMismatch(m: Mismatch): string {
  if (m.index < 0) return `length ${m.ours} instead of ${m.ref}`;
  const where = `at feature ${m.index} (ours ${m.ours}, reference ${m.ref})`;
  return `max error ${m.maxError.toExponential(3)} ${where}, tolerance ${m.tolerance.toExponential(1)}`;
}
