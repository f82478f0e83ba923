// Wraps a loaded tfjs network as an ExplainableModel: one input, one output, scores shaped [B, K],
// labels and feature names from the manifest, and a summary of the model.
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary, TensorInfo } from '../../shared/types';
import { EngineError } from '../errors';
import { resolveInputShape } from './inputShape';
import type { LensManifest } from './manifest';
import type { ModelFiles } from './modelFiles';
import type { NetworkTensor, TfjsNetwork } from './network';
import { translateTfjsError } from './tfjsErrors';
import { setFastGradientBytesPerRow } from './onnx/gradient/memory';
import { TRANSLATED_PATH, TranslatedFastPath } from './tfjsOnnx/fastPath';
import { fastGradientsEnabled } from '../util/fastPaths';
import type { ExplainableModel, RunOptions } from './types';

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const show = (shape: readonly (number | string | null)[]) => `[${shape.join(', ')}]`;

function requireOne(tensors: NetworkTensor[], what: 'input' | 'output', file: string): NetworkTensor {
  if (tensors.length === 1) return tensors[0];
  const names = tensors.map((t) => `'${t.name}'`).join(', ');
  throw new EngineError(
    'UNSUPPORTED',
    tensors.length === 0 ? `the model has no ${what}s` : `models with ${tensors.length} ${what}s (${names}) are not supported yet; only one ${what}`,
    file,
  );
}

/**
 * Output scores per example and the output's shape and dtype: declared ones when fully known, else measured by one
 * run on zeros (graph models rarely declare their outputs).
 */
function measureOutput(
  output: NetworkTensor,
  alwaysProbe: boolean,
  probe: () => { shape: number[]; dtype: string },
): { size: number; shape: (number | null)[]; dtype: string } {
  const declared = output.shape;
  if (!alwaysProbe && declared && declared.length > 0 && declared.slice(1).every((d) => d !== null) && output.dtype) {
    return { size: product(declared.slice(1) as number[]), shape: declared, dtype: output.dtype };
  }
  const measured = probe();
  const dtype = output.dtype ?? measured.dtype;
  if (measured.shape.length === 0) return { size: 1, shape: [], dtype };
  // The first dimension is the batch: the probe's 1 says nothing about other batch sizes.
  return { size: product(measured.shape.slice(1)), shape: declared ?? [null, ...measured.shape.slice(1)], dtype };
}

function checkManifestSizes(manifest: LensManifest | undefined, outputSize: number, inputSize: number): void {
  if (!manifest) return;
  if (manifest.labels && manifest.labels.length !== outputSize) {
    throw new EngineError('MODEL_INVALID', `has ${manifest.labels.length} labels but the model has ${outputSize} outputs`, manifest.path);
  }
  if (manifest.featureNames && manifest.featureNames.length !== inputSize) {
    throw new EngineError(
      'MODEL_INVALID',
      `has ${manifest.featureNames.length} featureNames but the model input has ${inputSize} values`,
      manifest.path,
    );
  }
}

