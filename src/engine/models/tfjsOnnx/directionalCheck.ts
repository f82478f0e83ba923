// A gradient checked without another implementation of it: along random ±1 directions v, the derivative g·v must
// match the central difference (f(x + hv) − f(x − hv)) / 2h of the function itself. Used when tfjs cannot compute a
// reference gradient (it cannot differentiate dilated convolutions) but can check the function (the scores). A wrong
// gradient — a mislaid channel, a dropped term — is off by about ‖g‖ along a random direction; float32 rounding and
// the odd ReLU kink crossed within ±h are far below that.

/** Target scores of `rows` inputs laid out one after another in `values`. */
export type ScoreFunction = (values: Float32Array, rows: number) => Promise<ArrayLike<number>>;

export interface DirectionalCheck {
  /** Worst |central difference − g·v| / (‖g‖ + rounding floor) over the directions. */
  error: number;
  directions: number;
}

/** A deterministic ±1 direction (xorshift), different per index. */
function direction(size: number, index: number): Float32Array {
  const v = new Float32Array(size);
  let s = (0x9e3779b9 ^ (index * 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    v[i] = s & 1 ? 1 : -1;
  }
  return v;
}

export async function directionalCheck(score: ScoreFunction, x: Float32Array, gradient: ArrayLike<number>, directions = 3, h = 1e-3): Promise<DirectionalCheck> {
  const size = x.length;
  const rows = new Float32Array((2 * directions + 1) * size);
  const vs = Array.from({ length: directions }, (_, d) => direction(size, d));
  rows.set(x, 0);
  vs.forEach((v, d) => {
    const plus = rows.subarray((2 * d + 1) * size, (2 * d + 2) * size);
    const minus = rows.subarray((2 * d + 2) * size, (2 * d + 3) * size);
    for (let i = 0; i < size; i++) {
      plus[i] = x[i] + h * v[i];
      minus[i] = x[i] - h * v[i];
    }
  });
  const f = await score(rows, 2 * directions + 1);
  let norm = 0;
  for (let i = 0; i < size; i++) norm += gradient[i] * gradient[i];
  norm = Math.sqrt(norm);
  // Float32 scores carry ~1e-7 relative rounding; divided by 2h that is the smallest difference worth trusting.
  const floor = (8 * 1.2e-7 * Math.max(Math.abs(f[0]), 1e-12)) / (2 * h);
  let error = 0;
  vs.forEach((v, d) => {
    let gv = 0;
    for (let i = 0; i < size; i++) gv += gradient[i] * v[i];
    const central = (f[2 * d + 1] - f[2 * d + 2]) / (2 * h);
    error = Math.max(error, Math.abs(central - gv) / (norm + floor));
  });
  return { error, directions };
}
