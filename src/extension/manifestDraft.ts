// The Lens manifest that "Configure Model…" writes: defaults proposed from what the model declares (input names,
// shapes, output size) and the files beside it, and the manifest object built from the user's answers, with the
// problems the engine would report found before the file is written. vscode-free (see schemas/lens.schema.json).
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import type { ImageManifestSection } from '../engine/modalities/image/imageSpec';
import { INPUT_ROLES, type Modality, type TextInputNames } from '../engine/modalities/text/textManifest';
import type { ModelSummary, TensorInfo } from '../shared/types';

export type { Modality };
export type ManifestStyle = 'per-model' | 'folder';
export type ImageAnswers = ImageManifestSection;
export type InputRoleName = (typeof INPUT_ROLES)[number];

/** What the user decided; everything but the modality is optional. */
export interface ManifestAnswers {
  modality: Modality;
  labels?: string[];
  featureNames?: string[];
  /** Input shape without the batch, for models with dynamic dimensions (image models: derived from the size). */
  inputShape?: number[];
  /** Text: tokenizer or vocabulary file (absolute, or relative to the model's folder). */
  tokenizer?: string;
  /** Text models with several inputs: model input name per role. */
  inputs?: TextInputNames;
  maxLength?: number;
  baseline?: 'pad' | 'mask';
  image?: ImageAnswers;
}

export interface ProposedDefaults {
  answers: ManifestAnswers;
  /** 'class 0' … 'class K−1' for a model with K outputs: offered, but only used when the user accepts it. */
  labelPlaceholders?: string[];
  /** Tokenizer files found beside the model, best first (file names). */
  tokenizerFiles: string[];
  /** Why each default was chosen, for the confirmation step. */
  notes: string[];
}

/** The manifest as written to disk (the fields the engine reads; see schemas/lens.schema.json). */
export interface ManifestObject {
  modality: Modality;
  labels?: string[];
  featureNames?: string[];
  inputShape?: number[];
  tokenizer?: string;
  inputs?: TextInputNames;
  maxLength?: number;
  baseline?: 'pad' | 'mask';
  image?: ImageManifestSection;
}

/** Where the manifest goes: `<model>.lens.json` beside the model (read first), or the folder's `lens.json`. */
export function manifestPathFor(modelPath: string, style: ManifestStyle): string {
  const dir = dirname(modelPath);
  if (style === 'folder') return join(dir, 'lens.json');
  const base = basename(modelPath);
  return join(dir, `${base.slice(0, base.length - extname(base).length) || base}.lens.json`);
}

/** Tokenizer files in the order the engine prefers them beside a model. */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json'];

/** Input names each role goes by in exported models, as the engine infers them (packedInputs.ts), case-insensitive. */
const ROLE_NAMES: Record<InputRoleName, readonly string[]> = {
  ids: ['input_ids', 'ids', 'input_word_ids', 'token_ids', 'tokens', 'input'],
  mask: ['attention_mask', 'input_mask', 'mask'],
  typeIds: ['token_type_ids', 'input_type_ids', 'segment_ids', 'type_ids'],
  positions: ['position_ids', 'positions'],
};

/** Role of a text input by its name (input_ids, attention_mask, token_type_ids, position_ids and common aliases). */
export function roleOf(inputName: string): InputRoleName | undefined {
  const key = inputName.toLowerCase().replace(/:\d+$/, '');
  return INPUT_ROLES.find((r) => ROLE_NAMES[r].includes(key));
}

/** Role per model input for a multi-input text model; undefined roles are left for the user. */
export function proposeInputRoles(inputs: readonly TensorInfo[]): TextInputNames {
  const names: TextInputNames = {};
  for (const input of inputs) {
    const role = roleOf(input.name);
    if (role && names[role] === undefined) names[role] = input.name;
  }
  return names;
}

const isChannelCount = (d: number | null) => d === 1 || d === 3;

/** Layout, size and channels of an image input shape [N, H, W, C] or [N, C, H, W] (null dimensions left open). */
export function imageGeometry(shape: readonly (number | null)[]): { layout: 'NHWC' | 'NCHW'; size?: [number, number]; channelCount: number } | undefined {
  if (shape.length !== 4) return undefined;
  const [, a, b, c] = shape;
  const size = (h: number | null, w: number | null): [number, number] | undefined => (h !== null && w !== null && h > 0 && w > 0 ? [h, w] : undefined);
  // Channels last wins a tie, as the engine's own inference (imageSpec.ts) does.
  if (isChannelCount(c)) return { layout: 'NHWC', size: size(a, b), channelCount: c as number };
  if (isChannelCount(a)) return { layout: 'NCHW', size: size(b, c), channelCount: a as number };
  return undefined;
}

