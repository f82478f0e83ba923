// Image files as model inputs: read (size-checked), decoded, preprocessed per the manifest's `image` section (or
// what the model's input shape implies), and the pieces an explanation needs to be drawn over the image.
import { readFileSync, statSync } from 'node:fs';
import type { ImageExplanation } from '../../../shared/types';
import { EngineError } from '../../errors';
import { readLensManifest } from '../../models/manifest';
import { decodeImage } from './decode';
import type { ImageHeader } from './imageHeader';
import { resolveImageSpec, type ImageSpec } from './imageSpec';
import { pixelMap } from './pixelMap';
import { rgbToPng } from './heatmap';
import { toModelInput } from './preprocess';

/** Compressed files larger than this are refused before reading. */
export const MAX_IMAGE_FILE_BYTES = 256 * 2 ** 20;

export interface PreparedImage {
  values: Float32Array;
  shape: number[];
  spec: ImageSpec;
  /** RGB bytes [H][W][3] of the image as the model saw it. */
  rgb: Uint8Array;
  header: ImageHeader;
  notes: string[];
  source: string;
}

export function readImageBytes(path: string): Uint8Array {
  let size: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new EngineError('INPUT_INVALID', 'image input is not a file', path);
    size = info.size;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError('INPUT_INVALID', 'image file not found', path);
  }
  if (size > MAX_IMAGE_FILE_BYTES) {
    throw new EngineError('INPUT_INVALID', `image file is too large (${(size / 2 ** 20).toFixed(0)} MB; limit ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MB)`, path);
  }
  return new Uint8Array(readFileSync(path));
}

/** The image at `path` as input for a model taking `inputShape`, preprocessed per the manifest beside `modelPath`. */
export async function prepareImageFile(path: string, inputShape: number[], modelPath: string): Promise<PreparedImage> {
  const manifest = await readLensManifest(modelPath);
  // Model-side problems (an input that is no image, a manifest that contradicts the model) come before the file's.
  const { spec, notes: assumptions } = resolveImageSpec(inputShape, manifest?.image, manifest?.image ? manifest.path : undefined, modelPath);
  const decoded = decodeImage(readImageBytes(path), path);
  const input = toModelInput(decoded, spec);
  return { values: input.values, shape: input.shape, spec, rgb: input.rgb, header: decoded.header, notes: [...assumptions, ...input.notes], source: path };
}

/** The image part of an explanation: per-pixel map of the attributions and the preview to draw it on. */
export function imageExplanation(image: PreparedImage, attributions: ArrayLike<number>): ImageExplanation {
  const { spec } = image;
  const channels = spec.channels === 'L' ? 1 : 3;
  const { map, reduction } = pixelMap(attributions, { layout: spec.layout, height: spec.height, width: spec.width, channels });
  return {
    width: spec.width,
    height: spec.height,
    layout: spec.layout,
    channels: spec.channels,
    pixelMap: { shape: [spec.height, spec.width], values: Array.from(map) },
    channelReduction: reduction,
    preview: { mime: 'image/png', base64: Buffer.from(rgbToPng(image.rgb, spec.width, spec.height)).toString('base64') },
    original: { format: image.header.format, width: image.header.width, height: image.header.height, detail: image.header.detail },
  };
}
