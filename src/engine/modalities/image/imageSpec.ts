// How an image becomes the model's input: the manifest's `image` section, validated, or (without one) what the
// model's input shape implies, with every assumption written down for the explanation's notes.
import { EngineError } from '../../errors';

export type ImageLayout = 'NHWC' | 'NCHW' | 'HW';
export type ImageChannels = 'RGB' | 'BGR' | 'L';
export type ResizeMode = 'stretch' | 'center-crop';

/** The manifest's `image` section as written (all fields optional). */
export interface ImageManifestSection {
  size?: [number, number];
  layout?: 'NHWC' | 'NCHW';
  channels?: ImageChannels;
  scale?: number;
  mean?: number | number[];
  std?: number | number[];
  resize?: ResizeMode;
}

/** Everything needed to turn decoded pixels into the model's input. */
export interface ImageSpec {
  height: number;
  width: number;
  layout: ImageLayout;
  channels: ImageChannels;
  /** Pixel values (0–255) are divided by it. */
  scale: number;
  /** Per model channel, applied after scaling: (v / scale − mean) / std. */
  mean: number[];
  std: number[];
  resize: ResizeMode;
}

export const DEFAULT_SCALE = 255;

const LAYOUTS = ['NHWC', 'NCHW'] as const;
const CHANNELS = ['RGB', 'BGR', 'L'] as const;
const RESIZES = ['stretch', 'center-crop'] as const;

function bad(field: string, problem: string, file: string): EngineError {
  return new EngineError('MODEL_INVALID', `image.${field} ${problem}`, file);
}

function perChannel(value: unknown, field: string, file: string): number | number[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw bad(field, 'must be a number or a list of numbers (one per channel)', file);
  }
  if (field === 'std' && list.some((v) => v === 0)) throw bad(field, 'must not contain 0', file);
  return value as number | number[];
}

/** Validates the manifest's `image` section (field types and values; consistency with the model comes later). */
export function parseImageSection(value: unknown, file: string): ImageManifestSection | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('', 'must be an object', file);
  const v = value as Record<string, unknown>;
  const known = new Set(['size', 'layout', 'channels', 'scale', 'mean', 'std', 'resize']);
  const unknown = Object.keys(v).filter((k) => !known.has(k));
  if (unknown.length) throw bad(unknown[0], `is not a known field (known: ${[...known].join(', ')})`, file);
  const out: ImageManifestSection = {};
  if (v.size !== undefined) {
    if (!Array.isArray(v.size) || v.size.length !== 2 || !v.size.every((d) => Number.isInteger(d) && d > 0)) {
      throw bad('size', 'must be [height, width] in pixels', file);
    }
    out.size = [v.size[0], v.size[1]];
  }
  const choice = <T extends string>(field: string, choices: readonly T[]): T | undefined => {
    const c = v[field];
    if (c === undefined) return undefined;
    if (typeof c !== 'string' || !(choices as readonly string[]).includes(c)) throw bad(field, `must be one of ${choices.join(', ')}`, file);
    return c as T;
  };
  out.layout = choice('layout', LAYOUTS);
  out.channels = choice('channels', CHANNELS);
  out.resize = choice('resize', RESIZES);
  if (v.scale !== undefined) {
    if (typeof v.scale !== 'number' || !Number.isFinite(v.scale) || v.scale <= 0) throw bad('scale', 'must be a positive number (e.g. 255)', file);
    out.scale = v.scale;
  }
  out.mean = perChannel(v.mean, 'mean', file);
  out.std = perChannel(v.std, 'std', file);
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined)) as ImageManifestSection;
}

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Layout of a model input shape: channels last or first, judged by which end holds 1 or 3 values. */
function inferLayout(shape: number[]): { layout: ImageLayout; why: string } | undefined {
  if (shape.length === 2) return { layout: 'HW', why: 'a 2-D input is one grayscale channel' };
  if (shape.length !== 3) return undefined;
  const isChannel = (d: number) => d === 1 || d === 3;
  if (isChannel(shape[2])) return { layout: 'NHWC', why: `the last dimension (${shape[2]}) looks like channels` };
  if (isChannel(shape[0])) return { layout: 'NCHW', why: `the first dimension (${shape[0]}) looks like channels` };
  return undefined;
}