const isInteger = (dtype: string) => /int|bool/i.test(dtype);

function guessModality(summary: ModelSummary, tokenizerFiles: string[]): { modality: Modality; why: string } {
  const input = summary.inputs[0];
  const shape = input?.shape ?? [];
  if (summary.inputs.some((i) => roleOf(i.name) !== undefined) && (summary.inputs.length > 1 || isInteger(input.dtype) || tokenizerFiles.length)) {
    return { modality: 'text', why: `the model's inputs (${summary.inputs.map((i) => i.name).join(', ')}) are token inputs` };
  }
  if (tokenizerFiles.length && shape.length === 2) return { modality: 'text', why: `${tokenizerFiles[0]} is beside the model` };
  if (imageGeometry(shape)) return { modality: 'image', why: `the input shape [${shape.map(String).join(', ')}] is an image batch` };
  if (shape.length === 2 && input && isInteger(input.dtype)) return { modality: 'text', why: 'the model takes a sequence of integer ids' };
  if (shape.length === 3) return { modality: 'timeseries', why: `the input shape [${shape.map(String).join(', ')}] is a batch of sequences` };
  return { modality: 'tabular', why: 'the model takes one row of features' };
}

/** Number of scores in the model's first output (its last dimension), when known. */
export function outputCount(summary: ModelSummary): number | undefined {
  const shape = summary.outputs[0]?.shape;
  const last = shape?.[shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/**
 * Defaults for every question, from the model's summary and the names of the files in its folder (base names or
 * paths). `modality` overrides the guessed modality (the user chose another one); the rest follows it.
 */
export function proposeDefaults(summary: ModelSummary, folderFiles: string[], modalityChoice?: Modality): ProposedDefaults {
  const names = new Set(folderFiles.map((f) => basename(f)));
  const tokenizerFiles = TOKENIZER_FILES.filter((f) => names.has(f));
  const notes: string[] = [];
  const guess = guessModality(summary, tokenizerFiles);
  const modality = modalityChoice ?? guess.modality;
  notes.push(modalityChoice && modalityChoice !== guess.modality ? `modality ${modality}: chosen` : `modality ${modality}: ${guess.why}`);
  const answers: ManifestAnswers = { modality };
  const k = outputCount(summary);
  const labelPlaceholders = k !== undefined && k > 1 ? Array.from({ length: k }, (_, i) => `class ${i}`) : undefined;
  const shape = summary.inputs[0]?.shape ?? [];

  if (modality === 'text') {
    if (tokenizerFiles.length) {
      answers.tokenizer = tokenizerFiles[0];
      notes.push(`tokenizer ${tokenizerFiles[0]} found beside the model`);
    }
    if (summary.inputs.length > 1) {
      answers.inputs = proposeInputRoles(summary.inputs);
      const named = Object.entries(answers.inputs).map(([role, name]) => `${role} = ${name}`);
      notes.push(`input roles from the input names: ${named.join(', ') || 'none recognised'}`);
    }
    const length = shape[1];
    if (typeof length === 'number' && length > 0) {
      answers.maxLength = length;
      notes.push(`maxLength ${length}: the model's sequence length`);
    }
    answers.baseline = 'pad';
  } else if (modality === 'image') {
    const g = imageGeometry(shape);
    if (g) {
      answers.image = {
        ...(g.size ? { size: g.size } : {}),
        layout: g.layout,
        channels: g.channelCount === 1 ? 'L' : 'RGB',
        scale: 255,
        resize: 'stretch',
      };
      notes.push(`layout ${g.layout}${g.size ? `, size ${g.size[0]}×${g.size[1]}` : ''}, ${g.channelCount} channel${g.channelCount > 1 ? 's' : ''}: from the input shape [${shape.map(String).join(', ')}]`);
    }
  }
  return { answers, ...(labelPlaceholders ? { labelPlaceholders } : {}), tokenizerFiles, notes };
}

/** Image presets offered by the command; `size` undefined keeps the model's own size. */
export interface ImagePreset {
  id: string;
  label: string;
  detail: string;
  section: Omit<ImageManifestSection, 'layout' | 'channels'> & { channels?: ImageManifestSection['channels'] };
}

export const IMAGE_PRESETS: readonly ImagePreset[] = [
  {
    id: 'imagenet',
    label: 'ImageNet: 224×224 RGB, mean/std',
    detail: 'pixels ÷ 255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], center crop (torchvision, most ONNX classifiers)',
    section: { size: [224, 224], channels: 'RGB', scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'center-crop' },
  },
  {
    id: 'unit',
    label: 'Pixels in [0, 1]',
    detail: 'pixels ÷ 255, no mean/std, stretched to the model size (most Keras/TF.js models)',
    section: { scale: 255, resize: 'stretch' },
  },
  {
    id: 'symmetric',
    label: 'Pixels in [−1, 1]',
    detail: 'pixels ÷ 255, mean 0.5, std 0.5 (MobileNet / Inception preprocessing)',
    section: { scale: 255, mean: 0.5, std: 0.5, resize: 'stretch' },
  },
  {
    id: 'raw',
    label: 'Raw pixels 0–255',
    detail: 'no scaling (models that normalise inside the graph)',
    section: { scale: 1, resize: 'stretch' },
  },
];

/** The proposed image section with a preset's normalisation applied (layout, channel count from the model). */
export function applyImagePreset(proposed: ImageManifestSection | undefined, preset: ImagePreset): ImageManifestSection {
  const merged: ImageManifestSection = { ...(proposed ?? {}), ...preset.section };
  // A grayscale model keeps one channel: a 3-value mean/std would not fit it.
  if (proposed?.channels === 'L') {
    merged.channels = 'L';
    if (Array.isArray(merged.mean)) merged.mean = merged.mean[0];
    if (Array.isArray(merged.std)) merged.std = merged.std[0];
  }
  if (proposed?.size && !preset.section.size) merged.size = proposed.size;
  return merged;
}

/** Labels typed as "a, b, c" (commas inside a label are not supported); blanks dropped. */
export function parseLabelList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The image input shape (without the batch) the answers give, when the model's own has dynamic dimensions. */
function imageInputShape(summary: ModelSummary, image: ImageManifestSection | undefined): number[] | undefined {
  const shape = summary.inputs[0]?.shape;
  if (!shape || shape.slice(1).every((d) => d !== null) || !image?.size || !image.layout) return undefined;
  const g = imageGeometry(shape);
  const channels = g?.channelCount ?? (image.channels === 'L' ? 1 : 3);
  const [h, w] = image.size;
  return image.layout === 'NHWC' ? [h, w, channels] : [channels, h, w];
}

/**
 * What the engine would refuse in these answers for this model (label and feature counts, input roles, image size
 * against the model's input). Empty when the manifest is consistent.
 */
export function checkAnswers(summary: ModelSummary, answers: ManifestAnswers): string[] {
  const problems: string[] = [];
  const k = outputCount(summary);
  if (answers.labels && k !== undefined && answers.labels.length !== k) {
    problems.push(`${answers.labels.length} labels but the model has ${k} outputs`);
  }
  const declared = summary.inputs[0]?.shape.slice(1) ?? [];
  if (answers.featureNames && declared.every((d) => d !== null)) {
    const size = product(declared as number[]);
    if (answers.featureNames.length !== size) problems.push(`${answers.featureNames.length} feature names but the model input has ${size} values`);
  }
  if (answers.modality === 'text' && summary.inputs.length > 1) {
    const roles = answers.inputs ?? {};
    const named = Object.values(roles).filter((n): n is string => typeof n === 'string');
    // The engine infers the role of an input the manifest leaves out from its name.
    for (const input of summary.inputs) {
      if (!named.includes(input.name) && roleOf(input.name) === undefined) problems.push(`model input '${input.name}' has no role (${INPUT_ROLES.join(', ')})`);
    }
    for (const name of named) {
      if (!summary.inputs.some((i) => i.name === name)) problems.push(`'${name}' is not an input of the model`);
    }
    if (new Set(named).size !== named.length) problems.push('two roles name the same model input');
    if (!roles.ids && !summary.inputs.some((i) => !named.includes(i.name) && roleOf(i.name) === 'ids')) problems.push('no input takes the token ids');
  }
  if (answers.modality === 'text' && answers.maxLength !== undefined && (!Number.isInteger(answers.maxLength) || answers.maxLength < 1)) {
    problems.push('maxLength must be a positive integer');
  }
  const first = summary.inputs[0]?.shape ?? [];
  if (answers.modality === 'text' && summary.inputs.length === 1 && first.length === 2 && first[1] === null && !answers.maxLength && !answers.inputShape) {
    problems.push("the model's sequence length is dynamic: give maxLength");
  }
  if (answers.modality === 'image' && answers.image) {
    const g = imageGeometry(summary.inputs[0]?.shape ?? []);
    const size = answers.image.size;
    if (g?.size && size && (g.size[0] !== size[0] || g.size[1] !== size[1])) {
      problems.push(`image size ${size[0]}×${size[1]} does not match the model's input ${g.size[0]}×${g.size[1]}`);
    }
    if (g && answers.image.layout && answers.image.layout !== g.layout) {
      problems.push(`layout ${answers.image.layout} does not fit the model's input [${summary.inputs[0].shape.map(String).join(', ')}] (${g.layout})`);
    }
    const channels = g?.channelCount;
    if (channels !== undefined) {
      if (answers.image.channels && (answers.image.channels === 'L' ? 1 : 3) !== channels) {
        problems.push(`channels ${answers.image.channels} but the model takes ${channels} channel${channels > 1 ? 's' : ''}`);
      }
      for (const field of ['mean', 'std'] as const) {
        const v = answers.image[field];
        if (Array.isArray(v) && v.length !== 1 && v.length !== channels) problems.push(`image ${field} has ${v.length} values but the model takes ${channels} channels`);
      }
    }
    if (g && !g.size && !size) problems.push("the model's image size is dynamic: choose a size");
  }
  return problems;
}

/** Path as written in the manifest: relative to the manifest's folder, with forward slashes. */
function manifestRelative(path: string, modelDir: string, manifestPath: string): string {
  const absolute = isAbsolute(path) ? path : join(modelDir, path);
  const rel = relative(dirname(manifestPath), absolute);
  return (rel === '' ? basename(absolute) : rel).split(sep).join('/');
}

/** The manifest object for the answers, with only the fields that apply to the modality. */
export function buildManifest(summary: ModelSummary, answers: ManifestAnswers, manifestPath: string): ManifestObject {
  const m: ManifestObject = { modality: answers.modality };
  if (answers.labels?.length) m.labels = [...answers.labels];
  if (answers.modality === 'tabular' && answers.featureNames?.length) m.featureNames = [...answers.featureNames];
  if (answers.inputShape?.length) m.inputShape = [...answers.inputShape];
  if (answers.modality === 'text') {
    if (answers.tokenizer) m.tokenizer = manifestRelative(answers.tokenizer, dirname(summary.path), manifestPath);
    if (answers.inputs && summary.inputs.length > 1) {
      const inputs: TextInputNames = {};
      for (const role of INPUT_ROLES) if (answers.inputs[role]) inputs[role] = answers.inputs[role];
      m.inputs = inputs;
    }
    if (answers.maxLength !== undefined) m.maxLength = answers.maxLength;
    if (answers.baseline) m.baseline = answers.baseline;
    // A single-input model with a dynamic sequence length is fed maxLength tokens.
    const shape = summary.inputs[0]?.shape;
    if (!m.inputShape && summary.inputs.length === 1 && shape?.length === 2 && shape[1] === null && answers.maxLength) m.inputShape = [answers.maxLength];
  }
  if (answers.modality === 'image' && answers.image) {
    const image: ImageManifestSection = {};
    const order = ['size', 'layout', 'channels', 'scale', 'mean', 'std', 'resize'] as const;
    for (const key of order) {
      const value = answers.image[key];
      if (value !== undefined) (image as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
    m.image = image;
    if (!m.inputShape) {
      const shape = imageInputShape(summary, image);
      if (shape) m.inputShape = shape;
    }
  }
  return m;
}

/** The file's text: 2-space JSON with short number lists on one line, and a final newline. */
export function manifestText(manifest: ManifestObject | Record<string, unknown>): string {
  const json = JSON.stringify(manifest, null, 2);
  return `${json.replace(/\[\s*((?:-?[\d.e+-]+,\s*)*-?[\d.e+-]+)\s*\]/g, (_, body: string) => `[${body.split(/,\s*/).join(', ')}]`)}\n`;
}

/** Fields this command decides; everything else in an existing manifest is the user's and is kept. */
const MANAGED = new Set(['modality', 'labels', 'featureNames', 'inputShape', 'tokenizer', 'inputs', 'maxLength', 'baseline', 'image']);
/** Text-only fields the command does not ask about: kept for text models, dropped when the modality changes. */
const TEXT_ONLY = new Set(['embeddingLayer', 'textField']);

/**
 * The new manifest with what an existing one holds that the command does not ask (embeddingLayer, textField for text
 * models, unknown fields), plus the names of the fields that are replaced or dropped, for the confirmation.
 */
export function mergeWithExisting(existing: unknown, built: ManifestObject): { manifest: Record<string, unknown>; kept: string[]; dropped: string[] } {
  const manifest: Record<string, unknown> = { ...built };
  const kept: string[] = [];
  const dropped: string[] = [];
  if (!existing || typeof existing !== 'object' || Array.isArray(existing)) return { manifest, kept, dropped };
  for (const [key, value] of Object.entries(existing as Record<string, unknown>)) {
    if (MANAGED.has(key)) {
      if (!(key in built)) dropped.push(key);
      continue;
    }
    if (TEXT_ONLY.has(key) && built.modality !== 'text') {
      dropped.push(key);
      continue;
    }
    manifest[key] = value;
    kept.push(key);
  }
  return { manifest, kept, dropped };
}
