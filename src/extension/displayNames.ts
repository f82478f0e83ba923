// Short names for models and the status bar text. vscode-free.
import { basename, dirname, extname } from 'node:path';
import type { BackendChoice, BackendName } from '../shared/types';

/** A TF.js model is a folder with model.json in it, so the folder names it; other files name themselves. */
export function modelDisplayName(modelPath: string): string {
  const base = basename(modelPath);
  if (base.toLowerCase() === 'model.json') {
    const folder = basename(dirname(modelPath));
    if (folder && folder !== '.' && folder !== '/') return folder;
  }
  return base.slice(0, base.length - extname(base).length) || base;
}

/** "$(graph) credit-risk · wasm"; before the engine reports its backend, the configured choice is shown. */
export function statusBarText(modelName: string | undefined, backend: BackendName | undefined, choice: BackendChoice): string {
  return `$(graph) ${modelName ?? 'Attribution Lens'} · ${backend ?? choice}`;
}
