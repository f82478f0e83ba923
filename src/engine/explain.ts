// The one entry point: explain(request) → Explanation. Used by the engine process, the CLI and tests.
import * as tf from '@tensorflow/tfjs';
import type { BaselineSpec, Explanation, ExplainRequest, FeatureAttribution, MethodOptions } from '../shared/types';
import { currentBackend } from './backend';
import { withoutWeightGradients } from './backend/weightGradients';
import { CancelledError, EngineError } from './errors';
import { getMethod } from './methods/registry';
import type { PreparedInput, RunContext } from './methods/types';
import { imageExplanation, prepareImageFile } from './modalities/image';
import { prepareData, type PreparedData } from './modalities/tabular';
import { prepareTextInput } from './modalities/text/textInput';
import type { ExplainableModel } from './models/types';
import { sharedPool, withWorkerPool } from './parallel/workerPool';

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
/** Default largest batch on ONNX Runtime paths: IG's 50 steps in one call (the memory budget still applies). */
export const NATIVE_BATCH_SIZE = 128;
/** MiB one batch may take by default: room for 32 MobileNetV2-sized gradient inputs would need ~3 GiB. */
export const DEFAULT_MEMORY_BUDGET_MB = 512;

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

/** Why gradients ran on tfjs although the model could have had a native path (e.g. a layer without translation). */
function fastPathNote(model: ExplainableModel, checks: Record<string, unknown> | undefined): { fastPathNote?: string } {
  const path = checks?.gradientPath;
  const note = model.fastPathNote;
  return typeof path === 'string' && path.startsWith('tfjs') && note ? { fastPathNote: note } : {};
}

export async function explain(request: ExplainRequest, models: ModelSource, hooks: ExplainHooks = {}): Promise<Explanation> {
  const method = getMethod(request.method);
  const t0 = performance.now();
  // Batches of models without a native multi-threaded path are split between this thread and compute workers.
  const model = withWorkerPool(await models.get(request.modelPath), sharedPool(currentBackend()));
  const loadMs = performance.now() - t0;

  const image = request.input.kind === 'image-file' ? await prepareImageFile(request.input.path, model.inputShape, model.summary.path) : undefined;
  // Text models: tokens with spans, pad/mask baselines, text defaults (embedding layer, token groups), a result cache.
  const text = image ? undefined : await prepareTextInput(request.input, model, method.id);
  const data: PreparedData = image
    ? { values: Array.from(image.values), shape: image.shape, source: image.source }
    : text
      ? text.data
      : prepareData(request.input, { inputShape: model.inputShape, featureNames: model.featureNames });
  // Image methods need to know where the channels are; the image input knows.
  const requested: MethodOptions = {
    ...(text ? text.defaults(method.id, request.options ?? {}) : {}),
    ...(request.options ?? {}),
    ...(image && request.options?.layout === undefined ? { layout: image.spec.layout } : {}),
  };
  const options: MethodOptions = method.resolveOptions(requested, model);
  const cached = text?.cached(method.id, options, request.target, loadMs);
  if (cached) return cached;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EngineError('OPTION_INVALID', 'batch size must be a positive integer');
  const memoryBudgetMB = options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  if (!(Number.isFinite(memoryBudgetMB) && memoryBudgetMB > 0)) throw new EngineError('OPTION_INVALID', 'memory budget must be a positive number of MiB');

  const shape = [1, ...model.inputShape];
  const prepared: PreparedInput = {
    x: tf.tensor(data.values, shape),
    baseline: tf.tensor(text ? text.baseline(options.baseline) : baselineValues(options.baseline, data), shape),
    baselineSet: data.referenceRows?.length ? tf.tensor(data.referenceRows.flat(), [data.referenceRows.length, ...model.inputShape]) : undefined,
  };
  try {
    // The fast path (ONNX Runtime) when there is one: it also serves models whose graph cannot run on tfjs.
    const output = model.predictFast ? await model.predictFast(prepared.x) : tf.tidy(() => model.predict(prepared.x));
    const predictionScores = Array.from(output.dataSync());
    output.dispose();
    assertFinite(predictionScores, `model output for ${data.source}`);
    const predicted = predictionScores.indexOf(Math.max(...predictionScores));
    const target = resolveTarget(request.target, predicted, model);

    const ctx: RunContext = {
      batchSize,
      nativeBatchSize: options.batchSize ?? NATIVE_BATCH_SIZE,
      memoryBudgetBytes: memoryBudgetMB * 2 ** 20,
      progress: (fraction, message) => hooks.progress?.(fraction, message),
      checkpoint: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (hooks.isCancelled?.()) throw new CancelledError();
      },
    };
    const t1 = performance.now();
    // Layers models' weights are variables: their gradients are never needed (see backend/weightGradients.ts).
    const result = await withoutWeightGradients(model.summary.format === 'tfjs-layers', () => method.attribute(model, prepared, target, options, ctx));
    const attributeMs = performance.now() - t1;
    const values = Array.from(result.attributions.dataSync());
    result.attributions.dispose();
    assertFinite(values, `attributions of ${request.method}`);

    const explanation: Explanation = {
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
      features: text ? text.features(values) : featureList(data, values),
      checks: { targetScore: predictionScores[target], ...result.checks, ...fastPathNote(model, result.checks) },
      backend: currentBackend(),
      timings: { loadMs, attributeMs },
      input: { source: data.source, ...(data.row !== undefined ? { row: data.row } : {}), shape: data.shape },
      ...(result.maps ? { maps: result.maps } : {}),
      ...(image ? { notes: image.notes, image: imageExplanation(image, values) } : {}),
      ...(text ? { text: text.describe(values) } : {}),
    };
    text?.remember(method.id, options, request.target, explanation);
    return explanation;
  } finally {
    tf.dispose([prepared.x, prepared.baseline, ...(prepared.baselineSet ? [prepared.baselineSet] : [])]);
  }
}
