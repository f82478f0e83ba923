// The one entry point: explain(request) → Explanation. Used by the engine process, the CLI and tests.
import * as tf from '@tensorflow/tfjs';
import type { BaselineSpec, Explanation, ExplainRequest, FeatureAttribution, MethodOptions } from '../shared/types';
import { currentBackend } from './backend';
import { CancelledError, EngineError } from './errors';
import { getMethod } from './methods/registry';
import type { PreparedInput, RunContext } from './methods/types';
import { prepareData, type PreparedData } from './modalities/tabular';
import type { ExplainableModel } from './models/types';

export interface ModelSource {
  get(path: string): Promise<ExplainableModel>;
}

export interface ExplainHooks {
  progress?: (fraction: number, message?: string) => void;
  /** Polled between batches; true stops the run with CancelledError. */
  isCancelled?: () => boolean;
}

/** Per-feature names are only listed for flat inputs of a readable size. */
const MAX_LISTED_FEATURES = 4096;
export const DEFAULT_BATCH_SIZE = 32;

function baselineValues(spec: BaselineSpec | undefined, data: PreparedData): number[] {
  const n = data.values.length;
  switch (spec?.kind ?? 'zero') {
    case 'zero':
      return new Array<number>(n).fill(0);
    case 'constant': {
      const v = (spec as { value: number }).value;
      if (!Number.isFinite(v)) throw new EngineError('OPTION_INVALID', 'baseline constant must be a finite number');
      return new Array<number>(n).fill(v);
    }
    case 'mean':
      if (!data.mean) throw new EngineError('OPTION_INVALID', "baseline 'mean' needs a dataset input (a CSV file)");
      return data.mean;
    case 'tensor': {
      const t = (spec as { data: { shape: number[]; values: number[] } }).data;
      if (t.values.length !== n) {
        throw new EngineError('OPTION_INVALID', `baseline has ${t.values.length} values but the input has ${n}`);
      }
      return t.values;
    }
    default:
      throw new EngineError('OPTION_INVALID', `unknown baseline kind '${(spec as { kind: string }).kind}'`);
  }
}

function resolveTarget(target: ExplainRequest['target'], predicted: number, model: ExplainableModel): number {
  if (target === undefined || target === null || target === '') return predicted;
  const asNumber = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : undefined;
  if (asNumber !== undefined) {
    if (!Number.isInteger(asNumber) || asNumber < 0 || asNumber >= model.outputSize) {
      throw new EngineError('TARGET_INVALID', `target ${target} is out of range: the model has ${model.outputSize} outputs (0–${model.outputSize - 1})`);
    }
    return asNumber;
  }
  const index = model.labels?.indexOf(String(target)) ?? -1;
  if (index < 0) {
    const known = model.labels?.length ? `labels are: ${model.labels.join(', ')}` : 'the model has no labels; use an output index';
    throw new EngineError('TARGET_INVALID', `unknown target '${target}'; ${known}`);
  }
  return index;
}

function featureList(data: PreparedData, scores: Float32Array | number[]): FeatureAttribution[] {
  if (data.shape.length !== 1 || data.values.length > MAX_LISTED_FEATURES) return [];
  return data.values.map((value, i) => ({
    name: data.featureNames?.[i] ?? `x[${i}]`,
    value: data.rawValues?.[i] ?? value,
    score: scores[i],
    ...(data.spans ? { span: data.spans[i] } : {}),
  }));
}

function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new EngineError('NUMERIC', `${what} contains ${Number.isNaN(values[i]) ? 'NaN' : 'Infinity'} (element ${i})`);
    }
  }
}

export async function explain(request: ExplainRequest, models: ModelSource, hooks: ExplainHooks = {}): Promise<Explanation> {
  const method = getMethod(request.method);
  const t0 = performance.now();
  const model = await models.get(request.modelPath);
  const loadMs = performance.now() - t0;

  const data = prepareData(request.input, { inputShape: model.inputShape, featureNames: model.featureNames });
  const options: MethodOptions = method.resolveOptions({ ...(request.options ?? {}) }, model);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EngineError('OPTION_INVALID', 'batch size must be a positive integer');

  const shape = [1, ...model.inputShape];
  const prepared: PreparedInput = {
    x: tf.tensor(data.values, shape),
    baseline: tf.tensor(baselineValues(options.baseline, data), shape),
    baselineSet: data.referenceRows?.length ? tf.tensor(data.referenceRows.flat(), [data.referenceRows.length, ...model.inputShape]) : undefined,
  };
  try {
    const output = tf.tidy(() => model.predict(prepared.x));
    const predictionScores = Array.from(output.dataSync());
    output.dispose();
    assertFinite(predictionScores, `model output for ${data.source}`);
    const predicted = predictionScores.indexOf(Math.max(...predictionScores));
    const target = resolveTarget(request.target, predicted, model);

    const ctx: RunContext = {
      batchSize,
      progress: (fraction, message) => hooks.progress?.(fraction, message),
      checkpoint: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (hooks.isCancelled?.()) throw new CancelledError();
      },
    };
    const t1 = performance.now();
    const result = await method.attribute(model, prepared, target, options, ctx);
    const attributeMs = performance.now() - t1;
    const values = Array.from(result.attributions.dataSync());
    result.attributions.dispose();
    assertFinite(values, `attributions of ${request.method}`);

    return {
      model: {
        path: model.summary.path,
        format: model.summary.format,
        inputs: model.summary.inputs,
        outputs: model.summary.outputs,
        hash: model.summary.hash,
      },
      method: { id: method.id, options },
      target: { index: target, ...(model.labels ? { label: model.labels[target] } : {}) },
      prediction: {
        scores: predictionScores,
        index: predicted,
        ...(model.labels ? { label: model.labels[predicted], labels: model.labels } : {}),
      },
      attributions: { shape: model.inputShape, values },
      features: featureList(data, values),
      checks: { targetScore: predictionScores[target], ...result.checks },
      backend: currentBackend(),
      timings: { loadMs, attributeMs },
      input: { source: data.source, ...(data.row !== undefined ? { row: data.row } : {}), shape: data.shape },
    };
  } finally {
    tf.dispose([prepared.x, prepared.baseline, ...(prepared.baselineSet ? [prepared.baselineSet] : [])]);
  }
}
