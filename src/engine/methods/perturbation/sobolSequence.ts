// The Sobol low-discrepancy sequence (Sobol 1967; Bratley & Fox 1988, Gray-code order as in PyTorch and TF), from
// Joe & Kuo's direction numbers (sobolDirections.ts). Optionally scrambled by a seeded random digital shift, which
// keeps every (t, m, s)-net property of the unscrambled points.
import { SeededRandom } from '../../util/random';
import { SOBOL_DIRECTIONS } from './sobolDirections';

const BITS = 30;
export const MAX_SOBOL_DIMENSIONS = SOBOL_DIRECTIONS.length + 1;

/** Direction numbers v_1..v_BITS of one dimension (0-based), as integers with BITS bits. */
function directions(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 1 << (BITS - 1 - k);
    return v;
  }
  const [s, a, ...m] = SOBOL_DIRECTIONS[dim - 1];
  for (let k = 0; k < s; k++) v[k] = m[k] << (BITS - 1 - k);
  for (let k = s; k < BITS; k++) {
    let x = v[k - s] ^ (v[k - s] >>> s);
    for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) x ^= v[k - j];
    v[k] = x;
  }
  return v;
}

/**
 * The first `count` points in `dimensions` dimensions, row-major [count][dimensions], values in [0, 1).
 * `seed` (when given) applies a random digital shift per dimension.
 */
export function sobolPoints(count: number, dimensions: number, seed?: number): Float64Array {
  if (dimensions > MAX_SOBOL_DIMENSIONS) throw new RangeError(`Sobol sequence: at most ${MAX_SOBOL_DIMENSIONS} dimensions`);
  if (count > 2 ** BITS) throw new RangeError(`Sobol sequence: at most 2^${BITS} points`);
  const v = Array.from({ length: dimensions }, (_, d) => directions(d));
  const shift = new Uint32Array(dimensions);
  if (seed !== undefined) {
    const random = new SeededRandom(seed);
    for (let d = 0; d < dimensions; d++) shift[d] = Math.floor(random.uniform() * 2 ** BITS) >>> 0;
  }
  const out = new Float64Array(count * dimensions);
  const x = new Uint32Array(dimensions);
  for (let n = 0; n < count; n++) {
    if (n > 0) {
      // Gray-code order: flip direction c, the position of the lowest zero bit of n − 1.
      let c = 0;
      for (let i = n - 1; i & 1; i >>>= 1) c++;
      for (let d = 0; d < dimensions; d++) x[d] ^= v[d][c];
    }
    for (let d = 0; d < dimensions; d++) out[n * dimensions + d] = ((x[d] ^ shift[d]) >>> 0) / 2 ** BITS;
  }
  return out;
}
