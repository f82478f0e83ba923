// Small image models for the method tests: a seeded CNN saved and loaded like a user's model (so run() and the
// layer list come from the real loader), and plain-tfjs models whose attributions can be written down by hand.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../../src/engine/models';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { saveLayersModel } from '../../fixtures/tabular/save-model';
import { numbers } from '../methods/models';

export interface SmallCnn {
  model: ExplainableModel;
  /** Dense weights [channels × classes] and bias after global average pooling of `conv2`. */
  dense: { kernel: number[]; bias: number[] };
  /** The same network as a tfjs LayersModel (for intermediate outputs computed independently). */
  layers: tf.LayersModel;
}

/** input [H, W, 3] → conv1 (relu) → conv2 (relu, `channels`) → global average pooling → dense softmax (`classes`). */
export async function smallCnn(size = 8, channels = 4, classes = 3): Promise<SmallCnn> {
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const c1 = tf.layers.conv2d({ name: 'conv1', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ name: 'conv2', filters: channels, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(c1) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(c2) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'predictions', units: classes, activation: 'softmax' }).apply(gap) as tf.SymbolicTensor;
  const layers = tf.model({ inputs: input, outputs: out });
  let seed = 31;
  for (const layer of layers.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const values = ws.map((w) => tf.tensor(numbers(w.size, seed++, w.shape.length === 1 ? 0.1 : 0.6).map((v, i) => (w.shape.length === 1 ? v + 0.05 : v + (i % 3 === 0 ? 0.15 : 0))), w.shape));
    layer.setWeights(values);
    tf.dispose(values);
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'lens-cnn-')), 'cnn');
  await saveLayersModel(layers, dir);
  const model = await loadModel(join(dir, 'model.json'));
  const [kernel, bias] = layers.getLayer('predictions').getWeights();
  return { model, layers, dense: { kernel: Array.from(kernel.dataSync()), bias: Array.from(bias.dataSync()) } };
}

/** An ExplainableModel from a plain function of a [B, ...shape] batch (no layers). */
export function functionModel(inputShape: number[], outputSize: number, forward: (x: tf.Tensor) => tf.Tensor2D, dispose: () => void = () => {}): ExplainableModel {
  return {
    summary: {
      path: 'function-model',
      format: 'tfjs-layers',
      inputs: [{ name: 'x', shape: [null, ...inputShape], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [null, outputSize], dtype: 'float32' }],
      layers: [],
      parameterCount: 0,
      hash: 'function',
    },
    inputShape,
    outputSize,
    predict: (x) => tf.tidy(() => forward(x)),
    dispose,
  };
}