function geometry(shape: number[], layout: ImageLayout): { height: number; width: number; channels: number } {
  if (layout === 'HW') return { height: shape[0], width: shape[1], channels: 1 };
  if (layout === 'NHWC') return { height: shape[0], width: shape[1], channels: shape[2] };
  return { height: shape[1], width: shape[2], channels: shape[0] };
}

function expand(value: number | number[] | undefined, count: number, fallback: number, field: string, file: string): number[] {
  if (value === undefined) return new Array<number>(count).fill(fallback);
  const list = typeof value === 'number' ? [value] : value;
  if (list.length === 1) return new Array<number>(count).fill(list[0]);
  if (list.length !== count) throw bad(field, `has ${list.length} values but the model takes ${count} channel${count > 1 ? 's' : ''}`, file);
  return list;
}

/**
 * The spec for a model input shape (without the batch). `section` comes from the manifest at `manifestPath`;
 * without it, defaults are inferred and listed in `notes`.
 */
export function resolveImageSpec(
  inputShape: number[],
  section: ImageManifestSection | undefined,
  manifestPath: string | undefined,
  modelPath: string,
): { spec: ImageSpec; notes: string[] } {
  const notes: string[] = [];
  const where = manifestPath ?? modelPath;
  let layout: ImageLayout;
  if (section?.layout) {
    if (inputShape.length !== 3) {
      throw new EngineError('MODEL_INVALID', `image.layout ${section.layout} needs a 3-D model input, but the model takes ${show(inputShape)}`, where);
    }
    layout = section.layout;
  } else {
    const inferred = inferLayout(inputShape);
    if (!inferred) {
      throw new EngineError(
        'INPUT_INVALID',
        `the model's input ${show(inputShape)} is not an image shape ([H, W, C] or [C, H, W] with C = 1 or 3, or [H, W]); ` +
          (inputShape.length === 3 ? `set "image": {"layout": …} in the model's .lens.json if it is one` : 'an image cannot be fed to it'),
        modelPath,
      );
    }
    layout = inferred.layout;
    notes.push(`layout ${layout} assumed: ${inferred.why}`);
  }
  const { height, width, channels: channelCount } = geometry(inputShape, layout);
  if (channelCount !== 1 && channelCount !== 3) {
    throw new EngineError(
      'INPUT_INVALID',
      `the model's input ${show(inputShape)} (${layout}) has ${channelCount} channels; images give 1 (L) or 3 (RGB/BGR)`,
      modelPath,
    );
  }
  if (section?.size && (section.size[0] !== height || section.size[1] !== width)) {
    throw new EngineError('MODEL_INVALID', `image.size ${show(section.size)} does not match the model's input ${show(inputShape)} (${layout})`, where);
  }
  let channels: ImageChannels;
  if (section?.channels) {
    channels = section.channels;
    const needs = channels === 'L' ? 1 : 3;
    if (needs !== channelCount) {
      throw new EngineError('MODEL_INVALID', `image.channels ${channels} gives ${needs} channel${needs > 1 ? 's' : ''} but the model's input ${show(inputShape)} has ${channelCount}`, where);
    }
  } else {
    channels = channelCount === 1 ? 'L' : 'RGB';
    notes.push(`channels ${channels} assumed (${channelCount} input channel${channelCount > 1 ? 's' : ''})`);
  }
  if (!section) {
    notes.push(`no "image" section in the model's .lens.json: size ${height}×${width} from the model, pixels scaled to [0, 1] (÷${DEFAULT_SCALE}), no mean/std, resize by stretching`);
  }
  const count = channelCount;
  return {
    spec: {
      height,
      width,
      layout,
      channels,
      scale: section?.scale ?? DEFAULT_SCALE,
      mean: expand(section?.mean, count, 0, 'mean', where),
      std: expand(section?.std, count, 1, 'std', where),
      resize: section?.resize ?? 'stretch',
    },
    notes,
  };
}
