// What the extension needs to know about a model before asking the user anything: the summary plus its modality
// (which inputs and methods make sense) and labels. The manifest decides when there is one; otherwise the folder
// (a tokenizer means text), otherwise the input shape.
import type { Modality, ModelSummary, TensorInfo } from '../../shared/types';
import { readLensManifest } from '../models/manifest';
import { readModelSummary } from '../models/index';

/** Rank-4 inputs, and rank-3 inputs whose last or first dimension looks like channels, are images. */
export function modalityFromShape(inputs: TensorInfo[]): Modality {
  const shape = inputs[0]?.shape ?? [];
  if (shape.length === 4) return 'image';
  if (shape.length === 3) {
    const channels = (d: number | null) => d === 1 || d === 3 || d === 4;
    // [N, H, W] grayscale with H, W both large, or [N, T, C] time series with few channels.
    const [, a, b] = shape;
    if (a !== null && b !== null && a >= 8 && b >= 8 && !channels(b)) return 'image';
    return 'timeseries';
  }
  return 'tabular';
}

export async function readModelInfo(modelPath: string): Promise<ModelSummary> {
  const summary = await readModelSummary(modelPath);
  const manifest = await readLensManifest(modelPath);
  const fromFile = manifest?.modality ?? (manifest?.image ? 'image' : undefined);
  const isFolderInference = manifest !== undefined && !/lens\.json$/.test(manifest.path);
  return {
    ...summary,
    modality: fromFile ?? modalityFromShape(summary.inputs),
    modalitySource: fromFile ? (isFolderInference ? 'folder' : 'manifest') : 'shape',
    ...(manifest?.labels ? { labels: manifest.labels } : {}),
  };
}
