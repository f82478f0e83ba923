// Reads a TF.js model.json and its weight shards from disk and validates them before tfjs sees anything:
// every problem becomes an EngineError naming the file, instead of a tfjs stack trace or silently misread weights.
import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineError } from '../errors';
import { parseJsonText } from './jsonFile';
import { checkWeightSpec, groupByteLength, measureWeights } from './weightSpecs';

/** model.json only holds the topology and manifest; anything this large is not one (or not usable). */
export const MAX_MODEL_JSON_BYTES = 512 * 2 ** 20;
/** tfjs-converter writes 4 MB shards; a single shard this large is a mistake or a corrupt manifest. */
export const MAX_SHARD_BYTES = 2 * 2 ** 30;

export type TfjsKind = 'layers' | 'graph';

export interface ModelFiles {
  /** Absolute path of model.json. */
  path: string;
  kind: TfjsKind;
  json: tf.io.ModelJSON;
  /** All weights, in shard order (the order tfjs decodes them in). */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** The shards concatenated in manifest order. */
  weightData: ArrayBuffer;
  shardPaths: string[];
  /** sha256 over model.json then every shard, in manifest order. */
  hash: string;
}

interface ShardGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** A Buffer as a plain Uint8Array view (this @types/node's Buffer does not type-check as one under TS 5.9). */
export const bytesOf = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const formatBytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new EngineError('MODEL_INVALID', `cannot read file: ${(e as Error).message}`, path);
  }
}

/** Reads model.json bytes, refusing a missing, non-regular or oversized file. */
async function readModelJsonBytes(path: string): Promise<Buffer> {
  const info = await statOrUndefined(path);
  if (!info) throw new EngineError('MODEL_NOT_FOUND', 'model file not found', path);
  if (!info.isFile()) throw new EngineError('MODEL_INVALID', 'is not a regular file', path);
  if (info.size > MAX_MODEL_JSON_BYTES) {
    throw new EngineError(
      'MODEL_INVALID',
      `model.json is ${formatBytes(info.size)}; files over 512 MiB are refused (the topology belongs in model.json, weights in .bin shards)`,
      path,
    );
  }
  return readFile(path);
}

/** Which kind of TF.js model the JSON describes; anything else is refused with what was found. */
export function tfjsKind(json: unknown, file: string): TfjsKind {
  if (!isObject(json)) throw new EngineError('MODEL_INVALID', 'not a TF.js model: the JSON is not an object', file);
  const missing = ['modelTopology', 'weightsManifest'].filter((k) => json[k] === undefined || json[k] === null);
  if (missing.length) {
    throw new EngineError('MODEL_INVALID', `not a TF.js model: it has no ${missing.map((k) => `'${k}'`).join(' and no ')}`, file);
  }
  const topology = json.modelTopology;
  const isLayers = isObject(topology) && ('class_name' in topology || 'keras_version' in topology || 'model_config' in topology);
  const isGraph = isObject(topology) && Array.isArray(topology.node);
  const format = json.format;
  if (format === 'layers-model' || ((format === undefined || format === null) && isLayers)) {
    if (!isLayers) throw new EngineError('MODEL_INVALID', "format is 'layers-model' but modelTopology has no Keras 'class_name'", file);
    return 'layers';
  }
  if (format === 'graph-model' || ((format === undefined || format === null) && isGraph)) {
    if (!isGraph) throw new EngineError('MODEL_INVALID', "format is 'graph-model' but modelTopology has no 'node' list", file);
    return 'graph';
  }
  if (format !== undefined && format !== null) {
    throw new EngineError('MODEL_INVALID', `unknown format ${JSON.stringify(format)} (expected 'layers-model' or 'graph-model')`, file);
  }
  throw new EngineError('MODEL_INVALID', 'not a TF.js model: modelTopology is neither a Keras model nor a TensorFlow graph', file);
}

/** Validates weightsManifest: groups with local shard paths, well-formed weight entries, unique names. */
function checkManifest(manifest: unknown, file: string): ShardGroup[] {
  if (!Array.isArray(manifest)) throw new EngineError('MODEL_INVALID', 'weightsManifest is not a list of shard groups', file);
  const seen = new Set<string>();
  let index = 0;
  return manifest.map((group, g) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new EngineError('MODEL_INVALID', `weightsManifest group ${g + 1} needs 'paths' and 'weights' lists`, file);
    }
    for (const p of group.paths) {
      if (typeof p !== 'string' || p === '') throw new EngineError('MODEL_INVALID', `weightsManifest group ${g + 1} has an empty or non-text path`, file);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
        throw new EngineError('MODEL_INVALID', `weight path '${p}' is a URL; only local files next to model.json are loaded`, file);
      }
    }
    const weights = group.weights.map((w) => checkWeightSpec(w, index++, file));
    for (const w of weights) {
      if (seen.has(w.name)) throw new EngineError('MODEL_INVALID', `weight name '${w.name}' appears more than once in weightsManifest`, file);
      seen.add(w.name);
    }
    return { paths: group.paths as string[], weights };
  });
}

