// From an image explanation's per-pixel map to the RGBA bytes of its overlay. Pure functions, no DOM.
//
// 1. Sign selection: 'positive' keeps max(v, 0), 'negative' max(−v, 0), 'absolute' |v|, 'all' keeps the sign.
// 2. Clipping: the clip value is the `clipPercentile`-th percentile (linear interpolation between order statistics)
//    of the selected magnitudes over the pixels where that magnitude is > 0, so a few extreme pixels do not wash out
//    the rest; 100 means the maximum (no clipping). Magnitudes are divided by it and capped at 1.
// 3. Color: 'all' always uses the diverging map centered at 0 (blue negative, red positive), whatever colormap is
//    chosen; the other selections use the chosen map on [0, 1] (the diverging map: its red half, or its blue half
//    for 'negative').
// 4. Alpha = opacity × intensity, so weak attributions stay see-through. Non-finite values are transparent.
import type { ImageColormap, ImagePrefs, SignSelection } from '../../../src/shared/panelProtocol';
import type { ImageExplanation } from '../../../src/shared/types';
import { colormapLut } from './colormaps';

/** A row-major map of one value per pixel. */
export interface PixelMap {
  width: number;
  height: number;
  values: ArrayLike<number>;
}

export interface DownscaledMap extends PixelMap {
  /** Side of the square blocks averaged into one pixel (1: unchanged). */
  factor: number;
}

export interface OverlayStats {
  /** Smallest and largest finite value of the map (NaN when it has none). */
  min: number;
  max: number;
  /** The magnitude shown at full intensity (0 when no pixel is selected). */
  clip: number;
  /** Σ max(v, 0) / Σ |v|: the share of the attribution mass that is positive (NaN for an all-zero map). */
  positiveFraction: number;
  /** Pixels whose selected magnitude is > 0. */
  selected: number;
  /** NaN or ±Infinity pixels (left transparent). */
  nonFinite: number;
  /** Pixels in the map. */
  count: number;
}

export interface Overlay {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, not premultiplied (what ImageData holds). */
  rgba: Uint8ClampedArray;
  stats: OverlayStats;
  /** Why the overlay is (partly) empty, for the reader. */
  note?: string;
}

/** Maps larger than this (in pixels) are averaged down before they are drawn. */
export const MAX_OVERLAY_PIXELS = 1024 * 1024;

/** The pixel map of an image explanation, or a reason it cannot be drawn. */
export function pixelMapOf(image: ImageExplanation): PixelMap | { error: string } {
  const { shape, values } = image.pixelMap;
  const height = shape.length === 2 ? shape[0] : image.height;
  const width = shape.length === 2 ? shape[1] : image.width;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    return { error: `The pixel map has an unusable shape [${shape.join(', ')}].` };
  }
  if (!Array.isArray(values) || values.length !== width * height) {
    return { error: `The pixel map has ${Array.isArray(values) ? values.length : 0} values for ${height}×${width} pixels.` };
  }
  return { width, height, values };
}

/**
 * Averages square blocks of `factor`×`factor` pixels (the smallest integer factor that brings the map to at most
 * `maxPixels`), so very large maps draw quickly. Blocks at the right and bottom edges may be partial; each output
 * pixel is the mean of the finite values in its block (NaN when there are none).
 */
export function downscaleMap(map: PixelMap, maxPixels = MAX_OVERLAY_PIXELS): DownscaledMap {
  const { width, height, values } = map;
  let factor = 1;
  while (Math.ceil(width / factor) * Math.ceil(height / factor) > Math.max(1, maxPixels)) factor++;
  if (factor === 1) return { width, height, values, factor };
  const ow = Math.ceil(width / factor);
  const oh = Math.ceil(height / factor);
  const sums = new Float64Array(ow * oh);
  const counts = new Uint32Array(ow * oh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * ow;
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      if (!Number.isFinite(v)) continue;
      const o = row + Math.floor(x / factor);
      sums[o] += v;
      counts[o]++;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] ? sums[i] / counts[i] : NaN;
  return { width: ow, height: oh, values: out, factor };
}

/** The selected magnitude of a value (≥ 0). */
function magnitude(v: number, sign: SignSelection): number {
  switch (sign) {
    case 'positive':
      return v > 0 ? v : 0;
    case 'negative':
      return v < 0 ? -v : 0;
    default:
      return Math.abs(v);
  }
}

/** p-th percentile (0–100) of ascending sorted values, interpolating linearly between order statistics. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** Min, max, clip value and positive share of a map under a sign selection and clip percentile. */
export function overlayStats(values: ArrayLike<number>, sign: SignSelection, clipPercentile: number): OverlayStats {
  let min = Infinity;
  let max = -Infinity;
  let positive = 0;
  let total = 0;
  let nonFinite = 0;
  let selected = 0;
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0) positive += v;
    total += Math.abs(v);
    const m = magnitude(v, sign);
    if (m > 0) {
      selected++;
      if (m > largest) largest = m;
    }
  }
  let clip = largest;
  const p = Number.isFinite(clipPercentile) ? clipPercentile : 100;
  if (selected > 1 && p < 100) {
    const mags = new Float64Array(selected);
    let k = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const m = magnitude(v, sign);
      if (m > 0) mags[k++] = m;
    }
    mags.sort();
    clip = percentileOfSorted(mags, p);
  }
  return {
    min: min === Infinity ? NaN : min,
    max: max === -Infinity ? NaN : max,
    clip,
    positiveFraction: total > 0 ? positive / total : NaN,
    selected,
    nonFinite,
    count: values.length,
  };
}

