// Decoded pixels → the model's input: resize (stretch or center-crop), channel order or grayscale, scale, mean/std,
// layout. Also returns the resized RGB image itself, which views overlay the attributions on.
import type { DecodedImage } from './decode';
import type { ImageSpec } from './imageSpec';
import { resampleRgb, sourceWindow } from './resample';

export interface ModelImage {
  /** Flat values in the model's layout (without the batch dimension). */
  values: Float32Array;
  shape: number[];
  /** The resized image as the model sees it before scaling: RGB bytes [H][W][3] (gray replicated for L models). */
  rgb: Uint8Array;
  notes: string[];
}

/** ITU-R BT.601 luma, as PIL's convert('L'). */
const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

export function shapeOf(spec: ImageSpec): number[] {
  const c = spec.channels === 'L' ? 1 : 3;
  if (spec.layout === 'HW') return [spec.height, spec.width];
  return spec.layout === 'NHWC' ? [spec.height, spec.width, c] : [c, spec.height, spec.width];
}

/** Flat index of (y, x, channel c) in the model's layout. */
export function layoutIndex(spec: Pick<ImageSpec, 'layout' | 'height' | 'width'>, channels: number): (y: number, x: number, c: number) => number {
  const { height: H, width: W } = spec;
  if (spec.layout === 'NCHW') return (y, x, c) => (c * H + y) * W + x;
  return (y, x, c) => (y * W + x) * channels + c;
}

export function toModelInput(image: DecodedImage, spec: ImageSpec): ModelImage {
  const { height: H, width: W } = spec;
  const window = sourceWindow(image.width, image.height, H, W, spec.resize);
  const rgb = resampleRgb(image.rgba, image.width, image.height, image.maxValue, window, H, W);
  const notes = [...image.notes];
  if (image.width !== W || image.height !== H) {
    notes.push(`resized from ${image.width}×${image.height} to ${W}×${H} (${spec.resize}, bilinear)`);
  }
  if (image.translucent) notes.push('the alpha channel is ignored (transparent pixels keep their stored color)');
  const gray = image.header.channels <= 2;
  if (gray && spec.channels !== 'L') notes.push('grayscale image: the gray value is used for all three channels');
  if (!gray && spec.channels === 'L') notes.push('color image converted to grayscale (ITU-R 601 luma)');

  const channels = spec.channels === 'L' ? 1 : 3;
  const values = new Float32Array(H * W * channels);
  const preview = new Uint8Array(H * W * 3);
  const at = layoutIndex(spec, channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      const r = rgb[p];
      const g = rgb[p + 1];
      const b = rgb[p + 2];
      const pixel = spec.channels === 'L' ? [luma(r, g, b)] : spec.channels === 'BGR' ? [b, g, r] : [r, g, b];
      for (let c = 0; c < channels; c++) values[at(y, x, c)] = (pixel[c] / spec.scale - spec.mean[c]) / spec.std[c];
      const shown = spec.channels === 'L' ? [pixel[0], pixel[0], pixel[0]] : [r, g, b];
      for (let c = 0; c < 3; c++) preview[p + c] = Math.max(0, Math.min(255, Math.round(shown[c])));
    }
  }
  return { values, shape: shapeOf(spec), rgb: preview, notes };
}
