// Which files the input picker offers: CSV/TSV rows and JSON tensors, minus files that are clearly not inputs
// (models, manifests, tool configs). vscode-free.
import { basename, dirname } from 'node:path';

const NOT_INPUTS = /^(model\.json|package(-lock)?\.json|tsconfig.*\.json|jsconfig\.json|.*\.lens\.json|settings\.json|launch\.json|tasks\.json|extensions\.json)$/i;

export function isInputCandidate(path: string): boolean {
  const name = basename(path);
  return /\.(csv|tsv|json)$/i.test(name) && !NOT_INPUTS.test(name);
}

/** Files beside the model first, then the rest of the workspace; each group sorted by path, duplicates dropped. */
export function orderInputFiles(modelPath: string, besideModel: string[], workspace: string[]): { beside: string[]; elsewhere: string[] } {
  const folder = dirname(modelPath);
  const beside = [...new Set([...besideModel, ...workspace.filter((p) => dirname(p) === folder)])].filter(isInputCandidate).sort();
  const elsewhere = [...new Set(workspace)].filter((p) => isInputCandidate(p) && !beside.includes(p)).sort();
  return { beside, elsewhere };
}
