// The text part of a model's Lens manifest, and what a Hugging Face style folder says without one:
// tokenizer.json (or vocab.txt) beside the model, labels from config.json's id2label.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { EngineError } from '../../errors';
import type { TokenizerSpec } from './tokenizers/load';

export type Modality = 'text' | 'image' | 'tabular' | 'timeseries';
export const MODALITIES: readonly Modality[] = ['text', 'image', 'tabular', 'timeseries'];

/** Which model input is which, by input name (multi-input models: ids, attention mask, token type ids). */
export interface TextInputNames {
  ids?: string;
  mask?: string;
  typeIds?: string;
  /** Position ids (0 … L−1), for models that take them as an input. */
  positions?: string;
}

/** The roles a text model's inputs can have, in the order a packed input holds them. */
export const INPUT_ROLES = ['ids', 'mask', 'typeIds', 'positions'] as const;

export interface TextManifest {
  tokenizer?: TokenizerSpec;
  inputs?: TextInputNames;
  /** Longest token sequence fed to the model (special tokens included). */
  maxLength?: number;
  /** Reference input of gradient and perturbation methods: every token of the text replaced by [PAD] or [MASK]. */
  baseline?: 'pad' | 'mask';
  /** The layer (or node) whose output layer methods attribute at; by default the model's embedding layer. */
  embeddingLayer?: string;
  /** Dataset column or JSON field holding the text. */
  textField?: string;
}

const TOKENIZER_KINDS = ['word-level', 'wordpiece', 'huggingface'];

function fail(file: string, message: string): never {
  throw new EngineError('MODEL_INVALID', message, file);
}

function optionalString(value: unknown, field: string, file: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(file, `'${field}' must be a non-empty string`);
  return value;
}

function tokenizerSpec(value: unknown, file: string): TokenizerSpec | undefined {
  if (value === undefined) return undefined;
  const dir = dirname(file);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  if (typeof value === 'string') return { path: at(value) };
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    fail(file, "'tokenizer' must be a file path or an object with \"path\" (and \"type\": word-level, wordpiece or huggingface)");
  }
  const t = value as Record<string, unknown>;
  const path = optionalString(t.path ?? t.vocab, 'tokenizer.path', file);
  if (!path) fail(file, "'tokenizer' needs a \"path\" to the tokenizer or vocabulary file");
  if (t.type !== undefined && !TOKENIZER_KINDS.includes(t.type as string)) {
    fail(file, `'tokenizer.type' must be one of ${TOKENIZER_KINDS.join(', ')}`);
  }
  const spec: TokenizerSpec = { path: at(path) };
  if (t.type !== undefined) spec.type = t.type as TokenizerSpec['type'];
  for (const key of ['lowercase', 'stripAccents'] as const) {
    if (t[key] === undefined) continue;
    if (typeof t[key] !== 'boolean') fail(file, `'tokenizer.${key}' must be true or false`);
    spec[key] = t[key] as boolean;
  }
  for (const key of ['pattern', 'pad', 'unk', 'mask', 'cls', 'sep', 'prefix'] as const) {
    const v = optionalString(t[key], `tokenizer.${key}`, file);
    if (v !== undefined) spec[key] = v;
  }
  return spec;
}

function inputNames(value: unknown, file: string): TextInputNames | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(file, "'inputs' must map ids/mask/typeIds/positions to model input names");
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !(INPUT_ROLES as readonly string[]).includes(k));
  if (unknown.length) fail(file, `'inputs' has unknown role(s) ${unknown.join(', ')}; roles are ${INPUT_ROLES.join(', ')}`);
  const names: TextInputNames = {};
  for (const role of INPUT_ROLES) {
    const name = optionalString(v[role], `inputs.${role}`, file);
    if (name !== undefined) names[role] = name;
  }
  return names;
}

/** The text fields of a manifest object; undefined when it has none. */
export function parseTextManifest(fields: Record<string, unknown>, file: string): TextManifest | undefined {
  const text: TextManifest = {};
  const tokenizer = tokenizerSpec(fields.tokenizer, file);
  if (tokenizer) text.tokenizer = tokenizer;
  const inputs = inputNames(fields.inputs, file);
  if (inputs) text.inputs = inputs;
  if (fields.maxLength !== undefined) {
    const n = fields.maxLength;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail(file, "'maxLength' must be a positive integer");
    text.maxLength = n;
  }
  if (fields.baseline !== undefined) {
    if (fields.baseline !== 'pad' && fields.baseline !== 'mask') fail(file, "'baseline' must be \"pad\" or \"mask\"");
    text.baseline = fields.baseline;
  }
  const embeddingLayer = optionalString(fields.embeddingLayer, 'embeddingLayer', file);
  if (embeddingLayer) text.embeddingLayer = embeddingLayer;
  const textField = optionalString(fields.textField, 'textField', file);
  if (textField) text.textField = textField;
  return Object.keys(text).length ? text : undefined;
}

export function parseModality(value: unknown, file: string): Modality | undefined {
  if (value === undefined) return undefined;
  if (!MODALITIES.includes(value as Modality)) fail(file, `'modality' must be one of ${MODALITIES.join(', ')}`);
  return value as Modality;
}

/** What a Hugging Face style folder tells without a manifest. */
export interface InferredFolder {
  /** The file the labels came from (config.json), for messages. */
  configPath?: string;
  labels?: string[];
  tokenizer?: TokenizerSpec;
  maxLength?: number;
}

function readJsonIfPresent(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    return json && typeof json === 'object' && !Array.isArray(json) ? json : undefined;
  } catch (e) {
    throw new EngineError('MODEL_INVALID', `not valid JSON (${(e as Error).message})`, path);
  }
}

/** Labels in id order from config.json's id2label ({"0": "negative", "1": "positive"}). */
function labelsFromId2Label(id2label: unknown, file: string): string[] | undefined {
  if (!id2label || typeof id2label !== 'object') return undefined;
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels: string[] = [];
  for (const [key, label] of entries) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || typeof label !== 'string') {
      fail(file, "'id2label' must map the ids 0 … n−1 to label strings");
    }
    labels[id] = label;
  }
  return labels;
}

export function inferHuggingFaceFolder(modelPath: string): InferredFolder {
  const dir = dirname(resolve(modelPath));
  const found: InferredFolder = {};
  const config = readJsonIfPresent(join(dir, 'config.json'));
  if (config) {
    const labels = labelsFromId2Label(config.id2label, join(dir, 'config.json'));
    if (labels) {
      found.labels = labels;
      found.configPath = join(dir, 'config.json');
    }
    const positions = config.max_position_embeddings;
    if (typeof positions === 'number' && Number.isInteger(positions) && positions > 0) found.maxLength = Math.min(positions, 512);
  }
  if (existsSync(join(dir, 'tokenizer.json'))) found.tokenizer = { type: 'huggingface', path: join(dir, 'tokenizer.json') };
  else if (existsSync(join(dir, 'vocab.txt'))) found.tokenizer = { type: 'wordpiece', path: join(dir, 'vocab.txt') };
  return found;
}
