// Loads a TF.js LayersModel through the local file handler and describes it as a TfjsNetwork.
import * as tf from '@tensorflow/tfjs';
import type { LayerInfo } from '../../shared/types';
import type { LocalFileHandler } from './fileHandler';
import { layersRunner } from './layersRun';
import type { ModelFiles } from './modelFiles';
import type { NetworkTensor, TfjsNetwork } from './network';
import { translateTfjsError } from './tfjsErrors';

function singleShape(shape: tf.Shape | tf.Shape[]): (number | null)[] | undefined {
  return shape.length > 0 && Array.isArray(shape[0]) ? undefined : [...(shape as tf.Shape)];
}

function layerInfo(layer: tf.layers.Layer): LayerInfo {
  let outputShape: (number | null)[] | undefined;
  try {
    outputShape = singleShape(layer.outputShape);
  } catch {
    outputShape = undefined; // layers used at several nodes have no single output shape
  }
  return { name: layer.name, type: layer.getClassName(), outputShape, parameterCount: layer.countParams() };
}

/** Named after the layer that makes it: symbolic tensor names get a per-load counter suffix. */
const tensorInfo = (t: tf.SymbolicTensor): NetworkTensor => ({ name: t.sourceLayer.name, shape: [...t.shape], dtype: t.dtype });

export async function loadLayersNetwork(handler: LocalFileHandler, files: ModelFiles): Promise<TfjsNetwork> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(handler);
  } catch (e) {
    throw translateTfjsError(e, files.path, 'cannot load the layers model');
  }
  // Layer-by-layer execution for layer methods; a graph it cannot walk leaves the model usable without them.
  let runner: ReturnType<typeof layersRunner> | undefined;
  try {
    runner = layersRunner(model, files.path);
  } catch {
    runner = undefined;
  }
  return {
    format: 'tfjs-layers',
    layersModel: model,
    ...(runner ? { intermediates: runner.intermediates, run: runner.run } : {}),
    inputs: model.inputs.map(tensorInfo),
    outputs: model.outputs.map(tensorInfo),
    layers: model.layers.map(layerInfo),
    parameterCount: model.countParams(),
    // apply() runs the layers directly as tfjs ops, so gradients flow back to x; predict() only adds batching.
    forward: (x) => model.apply(x, { training: false }) as tf.Tensor,
    dispose: () => model.dispose(),
  };
}
