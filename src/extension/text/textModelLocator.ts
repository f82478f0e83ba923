// Which text model explains a dataset document: a model in the document's folder, its parent, or a direct
// subfolder of either (so data/ next to model/ works), unless the user picked one for that folder. A model is a
// text model when its manifest (<model>.lens.json or lens.json) says so or names a tokenizer, or when a Hugging
// Face style tokenizer (tokenizer.json, vocab.txt) sits beside it and no manifest says otherwise.
// vscode-free: plain fs, results cached per folder until cleared.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

function readManifest(modelPath: string): Record<string, unknown> | undefined {
  const dir = dirname(modelPath);
  for (const candidate of [join(dir, `${basename(modelPath, extname(modelPath))}.lens.json`), join(dir, 'lens.json')]) {
    if (!existsSync(candidate)) continue;
    try {
      const json: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return undefined;
}

export function isTextModel(modelPath: string): boolean {
  if (!existsSync(modelPath)) return false;
  const manifest = readManifest(modelPath);
  if (manifest?.modality !== undefined) return manifest.modality === 'text';
  if (manifest?.tokenizer !== undefined) return true;
  const dir = dirname(modelPath);
  return existsSync(join(dir, 'tokenizer.json')) || existsSync(join(dir, 'vocab.txt'));
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => !f.startsWith('.') && f !== 'node_modules')
      .map((f) => join(dir, f))
      .filter((p) => statSync(p).isDirectory())
      .sort();
  } catch {
    return [];
  }
}

/** Model files of a folder: model.json first, then ONNX files by name. */
function modelsIn(dir: string): string[] {
  try {
    const onnx = readdirSync(dir).filter((f) => /\.onnx$/i.test(f)).sort();
    return [join(dir, 'model.json'), ...onnx.map((f) => join(dir, f))];
  } catch {
    return [];
  }
}

/** The first text model found near `documentPath`, or undefined. */
export function findTextModel(documentPath: string): string | undefined {
  const folder = dirname(documentPath);
  const parent = dirname(folder);
  const candidates = [folder, ...(parent !== folder ? [parent] : []), ...subfolders(folder), ...(parent !== folder ? subfolders(parent) : [])];
  for (const dir of candidates) {
    for (const model of modelsIn(dir)) if (isTextModel(model)) return model;
  }
  return undefined;
}

export class TextModelLocator {
  private readonly found = new Map<string, string | undefined>();

  /** `remembered` is the user's choice per folder (workspace state). */
  constructor(private readonly remembered: () => Record<string, string>) {}

  modelFor(documentPath: string): string | undefined {
    const folder = dirname(documentPath);
    const chosen = this.remembered()[folder];
    if (chosen && existsSync(chosen)) return chosen;
    if (!this.found.has(folder)) this.found.set(folder, findTextModel(documentPath));
    return this.found.get(folder);
  }

  forget(): void {
    this.found.clear();
  }
}
