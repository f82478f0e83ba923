// Loads a TF.js model.json (layers or graph) from disk as an ExplainableModel.
import { buildExplainableModel } from './explainable';
import { LocalFileHandler } from './fileHandler';
import { loadGraphNetwork } from './graphModel';
import { loadLayersNetwork } from './layersModel';
import { readLensManifest } from './manifest';
import type { ExplainableModel } from './types';

export async function loadTfjsModel(modelJsonPath: string): Promise<ExplainableModel> {
  const handler = new LocalFileHandler(modelJsonPath);
  // Files and manifest are validated before tfjs deserializes anything.
  const files = await handler.read();
  const manifest = await readLensManifest(files.path);
  const network = files.kind === 'layers' ? await loadLayersNetwork(handler, files) : await loadGraphNetwork(handler, files);
  try {
    return buildExplainableModel(network, files, manifest);
  } catch (e) {
    network.dispose();
    throw e;
  }
}
