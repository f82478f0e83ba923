// One fresh process per model × kernel variant: runs the main methods through the engine's public explain() (as the
// CLI does) and prints one line `BENCH_RESULT {json}`. Its own peak RSS (process.resourceUsage().maxRSS) is the
// model's peak memory, since nothing else ran in it.
//
//   node --import tsx bench/modelWorker.ts '{"model":"cnn-tfjs","methods":["saliency"],"reps":5,"stock":false}'
//
// stock: true restores, after the engine registered its wasm kernels, the stock tfjs-backend-wasm kernels for every
// kernel the engine overrides and tfjs's own gradients for the ops whose gradient it fuses (see stockKernels.ts).
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { initBackend } from '../src/engine/backend';
import { explain } from '../src/engine/explain';
import { ModelRegistry } from '../src/engine/models/registry';
import type { BackendChoice, ExplainRequest, MethodOptions } from '../src/shared/types';
import { median, minimum } from './lib';
import { engineMethod, MODELS, methodOptions, REPO, type MainMethod } from './models';
import { captureStockKernels, type StockState } from './stockKernels';
import { GRADIENTS_ENV } from '../src/engine/methods/gradient/batchedGradients';

export interface WorkerRequest {
  model: string;
  methods: MainMethod[];
  reps: number;
  stock: boolean;
  backend?: BackendChoice;
  /** Overrides IG's steps (memory-vs-steps runs). */
  igSteps?: number;
  /** Stop repeating a method once its runs took this long (the median is of the runs done, at least 1). */
  budgetMs?: number;
  /**
   * The untimed first run (model load, tf peak) uses this cheap method instead of each method itself: for the stock
   * runs of big models, where one more run of IG would cost half a minute. tfPeakBytes is then not measured.
   */
  warmupWith?: MainMethod;
  /** Added to every method's options (e.g. memoryBudgetMB). */
  extraOptions?: MethodOptions;
}

export interface MethodResult {
  method: MainMethod;
  /** The engine method it ran as, when another than `method` (text models). */
  ranAs?: string;
  /** Wall time of explain() per run, model already loaded (the first, untimed run loads it). */
  samplesMs?: number[];
  medianMs?: number;
  minMs?: number;
  /** explain()'s own timing of the attribution step (medians). */
  attributeMs?: number;
  /** Peak bytes of tensors tfjs tracks (weights included) during the first run (tf.profile). */
  tfPeakBytes?: number;
  /** The model's output on the input (first 10), to check the PyTorch rebuild is the same model. */
  scores?: number[];
  /** Options explain() resolved (steps, batch size, …). */
  options?: MethodOptions;
  /** What computed the gradients (checks.gradientPath), for gradient methods. */
  gradientPath?: string;
  /**
   * Memory runs: the largest rise of the process's resident memory above its level just before the first run, sampled
   * every 2 ms while it runs (ONNX Runtime's buffers, which tf.profile cannot see; the model's fast path is prepared
   * before, so its one-time check is not counted).
   */
  rssRiseBytes?: number;
  error?: string;
}

export interface WorkerResult {
  model: string;
  stock: boolean;
  backend: string;
  threads?: number;
  simd?: boolean;
  stockRestored?: string[];
  loadMs?: number;
  methods: MethodResult[];
  /** process.resourceUsage().maxRSS, in bytes, at the end. */
  maxRssBytes: number;
}

/** Samples process.memoryUsage.rss() every 2 ms until stop(); returns the peak rise over the level at the start. */
function rssSampler(): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) - start;
    },
  };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2]) as WorkerRequest;
  const model = MODELS.find((m) => m.id === req.model);
  if (!model) throw new Error(`unknown model ${req.model}`);
  // The stock kernel configs must be taken before initBackend registers ours.
  const stock: StockState | undefined = req.stock ? captureStockKernels() : undefined;
  if (req.stock) {
    // Stock means TF.js as it comes: tfjs gradients (not ONNX Runtime's backward graph), one thread (no workers).
    process.env[GRADIENTS_ENV] = 'tfjs';
    process.env.ATTRIBUTION_LENS_THREADS = '1';
  }
  const backend = await initBackend(req.backend ?? 'wasm');
  const restored = stock && backend === 'wasm' ? stock.restore() : undefined;
  const result: WorkerResult = {
    model: model.id,
    stock: req.stock,
    backend,
    ...(backend === 'wasm' ? { threads: getThreadsCount(), simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) } : {}),
    ...(restored ? { stockRestored: restored } : {}),
    methods: [],
    maxRssBytes: 0,
  };
  const models = new ModelRegistry();
  const modelPath = join(REPO, model.path);
  const input = model.input();
  const runInputs = model.runInputs?.();
  for (const method of req.methods) {
    const options: MethodOptions = { ...methodOptions(method, model), ...(req.extraOptions ?? {}) };
    if (method === 'integrated-gradients' && req.igSteps) options.steps = req.igSteps;
    const request: ExplainRequest = { modelPath, input, method: engineMethod(method, model), options };
    const r: MethodResult = { method, ...(request.method !== method ? { ranAs: request.method } : {}) };
    try {
      // First run: loads the model (once per process) and measures the tensor peak; not timed.
      let loadMs = 0;
      if (req.warmupWith && req.warmupWith !== method) {
        const e = await explain({ ...request, method: engineMethod(req.warmupWith, model), options: methodOptions(req.warmupWith, model) }, models);
        loadMs = e.timings.loadMs;
        r.scores = e.prediction.scores.slice(0, 10);
      } else {
        if (req.igSteps) await (await models.get(modelPath)).prepareFastPaths?.();
        const rss = req.igSteps ? rssSampler() : undefined;
        const profile = await tf.profile(async () => {
          const e = await explain(request, models);
          loadMs = e.timings.loadMs;
          r.scores = e.prediction.scores.slice(0, 10);
          r.options = e.method.options;
          return [];
        });
        r.tfPeakBytes = profile.peakBytes;
        if (rss) r.rssRiseBytes = rss.stop();
      }
      result.loadMs ??= loadMs;
      const samples: number[] = [];
      const attribute: number[] = [];
      let spent = 0;
      for (let i = 0; i < req.reps && (i === 0 || spent < (req.budgetMs ?? Infinity)); i++) {
        const run = runInputs ? { ...request, input: runInputs[i % runInputs.length] } : request;
        const t0 = performance.now();
        const e = await explain(run, models);
        if (e.checks?.cached) throw new Error('a timed run was answered from the engine cache');
        const dt = performance.now() - t0;
        spent += dt;
        samples.push(dt);
        attribute.push(e.timings.attributeMs);
        if (typeof e.checks?.gradientPath === 'string') r.gradientPath = e.checks.gradientPath;
      }
      r.samplesMs = samples;
      r.medianMs = median(samples);
      r.minMs = minimum(samples);
      r.attributeMs = median(attribute);
    } catch (e) {
      r.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
    result.methods.push(r);
  }
  result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
