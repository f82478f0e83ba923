// Gaussian blur of an image input, per channel, separable, edges mirrored: the "uninformative" version of the image
// that blur perturbations fade towards (Sobol 'blur', extremal perturbation).
import type { ImageGeometry } from './imageGeometry';

/** Default blur: a tenth of the shorter side, as TorchRay's σ = 21 px at 224 px. */
export const defaultBlurSigma = (g: ImageGeometry) => Math.max(1, Math.min(g.height, g.width) / 10);

function kernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  return k.map((v) => v / total);
}

/** Index in [0, n) after mirroring at the edges (…, 1, 0 | 0, 1, …). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

export function gaussianBlur(values: ArrayLike<number>, g: ImageGeometry, sigma: number): Float32Array {
  const k = kernel(sigma);
  const r = (k.length - 1) / 2;
  const { height: H, width: W, channels: C } = g;
  const tmp = new Float64Array(H * W * C);
  const out = new Float32Array(values.length);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r] * values[g.index(y, mirror(x + j, W), c)];
        tmp[(c * H + y) * W + x] = s;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r] * tmp[(c * H + mirror(y + j, H)) * W + x];
        out[g.index(y, x, c)] = s;
      }
    }
  }
  return out;
}
