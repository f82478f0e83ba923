// Keeps loaded models by path and content, so repeated requests reuse them and edited files are picked up.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadModel, resolveModelPath } from './index';
import { manifestCandidates } from './manifest';
import { bytesOf, hashModelFiles, listModelFiles } from './modelFiles';
import { hashOnnxFiles, listOnnxFiles } from './onnx';
import type { ExplainableModel } from './types';

/**
 * File times are only trusted when older than the moment the content was checked by this margin: writes within the
 * clock's granularity can leave size and mtime unchanged (the "racy git" problem), so recent files are re-hashed.
 */
const RACY_MS = 2000;

interface Entry {
  model: ExplainableModel;
  /** Model files (model.json, shards) and manifest candidates, whose stamps are compared. */
  files: string[];
  stamps: string[];
  /** When the content these stamps stand for was last confirmed (taken before reading). */
  confirmedAt: number;
  manifestHash: string;
}

async function stampOf(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

const isOnnx = (path: string) => path.toLowerCase().endsWith('.onnx');
/** The files a model consists of; an ONNX model's external data files count too. */
const filesOf = (path: string) => (isOnnx(path) ? listOnnxFiles(path) : listModelFiles(path));
const hashOf = (path: string) => (isOnnx(path) ? hashOnnxFiles(path) : hashModelFiles(path));

const mtimeOf = (stamp: string) => (stamp === 'absent' ? -Infinity : Number(stamp.split(':')[2]));

/**
 * Files beside the model that describe it: the Lens manifest candidates and a Hugging Face folder's config.json
 * (labels) and tokenizer files. Editing, adding or removing any of them reloads the model.
 */
export function describingFiles(modelPath: string): string[] {
  const dir = dirname(modelPath);
  return [...manifestCandidates(modelPath), ...HF_FILES.map((f) => join(dir, f))];
}
const HF_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

/** Content of every describing file (or its absence): editing labels must reload the model too. */
async function hashManifest(modelPath: string): Promise<string> {
  const hash = createHash('sha256');
  for (const path of describingFiles(modelPath)) {
    const bytes = await readFile(path).catch(() => undefined);
    hash.update(bytes ? `present:${bytes.byteLength}:` : 'absent:');
    if (bytes) hash.update(bytesOf(bytes));
  }
  return hash.digest('hex');
}

export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<ExplainableModel>>();

  constructor(private readonly load: (path: string) => Promise<ExplainableModel> = loadModel) {}

  get size(): number {
    return this.entries.size;
  }

  /** The loaded model for this path; loads it on first use and again when its files or manifest changed. */
  async get(path: string): Promise<ExplainableModel> {
    let key: string;
    try {
      key = (await resolveModelPath(path)).path;
    } catch (e) {
      // The model is gone: drop what was loaded from it (under either spelling of its path).
      for (const stale of [resolve(path), join(resolve(path), 'model.json')]) this.evict(stale);
      throw e;
    }
    const running = this.pending.get(key);
    if (running) return running;
    const next = this.refresh(key).finally(() => this.pending.delete(key));
    this.pending.set(key, next);
    return next;
  }

  /** Disposes every cached model. */
  clear(): void {
    for (const entry of this.entries.values()) entry.model.dispose();
    this.entries.clear();
  }

  private evict(key: string): void {
    this.entries.get(key)?.model.dispose();
    this.entries.delete(key);
  }

  private async refresh(key: string): Promise<ExplainableModel> {
    const entry = this.entries.get(key);
    if (entry && (await this.unchanged(key, entry))) return entry.model;
    this.evict(key);
    const startedAt = Date.now();
    const manifestHash = await hashManifest(key);
    const model = await this.load(key);
    const files = [...(await filesOf(key)), ...describingFiles(key)];
    this.entries.set(key, { model, files, stamps: await Promise.all(files.map(stampOf)), confirmedAt: startedAt, manifestHash });
    return model;
  }

  private async unchanged(key: string, entry: Entry): Promise<boolean> {
    const checkedAt = Date.now();
    const stamps = await Promise.all(entry.files.map(stampOf));
    const same = stamps.every((s, i) => s === entry.stamps[i]);
    if (same && stamps.every((s) => mtimeOf(s) < entry.confirmedAt - RACY_MS)) return true;
    // Stamps moved, or are too recent to prove anything: compare contents.
    const hash = await hashOf(key).catch(() => undefined);
    if (hash !== entry.model.summary.hash || (await hashManifest(key)) !== entry.manifestHash) return false;
    const files = [...(await filesOf(key)), ...describingFiles(key)];
    Object.assign(entry, { files, stamps: await Promise.all(files.map(stampOf)), confirmedAt: checkedAt });
    return true;
  }
}
