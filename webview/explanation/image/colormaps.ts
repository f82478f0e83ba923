// Colormaps for image overlays. Pure functions, no DOM.
//
// viridis, cividis and inferno are matplotlib's perceptually uniform maps (van der Walt & Smith; cividis by
// Nuñez, Anderton & Renslow, made for readers with color-vision deficiency). Each table holds 33 anchors sampled
// evenly from matplotlib's published 256-entry lists (entries round(k·255/32), k = 0…32, scaled to 0–255);
// between anchors the color is interpolated linearly: within 2 units of the full lists for viridis and inferno,
// within 6 for cividis (at its last few entries, where the published list bends).
// The diverging map is Moreland's cool-warm ("Diverging Color Maps for Scientific Visualization", 2009):
// 17 anchors of his Msh interpolation between blue (59, 76, 192) and red (180, 4, 38) through a neutral light gray
// (221, 221, 221). Its two halves have the same CIELAB lightness at ±t, and blue against red stays distinct
// for the common red-green deficiencies. Blue is negative and red positive, as in the rest of the panel.
import type { ImageColormap } from '../../../src/shared/panelProtocol';

export type Rgb = [number, number, number];

type Table = readonly (readonly [number, number, number])[];

const VIRIDIS: Table = [
  [68, 1, 84], [71, 13, 96], [72, 24, 106], [72, 35, 116], [71, 45, 123], [69, 55, 129], [66, 64, 134],
  [62, 73, 137], [59, 82, 139], [55, 91, 141], [51, 99, 141], [47, 107, 142], [44, 114, 142], [41, 122, 142],
  [38, 130, 142], [35, 137, 142], [33, 145, 140], [31, 151, 139], [31, 159, 136], [33, 166, 133], [39, 173, 129],
  [49, 181, 123], [61, 188, 116], [76, 194, 108], [92, 200, 99], [110, 206, 88], [129, 211, 77], [149, 216, 64],
  [170, 220, 50], [192, 223, 37], [213, 226, 26], [234, 229, 26], [253, 231, 37],
];

const CIVIDIS: Table = [
  [0, 34, 78], [0, 40, 91], [0, 46, 106], [5, 51, 113], [26, 56, 111], [39, 62, 110], [50, 67, 109], [59, 73, 108],
  [67, 78, 108], [75, 84, 108], [83, 90, 109], [90, 95, 110], [97, 101, 111], [104, 106, 113], [111, 112, 115],
  [118, 118, 118], [125, 124, 120], [131, 129, 121], [139, 135, 120], [146, 141, 120], [154, 147, 118],
  [162, 153, 117], [170, 160, 115], [179, 166, 112], [187, 173, 109], [195, 179, 105], [204, 186, 100],
  [212, 193, 95], [221, 200, 88], [230, 208, 81], [239, 215, 72], [248, 223, 60], [254, 232, 56],
];

const INFERNO: Table = [
  [0, 0, 4], [4, 3, 18], [11, 7, 36], [21, 11, 55], [33, 12, 74], [47, 10, 91], [61, 9, 101], [74, 12, 107],
  [87, 16, 110], [100, 21, 110], [113, 25, 110], [125, 30, 109], [138, 34, 106], [151, 39, 102], [163, 44, 97],
  [176, 49, 91], [188, 55, 84], [198, 61, 77], [208, 69, 69], [218, 78, 60], [227, 89, 51], [235, 100, 41],
  [241, 113, 31], [246, 126, 20], [249, 140, 10], [251, 155, 6], [252, 170, 15], [251, 186, 31], [249, 201, 50],
  [245, 217, 73], [242, 232, 101], [243, 245, 134], [252, 255, 164],
];

/** Cool-warm from t = −1 (blue) through 0 (neutral) to t = +1 (red). */
const COOL_WARM: Table = [
  [59, 76, 192], [78, 104, 215], [98, 130, 234], [119, 154, 247], [141, 176, 254], [163, 194, 254], [184, 208, 249],
  [204, 217, 238], [221, 221, 221], [236, 211, 198], [245, 196, 173], [247, 177, 148], [244, 154, 123], [236, 127, 99],
  [222, 97, 76], [203, 62, 56], [180, 4, 38],
];

/** Linear interpolation in a table of evenly spaced anchors; u in [0, 1] (clamped, NaN → 0). */
function sample(table: Table, u: number): Rgb {
  const x = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) * (table.length - 1) : 0;
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i];
  const b = table[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/**
 * The color at t, channels 0–255 (not rounded).
 * Convention: the sequential maps (viridis, cividis, inferno, grayscale) take t in [0, 1]; 'diverging' takes
 * t in [−1, 1] with 0 the neutral middle, −1 full blue (negative) and +1 full red (positive).
 * Values outside the range are clamped; NaN gives the map's starting color (the middle for 'diverging').
 */
export function colormap(name: ImageColormap, t: number): Rgb {
  switch (name) {
    case 'viridis':
      return sample(VIRIDIS, t);
    case 'cividis':
      return sample(CIVIDIS, t);
    case 'inferno':
      return sample(INFERNO, t);
    case 'diverging':
      return sample(COOL_WARM, Number.isFinite(t) ? (t + 1) / 2 : 0.5);
    case 'grayscale': {
      const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) * 255 : 0;
      return [v, v, v];
    }
  }
}

/** A lookup table of `size` RGB triples (rounded) of a map over [from, to], for fast per-pixel coloring. */
export function colormapLut(name: ImageColormap, from: number, to: number, size = 256): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(size * 3);
  for (let i = 0; i < size; i++) {
    const [r, g, b] = colormap(name, from + ((to - from) * i) / (size - 1));
    lut[i * 3] = Math.round(r);
    lut[i * 3 + 1] = Math.round(g);
    lut[i * 3 + 2] = Math.round(b);
  }
  return lut;
}

/** CSS color of a map at t, e.g. 'rgb(68, 1, 84)'. */
export function cssColor(name: ImageColormap, t: number): string {
  const [r, g, b] = colormap(name, t);
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

/**
 * A colorbar as a CSS gradient running left to right from t = from to t = to (e.g. 0 → 1, or −1 → 1 for the
 * diverging map), with `stops` evenly spaced color stops. Set it through the CSSOM (el.style.backgroundImage).
 */
export function colorbarGradient(name: ImageColormap, from: number, to: number, stops = 17): string {
  const n = Math.max(2, Math.floor(stops));
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = i / (n - 1);
    parts.push(`${cssColor(name, from + (to - from) * f)} ${(f * 100).toFixed(2)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/** Relative luminance (WCAG / sRGB) of a color with channels 0–255, in [0, 1]. */
export function relativeLuminance([r, g, b]: Rgb): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