/** How colors are looked up: over [0, 1] for unsigned selections, over [−1, 1] (odd size, 0 in the middle) for 'all'. */
interface Palette {
  lut: Uint8ClampedArray;
  signed: boolean;
}

function palette(colormap: ImageColormap, sign: SignSelection): Palette {
  if (sign === 'all') return { lut: colormapLut('diverging', -1, 1, 511), signed: true };
  if (colormap === 'diverging') return { lut: colormapLut('diverging', 0, sign === 'negative' ? -1 : 1, 256), signed: false };
  return { lut: colormapLut(colormap, 0, 1, 256), signed: false };
}

const SIGN_WORDS: Record<SignSelection, string> = {
  positive: 'positive',
  negative: 'negative',
  absolute: 'non-zero',
  all: 'non-zero',
};

/** The overlay's RGBA bytes at the map's size, with its statistics. */
export function renderOverlay(map: PixelMap, prefs: ImagePrefs): Overlay {
  const { width, height, values } = map;
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  const stats = overlayStats(values, prefs.sign, prefs.clipPercentile);
  const opacity = Number.isFinite(prefs.opacity) ? Math.min(1, Math.max(0, prefs.opacity)) : 1;
  const notes: string[] = [];
  if (stats.count - stats.nonFinite === 0) {
    notes.push('The map has no finite values: there is nothing to overlay.');
  } else if (stats.min === 0 && stats.max === 0) {
    notes.push('The map is zero everywhere: there is nothing to overlay.');
  } else if (stats.selected === 0) {
    notes.push(`The map has no ${SIGN_WORDS[prefs.sign]} values: choose another sign to see it.`);
  }
  if (stats.nonFinite > 0 && stats.nonFinite < stats.count) {
    notes.push(`${stats.nonFinite} pixel${stats.nonFinite === 1 ? ' is' : 's are'} not finite (NaN or ∞) and left transparent.`);
  }
  if (stats.selected > 0 && stats.clip > 0) {
    const { lut, signed } = palette(prefs.colormap, prefs.sign);
    const top = lut.length / 3 - 1;
    const inv = 1 / stats.clip;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const m = magnitude(v, prefs.sign);
      if (!(m > 0)) continue;
      const u = Math.min(1, m * inv);
      // Signed: index 0 is −1, the middle is 0, the end is +1.
      const idx = signed ? Math.round(((v < 0 ? -u : u) + 1) * 0.5 * top) : Math.round(u * top);
      const o = i * 4;
      rgba[o] = lut[idx * 3];
      rgba[o + 1] = lut[idx * 3 + 1];
      rgba[o + 2] = lut[idx * 3 + 2];
      rgba[o + 3] = Math.round(255 * opacity * u);
    }
  }
  return { width, height, rgba, stats, ...(notes.length ? { note: notes.join(' ') } : {}) };
}

/** A short number for labels: 3 significant digits, exponent form for very small or large magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  const text = a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  return text.replace(/^-/, '−');
}

export interface Legend {
  /** Colormap and parameter range of the colorbar, left to right (for colorbarGradient). */
  colormap: ImageColormap;
  from: number;
  to: number;
  left: string;
  middle?: string;
  right: string;
  /** One line for the reader: range, clipping, positive share. */
  caption: string;
}

/** What the colorbar shows for these stats and prefs. */
export function legendFor(stats: OverlayStats, prefs: ImagePrefs): Legend {
  const clipped = prefs.clipPercentile < 100 && stats.selected > 1;
  const c = formatValue(stats.clip);
  const atLeast = clipped ? '≥ ' : '';
  const atMost = clipped ? '≤ ' : '';
  const neg = formatValue(-stats.clip);
  let bar: Pick<Legend, 'colormap' | 'from' | 'to' | 'left' | 'middle' | 'right'>;
  switch (prefs.sign) {
    case 'all':
      bar = { colormap: 'diverging', from: -1, to: 1, left: `${atMost}${neg}`, middle: '0', right: `${atLeast}${c}` };
      break;
    case 'negative':
      bar = prefs.colormap === 'diverging'
        ? { colormap: 'diverging', from: 0, to: -1, left: '0', right: `${atMost}${neg}` }
        : { colormap: prefs.colormap, from: 0, to: 1, left: '0', right: `${atMost}${neg}` };
      break;
    case 'absolute':
      bar = prefs.colormap === 'diverging'
        ? { colormap: 'diverging', from: 0, to: 1, left: '0', right: `|v| ${atLeast}${c}` }
        : { colormap: prefs.colormap, from: 0, to: 1, left: '0', right: `|v| ${atLeast}${c}` };
      break;
    default:
      bar = prefs.colormap === 'diverging'
        ? { colormap: 'diverging', from: 0, to: 1, left: '0', right: `${atLeast}${c}` }
        : { colormap: prefs.colormap, from: 0, to: 1, left: '0', right: `${atLeast}${c}` };
  }
  const parts = [`min ${formatValue(stats.min)}`, `max ${formatValue(stats.max)}`];
  if (clipped) parts.push(`clipped at the ${prefs.clipPercentile}th percentile`);
  if (Number.isFinite(stats.positiveFraction)) parts.push(`${Math.round(stats.positiveFraction * 100)}% of the mass positive`);
  return { ...bar, caption: parts.join(' · ') };
}
