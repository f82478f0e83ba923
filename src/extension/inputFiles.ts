// Which files the input picker offers for a model's modality: CSV/TSV rows and JSON tensors (tabular), images,
// or text datasets, minus files that are clearly not inputs (models, manifests, tool configs). vscode-free.
import { basename, dirname } from 'node:path';
import type { Modality } from '../shared/types';

/** File extensions of each modality's inputs (for globs and checks). */
export const INPUT_EXTENSIONS: Record<Modality, readonly string[]> = {
  tabular: ['csv', 'tsv', 'json'],
  timeseries: ['csv', 'tsv', 'json'],
  image: ['png', 'jpg', 'jpeg'],
  text: ['csv', 'tsv', 'jsonl', 'ndjson', 'txt'],
};

/** A workspace glob for a modality's input files. */
export function inputGlob(modality: Modality): string {
  return `**/*.{${INPUT_EXTENSIONS[modality].join(',')}}`;
}

const NOT_INPUTS = /^(model\.json|package(-lock)?\.json|tsconfig.*\.json|jsconfig\.json|.*\.lens\.json|settings\.json|launch\.json|tasks\.json|extensions\.json)$/i;

/** Dataset-like text files that are not inputs: licences, requirements, vocabularies, notes. */
const NOT_TEXT_DATASETS = /^(vocab.*|merges|requirements.*|license.*|readme.*|notice.*|.*_vocab|special_tokens.*)\.txt$/i;

export function isInputCandidate(path: string, modality: Modality = 'tabular'): boolean {
  const name = basename(path);
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  if (!INPUT_EXTENSIONS[modality].includes(ext) || NOT_INPUTS.test(name)) return false;
  return modality !== 'text' || !NOT_TEXT_DATASETS.test(name);
}

/** Files beside the model first, then the rest of the workspace; each group sorted by path, duplicates dropped. */
export function orderInputFiles(
  modelPath: string,
  besideModel: string[],
  workspace: string[],
  modality: Modality = 'tabular',
): { beside: string[]; elsewhere: string[] } {
  const folder = dirname(modelPath);
  const fits = (p: string) => isInputCandidate(p, modality);
  const beside = [...new Set([...besideModel, ...workspace.filter((p) => dirname(p) === folder)])].filter(fits).sort();
  const elsewhere = [...new Set(workspace)].filter((p) => fits(p) && !beside.includes(p)).sort();
  return { beside, elsewhere };
}
