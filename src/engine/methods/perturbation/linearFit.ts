// Small dense least-squares solvers in float64 for the surrogate models of LIME and KernelSHAP.

/** Solves the symmetric positive (semi-)definite system A·x = b (A: n×n row-major) by Cholesky, with a tiny jitter. */
export function solveSymmetric(A: Float64Array, b: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += A[i * n + i];
  const jitter = 1e-12 * Math.max(trace / Math.max(n, 1), 1e-300);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) L[i * n + i] = Math.sqrt(Math.max(s, jitter));
      else L[i * n + j] = s / L[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

export interface WeightedFit {
  coefficients: Float64Array;
  intercept: number;
  /** Weighted R² of the fit. */
  r2: number;
}

/**
 * Weighted ridge regression with an unpenalised intercept: min Σ w_i (y_i − b − z_i·c)² + ridge·|c|².
 * Z: rows × cols, row-major.
 */
export function weightedRidge(Z: Float64Array, y: Float64Array, w: Float64Array, rows: number, cols: number, ridge: number): WeightedFit {
  let wSum = 0;
  const zMean = new Float64Array(cols);
  let yMean = 0;
  for (let i = 0; i < rows; i++) {
    wSum += w[i];
    yMean += w[i] * y[i];
    for (let j = 0; j < cols; j++) zMean[j] += w[i] * Z[i * cols + j];
  }
  if (wSum <= 0) return { coefficients: new Float64Array(cols), intercept: 0, r2: 0 };
  yMean /= wSum;
  for (let j = 0; j < cols; j++) zMean[j] /= wSum;
  const A = new Float64Array(cols * cols);
  const b = new Float64Array(cols);
  const zc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) zc[j] = Z[i * cols + j] - zMean[j];
    const yc = y[i] - yMean;
    for (let j = 0; j < cols; j++) {
      const wz = w[i] * zc[j];
      if (wz === 0) continue;
      b[j] += wz * yc;
      for (let k = 0; k <= j; k++) A[j * cols + k] += wz * zc[k];
    }
  }
  for (let j = 0; j < cols; j++) {
    for (let k = 0; k < j; k++) A[k * cols + j] = A[j * cols + k];
    A[j * cols + j] += ridge;
  }
  const coefficients = solveSymmetric(A, b, cols);
  let intercept = yMean;
  for (let j = 0; j < cols; j++) intercept -= coefficients[j] * zMean[j];
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < rows; i++) {
    let pred = intercept;
    for (let j = 0; j < cols; j++) pred += coefficients[j] * Z[i * cols + j];
    ssRes += w[i] * (y[i] - pred) ** 2;
    ssTot += w[i] * (y[i] - yMean) ** 2;
  }
  return { coefficients, intercept, r2: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}
