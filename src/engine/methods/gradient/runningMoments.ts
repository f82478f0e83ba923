// Per-feature mean, mean of squares and variance over samples, updated one sample at a time in float64.
// Welford's update keeps the variance ≥ 0 and exactly 0 when every sample is the same, which the naive
// E[a²] − E[a]² does not (it can come out slightly negative).

export class RunningMoments {
  readonly mean: Float64Array;
  readonly meanOfSquares: Float64Array;
  /** Σ (a − mean)², the numerator of the variance. */
  private readonly m2: Float64Array;
  private count = 0;

  constructor(size: number) {
    this.mean = new Float64Array(size);
    this.meanOfSquares = new Float64Array(size);
    this.m2 = new Float64Array(size);
  }

  get samples(): number {
    return this.count;
  }

  add(sample: ArrayLike<number>): void {
    this.count++;
    const k = this.count;
    for (let j = 0; j < this.mean.length; j++) {
      const a = sample[j];
      const before = this.mean[j];
      const after = before + (a - before) / k;
      this.mean[j] = after;
      this.m2[j] += (a - before) * (a - after);
      this.meanOfSquares[j] += (a * a - this.meanOfSquares[j]) / k;
    }
  }

  /** Population variance (divide by n), as Captum's vargrad: E[a²] − E[a]². */
  variance(): Float64Array {
    return this.m2.map((v) => (this.count ? v / this.count : 0));
  }
}
