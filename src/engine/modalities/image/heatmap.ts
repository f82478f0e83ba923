// PNG files for people: the heatmap of a per-pixel map blended over the image the model saw (CLI --out x.png),
// and the model-sized image itself (carried in the explanation for the panel's overlay).
import { PNG } from 'pngjs';
import type { ImageExplanation } from '../../../shared/types';

/** matplotlib's viridis at ten evenly spaced points (perceptually uniform, colorblind-safe) for maps ≥ 0. */
const VIRIDIS = ['440154', '482878', '3e4989', '31688e', '26828e', '1f9e89', '35b779', '6ece58', 'b5de2b', 'fde725'];
/** A blue–white–red diverging ramp (after Moreland's cool-warm) for signed maps: negative blue, positive red. */
const DIVERGING = ['3b4cc0', '7396f5', 'b0cbfc', 'dddddd', 'f6bfa6', 'ea7b60', 'b40426'];

const rgbOf = (hex: string) => [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
const VIRIDIS_RGB = VIRIDIS.map(rgbOf);
const DIVERGING_RGB = DIVERGING.map(rgbOf);

function ramp(colors: number[][], t: number): number[] {
  const x = Math.min(1, Math.max(0, t)) * (colors.length - 1);
  const i = Math.min(colors.length - 2, Math.floor(x));
  const f = x - i;
  return colors[i].map((c, k) => c + f * (colors[i + 1][k] - c));
}

/** The q-quantile of |values| (outlier clipping: a few extreme pixels must not wash out the rest). */
function quantileAbs(values: ArrayLike<number>, q: number): number {
  const abs = Float64Array.from(values, Math.abs).sort();
  return abs.length ? abs[Math.min(abs.length - 1, Math.floor(q * (abs.length - 1)))] : 0;
}

export function encodePng(rgba: Uint8Array, width: number, height: number, colorType: 2 | 6 = 6): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

/** RGB bytes [H][W][3] as a PNG. */
export function rgbToPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return encodePng(rgba, width, height, 2);
}

export interface HeatmapOptions {
  /** Largest opacity of the overlay (where |value| reaches the clipping level). */
  opacity?: number;
  /** Quantile of |value| that maps to full color. */
  clip?: number;
  /** Smallest output side; the image is enlarged by a whole factor (nearest neighbour) to reach it. */
  minSide?: number;
}

/**
 * The map's colors blended over the image (in gray): viridis for maps without negative values, blue–white–red for
 * signed ones; opacity grows with |value| so that unimportant pixels show the image.
 */
export function heatmapPng(map: ArrayLike<number>, rgb: Uint8Array, width: number, height: number, options: HeatmapOptions = {}): Uint8Array {
  const opacity = options.opacity ?? 0.85;
  let min = Infinity;
  for (let i = 0; i < map.length; i++) min = Math.min(min, map[i]);
  const signed = min < 0;
  const level = quantileAbs(map, options.clip ?? 0.99) || 1;
  const k = Math.max(1, Math.floor((options.minSide ?? 256) / Math.min(width, height)));
  const W = width * k;
  const H = height * k;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = map[y * width + x];
      const t = Math.min(1, Math.abs(v) / level);
      const color = signed ? ramp(DIVERGING_RGB, 0.5 + 0.5 * Math.sign(v) * t) : ramp(VIRIDIS_RGB, t);
      const a = opacity * t;
      const p = (y * width + x) * 3;
      // The image underneath is shown gray and at reduced contrast, so its own colors do not compete with the map's.
      const gray = 90 + 0.4 * (0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2]);
      const blended = [0, 1, 2].map((c) => Math.round((1 - a) * gray + a * color[c]));
      for (let dy = 0; dy < k; dy++) {
        for (let dx = 0; dx < k; dx++) {
          const q = ((y * k + dy) * W + x * k + dx) * 4;
          out[q] = blended[0];
          out[q + 1] = blended[1];
          out[q + 2] = blended[2];
          out[q + 3] = 255;
        }
      }
    }
  }
  return encodePng(out, W, H, 6);
}

/** The heatmap of an explanation's pixel map over its preview image. */
export function explanationHeatmapPng(image: ImageExplanation, options: HeatmapOptions = {}): Uint8Array {
  const preview = PNG.sync.read(Buffer.from(image.preview.base64, 'base64'));
  const rgb = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) rgb.set(preview.data.subarray(p * 4, p * 4 + 3), p * 3);
  return heatmapPng(image.pixelMap.values, rgb, image.width, image.height, options);
}
