// A tfjs IOHandler that loads model.json and its shards from the local disk (never fetch), validated first.
import * as tf from '@tensorflow/tfjs';
import { readModelFiles, type ModelFiles } from './modelFiles';

export class LocalFileHandler implements tf.io.IOHandler {
  private files?: ModelFiles;

  constructor(readonly modelPath: string) {}

  /** Reads and validates the files once; the loader looks at them (kind, hash) before tfjs does. */
  async read(): Promise<ModelFiles> {
    this.files ??= await readModelFiles(this.modelPath);
    return this.files;
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const files = await this.read();
    return tf.io.getModelArtifactsForJSONSync(files.json, files.weightSpecs, files.weightData);
  }
}
