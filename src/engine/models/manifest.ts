// Reads the Lens manifest beside a model (`<model>.lens.json`, else `lens.json` in the folder): what the tensors mean.
// Class labels, input feature names, a fixed input shape for models with dynamic dimensions, the modality and, for
// text models, the tokenizer and how text becomes the model's inputs. A Hugging Face style folder (tokenizer.json or
// vocab.txt, config.json with id2label) fills in what the manifest leaves out, and needs no manifest at all.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { EngineError } from '../errors';
import { inferHuggingFaceFolder, parseModality, parseTextManifest, type Modality, type TextManifest } from '../modalities/text/textManifest';
import { parseImageSection, type ImageManifestSection } from '../modalities/image/imageSpec';
import { parseJsonText } from './jsonFile';

export interface LensManifest {
  /** The manifest file that was read. */
  path: string;
  labels?: string[];
  featureNames?: string[];
  /** Input shape without the batch dimension, for models whose own shape has dynamic dimensions. */
  inputShape?: number[];
  /** What the input is; text when a tokenizer is configured or found beside the model. */
  modality?: Modality;
  /** Text models: tokenizer, input roles, maximum length, baseline token. */
  text?: TextManifest;
  /** Image models: size, layout, channels, scale, mean, std, resize (see modalities/image/imageSpec.ts). */
  image?: ImageManifestSection;
}

/** A manifest larger than this is not a hand-written description of a model. */
const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

/** Where a manifest may live, in order of preference. */
export function manifestCandidates(modelPath: string): string[] {
  const path = resolve(modelPath);
  const dir = dirname(path);
  const base = basename(path, extname(path));
  return [join(dir, `${base}.lens.json`), join(dir, 'lens.json')];
}

function stringList(value: unknown, field: string, file: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new EngineError('MODEL_INVALID', `'${field}' must be a list of strings`, file);
  }
  return value;
}

function shapeList(value: unknown, file: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((d) => Number.isInteger(d) && d > 0)) {
    throw new EngineError('MODEL_INVALID', "'inputShape' must be a non-empty list of positive integers (without the batch dimension)", file);
  }
  return value;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new EngineError('MODEL_INVALID', 'manifest is larger than 64 MiB', path);
    return bytes.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof EngineError) throw e;
    throw new EngineError('MODEL_INVALID', `cannot read manifest: ${(e as Error).message}`, path);
  }
}

/** Fills what a Hugging Face style folder says (labels, tokenizer) into the manifest, or makes one from it. */
function withFolderInference(manifest: LensManifest | undefined, modelPath: string): LensManifest | undefined {
  const folder = inferHuggingFaceFolder(modelPath);
  if (!folder.labels && !folder.tokenizer) return manifest;
  const result: LensManifest = manifest ?? {
    path: folder.configPath ?? folder.tokenizer!.path,
    labels: undefined,
    featureNames: undefined,
    inputShape: undefined,
  };
  if (!result.labels && folder.labels) result.labels = folder.labels;
  const textual = result.modality === undefined || result.modality === 'text';
  if (textual && (folder.tokenizer || result.text?.tokenizer)) {
    result.modality = 'text';
    result.text = {
      ...(folder.maxLength !== undefined ? { maxLength: folder.maxLength } : {}),
      ...(folder.tokenizer ? { tokenizer: folder.tokenizer } : {}),
      ...result.text,
    };
  }
  return result;
}

/** The manifest beside the model, or undefined when there is none. Unknown fields are left for later readers. */
export async function readLensManifest(modelPath: string): Promise<LensManifest | undefined> {
  for (const path of manifestCandidates(modelPath)) {
    const text = await readIfPresent(path);
    if (text === undefined) continue;
    const json = parseJsonText(text, path);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new EngineError('MODEL_INVALID', 'manifest must be a JSON object', path);
    }
    const fields = json as Record<string, unknown>;
    const manifest: LensManifest = {
      path,
      labels: stringList(fields.labels, 'labels', path),
      featureNames: stringList(fields.featureNames, 'featureNames', path),
      inputShape: shapeList(fields.inputShape, path),
      ...(fields.image !== undefined ? { image: parseImageSection(fields.image, path) } : {}),
    };
    const modality = parseModality(fields.modality, path);
    if (modality) manifest.modality = modality;
    const textFields = parseTextManifest(fields, path);
    if (textFields) {
      manifest.text = textFields;
      if (textFields.tokenizer && !modality) manifest.modality = 'text';
    }
    return withFolderInference(manifest, modelPath);
  }
  return withFolderInference(undefined, modelPath);
}
