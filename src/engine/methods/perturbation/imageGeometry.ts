// Where pixels and channels are in an image-shaped input, for methods that work on pixels (CAM, RISE, Sobol,
// superpixels, extremal perturbation). The layout comes from the image input (options.layout) or is inferred from
// the input shape: [H, W, C] or [C, H, W] with C = 1 or 3 (channels last first), or [H, W] with layout 'HW'.
import type { MethodOptions } from '../../../shared/types';
import { invalidOption } from '../options';

export type PixelLayout = NonNullable<MethodOptions['layout']>;

export interface ImageGeometry {
  layout: PixelLayout;
  height: number;
  width: number;
  channels: number;
  /** Flat index of pixel (y, x), channel c. */
  index(y: number, x: number, c: number): number;
}

const LAYOUTS: readonly PixelLayout[] = ['NHWC', 'NCHW', 'HW'];

function inferLayout(shape: number[]): PixelLayout | undefined {
  if (shape.length !== 3) return undefined;
  if (shape[2] === 1 || shape[2] === 3) return 'NHWC';
  if (shape[0] === 1 || shape[0] === 3) return 'NCHW';
  return undefined;
}

/** The layout to use, or undefined when the input does not look like an image (and none was given). */
export function pixelLayout(inputShape: number[], layout: unknown): PixelLayout | undefined {
  if (layout === undefined || layout === null) return inferLayout(inputShape);
  if (typeof layout !== 'string' || !(LAYOUTS as readonly string[]).includes(layout)) {
    throw invalidOption('layout', `must be one of ${LAYOUTS.join(', ')}`, layout);
  }
  const rank = layout === 'HW' ? 2 : 3;
  if (inputShape.length !== rank) throw invalidOption('layout', `${layout} needs a ${rank}-D input, but the model takes [${inputShape}]`, layout);
  return layout as PixelLayout;
}

/** Geometry of a layout over a shape; `what` names the method in the error when the input is not an image. */
export function imageGeometry(inputShape: number[], layout: unknown, what: string): ImageGeometry {
  const resolved = pixelLayout(inputShape, layout);
  if (!resolved) {
    throw invalidOption('layout', `is needed: ${what} works on images ([H, W, C] or [C, H, W] with 1 or 3 channels, or [H, W]) and the model takes [${inputShape}]`, layout);
  }
  return geometryOf(inputShape, resolved);
}

export function geometryOf(shape: number[], layout: PixelLayout): ImageGeometry {
  if (layout === 'HW') {
    const [H, W] = shape;
    return { layout, height: H, width: W, channels: 1, index: (y, x) => y * W + x };
  }
  if (layout === 'NHWC') {
    const [H, W, C] = shape;
    return { layout, height: H, width: W, channels: C, index: (y, x, c) => (y * W + x) * C + c };
  }
  const [C, H, W] = shape;
  return { layout, height: H, width: W, channels: C, index: (y, x, c) => (c * H + y) * W + x };
}

/** A per-pixel map [H·W] written to every channel of its pixel (Captum's convention for spatial attributions). */
export function spreadOverChannels(map: ArrayLike<number>, g: ImageGeometry): Float64Array {
  const out = new Float64Array(g.height * g.width * g.channels);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const v = map[y * g.width + x];
      for (let c = 0; c < g.channels; c++) out[g.index(y, x, c)] = v;
    }
  }
  return out;
}

/** x̃ = baseline + m ⊙ (x − baseline) with one mask value per pixel (m = 1 keeps the pixel). */
export function blendPixels(x: ArrayLike<number>, fill: ArrayLike<number>, mask: ArrayLike<number>, g: ImageGeometry, out: Float32Array): void {
  for (let y = 0; y < g.height; y++) {
    for (let px = 0; px < g.width; px++) {
      const m = mask[y * g.width + px];
      for (let c = 0; c < g.channels; c++) {
        const i = g.index(y, px, c);
        out[i] = fill[i] + m * (x[i] - fill[i]);
      }
    }
  }
}
