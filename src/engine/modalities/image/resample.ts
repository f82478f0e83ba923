// Separable bilinear resampling of RGBA samples to RGB floats on the 0–255 scale. Pixel centers sit at +0.5
// (PyTorch's align_corners=False); when shrinking, the triangle filter widens with the scale factor (antialiasing,
// as PIL's BILINEAR and torchvision's antialias=True), so small model inputs do not alias.

/** A source rectangle (in source pixels, fractional allowed) mapped onto an output of outHeight × outWidth. */
export interface SourceWindow {
  top: number;
  left: number;
  height: number;
  width: number;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  stride: number;
}

/** Filter taps per output position along one axis. */
function taps(inSize: number, outSize: number, offset: number, span: number): Taps {
  const scale = span / outSize;
  const support = Math.max(1, scale);
  const stride = Math.ceil(support) * 2 + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const center = offset + (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    let total = 0;
    let n = 0;
    for (let k = lo; k < hi && n < stride; k++, n++) {
      const w = Math.max(0, 1 - Math.abs((k + 0.5 - center) / support));
      weights[o * stride + n] = w;
      total += w;
    }
    if (total === 0) {
      // The window fell between samples (cannot happen for in-range windows); take the nearest pixel.
      const nearest = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      start[o] = nearest;
      count[o] = 1;
      weights[o * stride] = 1;
      continue;
    }
    for (let j = 0; j < n; j++) weights[o * stride + j] /= total;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, stride };
}

/**
 * Resamples `window` of an RGBA image (samples up to `maxValue`) to outHeight × outWidth RGB, values on the
 * 0–255 scale, interleaved [y][x][rgb].
 */
export function resampleRgb(
  rgba: Uint8Array | Uint16Array,
  width: number,
  height: number,
  maxValue: number,
  window: SourceWindow,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const toScale = 255 / maxValue;
  const tx = taps(width, outWidth, window.left, window.width);
  const ty = taps(height, outHeight, window.top, window.height);
  // Rows the vertical pass reads.
  let rowLo = height;
  let rowHi = 0;
  for (let o = 0; o < outHeight; o++) {
    rowLo = Math.min(rowLo, ty.start[o]);
    rowHi = Math.max(rowHi, ty.start[o] + ty.count[o]);
  }
  const rows = Math.max(0, rowHi - rowLo);
  const horizontal = new Float64Array(rows * outWidth * 3);
  for (let r = 0; r < rows; r++) {
    const y = rowLo + r;
    for (let o = 0; o < outWidth; o++) {
      let R = 0;
      let G = 0;
      let B = 0;
      const base = o * tx.stride;
      for (let j = 0; j < tx.count[o]; j++) {
        const w = tx.weights[base + j];
        const p = (y * width + tx.start[o] + j) * 4;
        R += w * rgba[p];
        G += w * rgba[p + 1];
        B += w * rgba[p + 2];
      }
      const q = (r * outWidth + o) * 3;
      horizontal[q] = R;
      horizontal[q + 1] = G;
      horizontal[q + 2] = B;
    }
  }
  const out = new Float32Array(outHeight * outWidth * 3);
  for (let o = 0; o < outHeight; o++) {
    const base = o * ty.stride;
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let j = 0; j < ty.count[o]; j++) v += ty.weights[base + j] * horizontal[((ty.start[o] + j - rowLo) * outWidth + x) * 3 + c];
        out[(o * outWidth + x) * 3 + c] = v * toScale;
      }
    }
  }
  return out;
}

/** The whole image (stretch), or the largest centered window with the output's aspect ratio (center-crop). */
export function sourceWindow(width: number, height: number, outHeight: number, outWidth: number, mode: 'stretch' | 'center-crop'): SourceWindow {
  if (mode === 'stretch') return { top: 0, left: 0, height, width };
  // Scale so the image covers the output, then cut the middle: in source pixels, a window of the output's aspect.
  const s = Math.max(outHeight / height, outWidth / width);
  const h = outHeight / s;
  const w = outWidth / s;
  return { top: (height - h) / 2, left: (width - w) / 2, height: h, width: w };
}

/** Bilinear upsampling (or downsampling) of a single-channel map [inH, inW] to [outH, outW], half-pixel centers. */
export function resizeMap(map: ArrayLike<number>, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(outH * outW);
  const sy = inH / outH;
  const sx = inW / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), inH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, inH - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), inW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, inW - 1);
      const wx = fx - x0;
      const top = map[y0 * inW + x0] * (1 - wx) + map[y0 * inW + x1] * wx;
      const bottom = map[y1 * inW + x0] * (1 - wx) + map[y1 * inW + x1] * wx;
      out[y * outW + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