export function buildExplainableModel(network: TfjsNetwork, files: ModelFiles, manifest?: LensManifest): ExplainableModel {
  const file = files.path;
  const input = requireOne(network.inputs, 'input', file);
  const output = requireOne(network.outputs, 'output', file);
  const resolved = resolveInputShape(input, file, manifest);
  const inputShape = resolved.shape;

  // A model whose batch is fixed at 1 runs example by example; concat keeps the result differentiable.
  const run = (x: tf.Tensor): tf.Tensor => {
    const batch = x.shape[0];
    if (!resolved.batchOfOne || batch === 1) return network.forward(x);
    return tf.concat(tf.split(x, batch, 0).map((xi) => network.forward(xi).reshape([1, -1])), 0);
  };

  const inputDtype = (input.dtype ?? 'float32') as tf.DataType;
  const measured = measureOutput(output, network.format === 'tfjs-graph', () => {
    try {
      return tf.tidy(() => {
        const y = run(tf.zeros([1, ...inputShape], inputDtype));
        return { shape: y.shape, dtype: y.dtype };
      });
    } catch (e) {
      throw translateTfjsError(e, file, `the model fails on an input of shape ${show([1, ...inputShape])}`);
    }
  });
  const outputSize = measured.size;
  checkManifestSizes(manifest, outputSize, product(inputShape));

  const summary: ModelSummary = {
    path: file,
    format: network.format,
    inputs: [{ name: input.name, shape: input.shape ?? [null, ...inputShape], dtype: inputDtype } satisfies TensorInfo],
    outputs: [{ name: output.name, shape: measured.shape, dtype: measured.dtype } satisfies TensorInfo],
    layers: network.layers,
    parameterCount: network.parameterCount,
    hash: files.hash,
  };

  let disposed = false;
  const checkInput = (x: tf.Tensor) => {
    if (disposed) throw new EngineError('INTERNAL', 'model was disposed', file);
    const fits = x.rank === inputShape.length + 1 && inputShape.every((d, i) => x.shape[i + 1] === d);
    if (!fits) {
      throw new EngineError('INPUT_INVALID', `input has shape ${show(x.shape)} but the model takes ${show(['batch', ...inputShape])}`, file);
    }
  };
  const toScores = (y: tf.Tensor, batch: number): tf.Tensor2D => {
    if (y.size !== batch * outputSize) {
      throw new EngineError('MODEL_INVALID', `model output has shape ${show(y.shape)}; expected ${outputSize} values per example`, file);
    }
    const scores = y.reshape([batch, outputSize]) as tf.Tensor2D;
    return scores.dtype === 'float32' ? scores : tf.cast(scores, 'float32');
  };
  const networkRun = network.run;
  // Layer runs for models whose batch is fixed at 1 go row by row too; replacements are split along the batch.
  const runLayers = networkRun
    ? (x: tf.Tensor, options: RunOptions) => {
        checkInput(x);
        return tf.tidy(() => {
          const batch = x.shape[0];
          if (!resolved.batchOfOne || batch === 1) {
            const r = networkRun(x, options);
            return { output: toScores(r.output, batch), captured: r.captured };
          }
          const rows = Array.from({ length: batch }, (_, i) => {
            const replace = Object.fromEntries(Object.entries(options.replace ?? {}).map(([k, v]) => [k, tf.slice(v, i, 1)]));
            return networkRun(tf.slice(x, i, 1), { capture: options.capture, replace });
          });
          const captured: Record<string, tf.Tensor> = {};
          for (const name of options.capture ?? []) captured[name] = tf.concat(rows.map((r) => r.captured[name]), 0);
          return { output: toScores(tf.concat(rows.map((r) => r.output.reshape([1, -1])), 0), batch), captured };
        });
      }
    : undefined;
  const model: ExplainableModel = {
    summary,
    inputShape,
    outputSize,
    labels: manifest?.labels,
    featureNames: manifest?.featureNames,
    ...(runLayers ? { run: runLayers } : {}),
    predict(x: tf.Tensor): tf.Tensor2D {
      checkInput(x);
      return tf.tidy(() => toScores(run(x), x.shape[0]));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      fast?.dispose();
      network.dispose();
    },
  };
  // Layers models translated to ONNX: gradients and scores on ONNX Runtime once the translation is checked.
  const fast =
    network.layersModel && inputDtype === 'float32' && fastGradientsEnabled()
      ? new TranslatedFastPath({ layers: network.layersModel, inputShape, outputSize, file, predict: (x) => model.predict(x) })
      : undefined;
  if (fast) {
    Object.defineProperties(model, {
      prepareFastPaths: {
        value: async () => {
          const ok = await fast.prepare();
          // Known before the first batch, so batches are sized for the native memory from the start.
          if (ok) setFastGradientBytesPerRow(model, fast.bytesPerRow!);
          return ok;
        },
        enumerable: true,
      },
      gradientsFast: {
        value: (xs: tf.Tensor, target: number) => {
          checkInput(xs);
          return fast.gradients(model, xs, target);
        },
        enumerable: true,
      },
      gradientsFastRaw: {
        value: (values: Float32Array, rows: number, target: number) => {
          if (values.length !== rows * product(inputShape)) throw new EngineError('INPUT_INVALID', `${values.length} values for ${rows} rows`, file);
          return fast.gradientsRaw(model, values, rows, target);
        },
        enumerable: true,
      },
      predictFast: {
        value: async (xs: tf.Tensor) => {
          checkInput(xs);
          return (await fast.predict(xs)) ?? tf.tidy(() => model.predict(xs));
        },
        enumerable: true,
      },
      fastGradientPath: { get: () => (fast.active ? TRANSLATED_PATH : 'tfjs'), enumerable: true },
      fastPathNote: { get: () => fast.reason, enumerable: true },
    });
  }
  if (runLayers && network.intermediates) {
    Object.defineProperty(model, 'intermediates', { value: network.intermediates, enumerable: true });
  } else if (runLayers && network.measureIntermediates) {
    // Measured on first use: one extra forward pass that only layer methods need.
    const measure = network.measureIntermediates;
    let measured: ExplainableModel['intermediates'];
    Object.defineProperty(model, 'intermediates', {
      enumerable: true,
      get: () => {
        if (!measured) {
          const probe = tf.zeros([1, ...inputShape], inputDtype);
          try {
            measured = measure(probe);
          } finally {
            probe.dispose();
          }
        }
        return measured;
      },
    });
  }
  return model;
}
