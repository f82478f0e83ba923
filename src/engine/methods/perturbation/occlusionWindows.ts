// Where occlusion's sliding windows go, with Captum's semantics: per dimension d, windows start at
// 0, s_d, 2·s_d, … for ceil((D_d − w_d)/s_d) + 1 positions, and the last one is cut off at the input's edge,
// so every element is covered at least once. A stride larger than the window would leave gaps and is refused
// (as Captum does), unless the window spans the whole dimension.
import { invalidOption } from '../options';

export interface OcclusionGeometry {
  window: number[];
  stride: number[];
  /** Window positions per dimension. */
  counts: number[];
  /** Number of windows (forward passes). */
  total: number;
}

function positiveIntegers(value: unknown, name: string, rank: number, inputShape: number[]): number[] {
  if (!Array.isArray(value) || value.length !== rank || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
    throw invalidOption(name, `must be ${rank} positive integers, one per input dimension [${inputShape}]`, value);
  }
  return value as number[];
}

/** Validates window and stride against the input's shape (without batch); window defaults to 1s, stride to the window. */
export function occlusionGeometry(inputShape: number[], window?: unknown, stride?: unknown): OcclusionGeometry {
  const rank = inputShape.length;
  const w = window === undefined || window === null ? inputShape.map(() => 1) : positiveIntegers(window, 'window', rank, inputShape);
  const s = stride === undefined || stride === null ? w.slice() : positiveIntegers(stride, 'stride', rank, inputShape);
  const counts = inputShape.map((size, d) => {
    if (w[d] > size) throw invalidOption('window', `is larger than the input [${inputShape}] in dimension ${d}`, w);
    if (w[d] < size && s[d] > w[d]) throw invalidOption('stride', `must not exceed the window [${w}] (elements would be skipped)`, s);
    return Math.ceil((size - w[d]) / s[d]) + 1;
  });
  return { window: w, stride: s, counts, total: counts.reduce((a, b) => a * b, 1) };
}

/** Calls `visit` with the flat (row-major) index of every element of window number `index`. */
export function forEachInWindow(inputShape: number[], g: OcclusionGeometry, index: number, visit: (flat: number) => void): void {
  const rank = inputShape.length;
  const lo: number[] = new Array(rank);
  const hi: number[] = new Array(rank);
  // The last dimension varies fastest, as in the row-major layout.
  let rest = index;
  for (let d = rank - 1; d >= 0; d--) {
    const position = rest % g.counts[d];
    rest = Math.floor(rest / g.counts[d]);
    lo[d] = position * g.stride[d];
    hi[d] = Math.min(lo[d] + g.window[d], inputShape[d]);
  }
  const walk = (d: number, offset: number) => {
    if (d === rank) return visit(offset);
    for (let i = lo[d]; i < hi[d]; i++) walk(d + 1, offset * inputShape[d] + i);
  };
  walk(0, 0);
}
