// Loads a TF.js GraphModel through the local file handler and describes it as a TfjsNetwork.
import * as tf from '@tensorflow/tfjs';
import type { LayerInfo } from '../../shared/types';
import { EngineError } from '../errors';
import type { LocalFileHandler } from './fileHandler';
import { graphRunner, measureGraphNodes } from './graphRun';
import type { ModelFiles } from './modelFiles';
import type { NetworkTensor, TfjsNetwork } from './network';
import { translateTfjsError } from './tfjsErrors';
import { elementCount } from './weightSpecs';

interface GraphNodeJson {
  name?: unknown;
  op?: unknown;
}

const tensorInfo = (t: { name: string; shape?: number[]; dtype?: string }): NetworkTensor => ({
  name: t.name,
  shape: t.shape?.map((d) => (d < 0 ? null : d)),
  dtype: t.dtype,
});

/**
 * Ops tfjs-converter has no kernel for. It only fails on them when they run, so they are found here, all at once,
 * by the mapper leaving their category unset (registered custom ops get 'custom'). Reads an internal field, so
 * when tfjs changes it this finds nothing and the first run reports the first unknown op instead.
 */
function unsupportedOps(model: tf.GraphModel): string[] {
  const nodes = (model as unknown as { executor?: { graph?: { nodes?: Record<string, { op?: string; category?: string }> } } })
    .executor?.graph?.nodes;
  if (!nodes) return [];
  return [...new Set(Object.values(nodes).filter((n) => n.op && n.category === undefined).map((n) => n.op as string))].sort();
}

function nodeList(files: ModelFiles): LayerInfo[] {
  const nodes = (files.json.modelTopology as { node: GraphNodeJson[] }).node;
  const weights = new Map(files.weightSpecs.map((w) => [w.name, w]));
  return nodes
    .filter((n) => typeof n.name === 'string' && typeof n.op === 'string')
    .map((n) => {
      const weight = weights.get(n.name as string);
      return { name: n.name as string, type: n.op as string, ...(weight ? { outputShape: [...weight.shape], parameterCount: elementCount(weight) } : {}) };
    });
}

export async function loadGraphNetwork(handler: LocalFileHandler, files: ModelFiles): Promise<TfjsNetwork> {
  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel(handler);
  } catch (e) {
    throw translateTfjsError(e, files.path, 'cannot load the graph model');
  }
  const unknown = unsupportedOps(model);
  if (unknown.length) {
    model.dispose();
    throw new EngineError('MODEL_INVALID', `unsupported op${unknown.length > 1 ? 's' : ''} ${unknown.map((o) => `'${o}'`).join(', ')}`, files.path);
  }
  const inputName = model.inputNodes[0];
  const outputName = model.outputNodes[0];
  const inputDtype = model.inputs[0]?.dtype;
  const layers = nodeList(files);
  const cast = (x: tf.Tensor) => (inputDtype && x.dtype !== inputDtype ? tf.cast(x, inputDtype as tf.DataType) : x);
  const runner = graphRunner(model, layers, inputName, outputName, cast, files.path);
  return {
    format: 'tfjs-graph',
    inputs: model.inputs.map(tensorInfo),
    outputs: model.outputs.map(tensorInfo),
    layers,
    run: runner.run,
    measureIntermediates: (probe) => measureGraphNodes(runner, probe),
    // Float weights are the learned parameters; int constants in a graph are shapes and indices.
    parameterCount: files.weightSpecs.filter((w) => w.dtype === 'float32').reduce((a, w) => a + elementCount(w), 0),
    forward: (x) => {
      const input = inputDtype && x.dtype !== inputDtype ? tf.cast(x, inputDtype as tf.DataType) : x;
      return model.execute({ [inputName]: input }, outputName) as tf.Tensor;
    },
    dispose: () => model.dispose(),
  };
}
