// Which text model explains a dataset document: a model.json whose lens.json says it is a text model, in the
// document's folder, its parent, or a direct subfolder of either (so data/ next to model/ works), unless the user
// picked one for that folder. vscode-free: plain fs, results cached per folder until cleared.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function isTextModel(modelPath: string): boolean {
  const lens = join(dirname(modelPath), 'lens.json');
  if (!existsSync(modelPath) || !existsSync(lens)) return false;
  try {
    const manifest = JSON.parse(readFileSync(lens, 'utf8')) as { modality?: unknown; tokenizer?: unknown };
    return manifest.modality === 'text' || (manifest.modality === undefined && manifest.tokenizer !== undefined);
  } catch {
    return false;
  }
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

/** The first text model found near `documentPath`, or undefined. */
export function findTextModel(documentPath: string): string | undefined {
  const folder = dirname(documentPath);
  const parent = dirname(folder);
  const candidates = [folder, ...(parent !== folder ? [parent] : []), ...subfolders(folder), ...(parent !== folder ? subfolders(parent) : [])];
  for (const dir of candidates) {
    const model = join(dir, 'model.json');
    if (isTextModel(model)) return model;
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
