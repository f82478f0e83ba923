// Remembers, per workspace, what the user explained last (model, input, method) and the class labels each model
// reported, so the pickers can offer them first. Backed by context.workspaceState; vscode-free.
import type { InputSpec, MethodId } from '../shared/types';
import { isMethodId } from './methodCatalog';

/** The part of vscode.Memento this needs. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** Inputs that name a file (what the pickers offer and remember). */
export type FileInput = Extract<InputSpec, { kind: 'csv-file' | 'json-file' | 'image-file' | 'dataset-file' }>;

export interface Choices {
  modelPath?: string;
  input?: FileInput;
  method?: MethodId;
}

const CHOICES_KEY = 'attributionLens.lastChoices';
const LABELS_KEY = 'attributionLens.modelLabels';
/** Label lists kept, most recent last; older ones are dropped. */
const MAX_MODELS_WITH_LABELS = 50;

export class LastChoices {
  constructor(private readonly memento: MementoLike) {}

  get(): Choices {
    const raw = this.memento.get<Record<string, unknown>>(CHOICES_KEY) ?? {};
    const out: Choices = {};
    if (typeof raw.modelPath === 'string') out.modelPath = raw.modelPath;
    if (isMethodId(raw.method)) out.method = raw.method;
    const input = raw.input as Choices['input'] | undefined;
    if (input && typeof input.path === 'string') {
      if (input.kind === 'json-file' || input.kind === 'image-file') out.input = { kind: input.kind, path: input.path };
      else if ((input.kind === 'csv-file' || input.kind === 'dataset-file') && Number.isInteger(input.row) && input.row >= 0) {
        out.input = { kind: input.kind, path: input.path, row: input.row };
      }
    }
    return out;
  }

  async remember(choices: Choices): Promise<void> {
    await this.memento.update(CHOICES_KEY, { ...this.get(), ...choices });
  }

  labels(modelPath: string): string[] | undefined {
    const all = this.memento.get<Record<string, string[]>>(LABELS_KEY) ?? {};
    const labels = all[modelPath];
    return Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : undefined;
  }

  async rememberLabels(modelPath: string, labels: string[]): Promise<void> {
    const all = { ...(this.memento.get<Record<string, string[]>>(LABELS_KEY) ?? {}) };
    delete all[modelPath];
    all[modelPath] = labels;
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_MODELS_WITH_LABELS))) delete all[k];
    await this.memento.update(LABELS_KEY, all);
  }
}