async function statShards(groups: ShardGroup[], dir: string): Promise<number[][]> {
  const sizes: number[][] = [];
  for (const group of groups) {
    const row: number[] = [];
    for (const rel of group.paths) {
      const path = resolve(dir, rel);
      const info = await statOrUndefined(path);
      if (!info) throw new EngineError('MODEL_INVALID', 'weight file listed in model.json is missing', path);
      if (!info.isFile()) throw new EngineError('MODEL_INVALID', 'weight file listed in model.json is not a regular file', path);
      if (info.size > MAX_SHARD_BYTES) {
        throw new EngineError('MODEL_INVALID', `weight file is ${formatBytes(info.size)}; shards over 2 GiB are refused`, path);
      }
      row.push(info.size);
    }
    sizes.push(row);
  }
  return sizes;
}

/** Names the group's shards: the shard itself when there is one, else model.json with the list. */
function sizeError(group: ShardGroup, dir: string, modelPath: string, problem: string): EngineError {
  if (group.paths.length === 1) return new EngineError('MODEL_INVALID', problem, resolve(dir, group.paths[0]));
  return new EngineError('MODEL_INVALID', `shards ${group.paths.join(' + ')}: ${problem}`, modelPath);
}

function describeMismatch(have: number, need: number, count: number): string {
  const diff = have < need ? `${need - have} bytes short (truncated?)` : `${have - need} bytes too long`;
  return `weight data is ${diff}: holds ${have} bytes but the ${count} weights listed in model.json need ${need}`;
}

async function readInto(path: string, target: Uint8Array, expected: number): Promise<void> {
  const handle = await open(path, 'r');
  try {
    let done = 0;
    while (done < expected) {
      const { bytesRead } = await handle.read(target, done, expected - done, done);
      if (bytesRead === 0) throw new EngineError('MODEL_INVALID', 'weight file changed while it was being read', path);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Reads and validates model.json and its shards. */
export async function readModelFiles(modelPath: string): Promise<ModelFiles> {
  const path = resolve(modelPath);
  const jsonBytes = await readModelJsonBytes(path);
  const json = parseJsonText(jsonBytes.toString('utf8'), path);
  const kind = tfjsKind(json, path);
  const groups = checkManifest((json as Record<string, unknown>).weightsManifest, path);
  const dir = dirname(path);
  const sizes = await statShards(groups, dir);

  groups.forEach((group, g) => {
    const have = sizes[g].reduce((a, b) => a + b, 0);
    const need = groupByteLength(group.weights);
    if (need !== undefined && need !== have) throw sizeError(group, dir, path, describeMismatch(have, need, group.weights.length));
  });
  const total = sizes.flat().reduce((a, b) => a + b, 0);
  if (total > bufferConstants.MAX_LENGTH) {
    throw new EngineError('MODEL_INVALID', `weights total ${formatBytes(total)}, more than one buffer can hold here`, path);
  }

  const data = new Uint8Array(total);
  const shardPaths: string[] = [];
  let offset = 0;
  for (const [g, group] of groups.entries()) {
    const groupStart = offset;
    for (const [s, rel] of group.paths.entries()) {
      const shard = resolve(dir, rel);
      await readInto(shard, data.subarray(offset, offset + sizes[g][s]), sizes[g][s]);
      shardPaths.push(shard);
      offset += sizes[g][s];
    }
    if (groupByteLength(group.weights) === undefined) {
      // String weights: their size is only known by walking the length prefixes in the data.
      const measured = measureWeights(group.weights, data.subarray(groupStart, offset));
      if ('overrun' in measured) {
        throw sizeError(group, dir, path, `weight data ends inside weight '${measured.overrun}' (truncated?)`);
      }
      if (measured.bytes !== offset - groupStart) {
        throw sizeError(group, dir, path, describeMismatch(offset - groupStart, measured.bytes, group.weights.length));
      }
    }
  }

  const hash = createHash('sha256').update(bytesOf(jsonBytes)).update(data).digest('hex');
  return {
    path,
    kind,
    json: json as tf.io.ModelJSON,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: data.buffer,
    shardPaths,
    hash,
  };
}

/** Shard paths a model.json lists, read leniently (no validation); none when it is not readable JSON. */
function listedShards(path: string, jsonBytes: Buffer): string[] {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(jsonBytes.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>).weightsManifest;
  } catch {
    return [];
  }
  if (!Array.isArray(manifest)) return [];
  return manifest.flatMap((group) =>
    isObject(group) && Array.isArray(group.paths) ? group.paths.filter((p): p is string => typeof p === 'string').map((p) => resolve(dirname(path), p)) : [],
  );
}

/** The files a model consists of: the model file itself, then (for a model.json) its shards in manifest order. */
export async function listModelFiles(modelPath: string): Promise<string[]> {
  const path = resolve(modelPath);
  if (!path.toLowerCase().endsWith('.json')) return [path];
  return [path, ...listedShards(path, await readFile(path))];
}

/**
 * The same sha256 as ModelFiles.hash, computed without validating (for change detection). For anything that is
 * not a model.json with a shard list, the hash covers just the file itself.
 */
export async function hashModelFiles(modelPath: string): Promise<string> {
  const path = resolve(modelPath);
  const hash = createHash('sha256');
  const bytes = await readFile(path);
  hash.update(bytesOf(bytes));
  const shards = path.toLowerCase().endsWith('.json') ? listedShards(path, bytes) : [];
  for (const shard of shards) hash.update(bytesOf(await readFile(shard)));
  return hash.digest('hex');
}
