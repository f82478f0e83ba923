// Seeded random numbers, so noisy and sampled attributions (SmoothGrad, gradient-shap) are reproducible.

/** mulberry32: a small 32-bit PRNG; returns floats in [0, 1). Any seed (integer part, mod 2^32) gives its own stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform, integer and standard-normal draws from one seeded stream; the order of calls fixes the values. */
export class SeededRandom {
  private readonly next: () => number;
  /** Box–Muller yields normals in pairs; the second waits here for the next call. */
  private spare: number | undefined;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** In [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  integer(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next(); // (0, 1], keeps the log finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
