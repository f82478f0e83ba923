// Splits a batch of rows between the engine's own thread and compute workers (workerMain.ts), one per extra core,
// for models that only have the (single-threaded) tfjs path. Rows are independent, so the result is the batch's
// result; a worker that fails (model changed, crashed) makes the batch fall back to the engine's own thread.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../../shared/types';
import type { ExplainableModel } from '../models/types';
import { runJob, type JobKind } from './jobs';
import type { JobMessage, JobReply, WarmReply } from './workerMain';

/** Batches smaller than this many rows per thread are not worth a round trip. */
export const MIN_ROWS_PER_THREAD = 2;
/** Batches with fewer input values than this are computed on the engine's thread alone (tabular rows, short texts). */
export const MIN_PARALLEL_VALUES = 32_768;
/** Worker deaths tolerated before the pool stops starting new ones. */
const MAX_RESTARTS = 2;
/** Workers with nothing to do for this long are stopped (a new request starts them again). */
const IDLE_MS = 60_000;

/** Extra threads: ATTRIBUTION_LENS_THREADS (total, 1 = none), else one per core beyond the first, at most 7. */
export function workerCount(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const set = Number(env.ATTRIBUTION_LENS_THREADS);
  const total = Number.isInteger(set) && set >= 1 ? set : cores;
  return Math.max(0, Math.min(7, total - 1));
}

/** Row counts for `threads` threads: as equal as possible, the engine's own thread first. */
export function splitRows(rows: number, threads: number): number[] {
  const parts = Math.max(1, Math.min(threads, Math.floor(rows / MIN_ROWS_PER_THREAD)));
  return Array.from({ length: parts }, (_, i) => Math.floor(rows / parts) + (i < rows % parts ? 1 : 0));
}

/** The worker: dist/engine-worker.js beside the bundle (engine.js, cli.js); from source (tests), the .ts file via tsx. */
function startWorker(backend: BackendName): Worker {
  const bundled = join(__dirname, 'engine-worker.js');
  if (existsSync(bundled)) return new Worker(bundled, { workerData: { backend } });
  // tsx's hooks do not reach worker threads: register them in the worker before loading the TypeScript entry.
  const source = join(__dirname, 'workerMain.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData: { backend } });
}

const FAILED = 'failed';

interface PendingJob {
  resolve(reply: JobReply): void;
}

class ComputeWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 1;
  dead = false;
  /** Model path → the hash of the model the worker loaded ('' while loading, FAILED when it could not). */
  private readonly warm = new Map<string, string>();

  constructor(backend: BackendName, start: (backend: BackendName) => Worker) {
    this.worker = start(backend);
    this.worker.on('message', (reply: JobReply | WarmReply) => {
      if (reply.type === 'warm') {
        this.warm.set(reply.modelPath, reply.hash ?? FAILED);
        return;
      }
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
      if (!this.pending.size) this.worker.unref();
    });
    const fail = (why: string) => {
      this.dead = true;
      for (const [id, job] of this.pending) job.resolve({ type: 'job', id, error: why });
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(`compute worker failed: ${e.message}`));
    this.worker.on('exit', (code) => fail(`compute worker exited (${code})`));
    // Idle workers never keep the CLI or a test alive (after the listeners: adding a 'message' listener refs again).
    this.worker.unref();
  }

  /**
   * True once the worker holds this model (same bytes). The first call starts loading it and answers false: the
   * caller computes alone until the worker is ready, so a cold worker never delays a batch.
   */
  readyFor(modelPath: string, hash: string): boolean {
    const known = this.warm.get(modelPath);
    if (known === hash) return true;
    // Loading, or the worker could not load it: compute without this worker.
    if (known === '' || known === FAILED) return false;
    // Not loaded yet, or another version of the file: (re)load.
    this.warm.set(modelPath, '');
    this.worker.postMessage({ type: 'warm', modelPath });
    return false;
  }

  run(job: Omit<JobMessage, 'id' | 'type'>): Promise<JobReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      // A job in flight keeps the process alive until its answer arrives (a pending promise alone would not).
      if (!this.pending.size) this.worker.ref();
      this.pending.set(id, { resolve });
      this.worker.postMessage({ ...job, type: 'job', id }, [job.values.buffer as ArrayBuffer]);
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }
}

export class WorkerPool {
  private workers: ComputeWorker[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  /** Workers died this many times: past MAX_RESTARTS the pool gives up and the engine computes alone. */
  private restarts = 0;

  constructor(
    private readonly backend: BackendName,
    readonly size: number,
    /** How a worker thread is started (tests pass a broken one). */
    private readonly start: (backend: BackendName) => Worker = startWorker,
  ) {}

  /** False once workers keep dying (a missing worker script, a broken runtime): batches then stay on this thread. */
  get usable(): boolean {
    return this.restarts <= MAX_RESTARTS;
  }

  private live(): ComputeWorker[] {
    const alive = this.workers.filter((w) => !w.dead);
    this.restarts += this.workers.length - alive.length;
    this.workers = alive;
    while (this.usable && this.workers.length < this.size) this.workers.push(new ComputeWorker(this.backend, this.start));
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.terminate(), IDLE_MS);
    this.idleTimer.unref();
    return this.workers;
  }

  /**
   * The job's result for every row of xs [B, ...], rows split between this thread (the first part) and the workers.
   * Undefined when a worker could not do its part (the caller computes the batch itself).
   */
  async run(model: ExplainableModel, kind: JobKind, xs: tf.Tensor, target: number): Promise<tf.Tensor | undefined> {
    const rows = xs.shape[0]!;
    if (xs.size < MIN_PARALLEL_VALUES || !this.usable) return undefined;
    const workers = this.live();
    const ready = workers.filter((w) => w.readyFor(model.summary.path, model.summary.hash));
    const parts = splitRows(rows, ready.length + 1);
    if (parts.length < 2) return undefined;
    const rowSize = xs.size / rows;
    const all = (await xs.data()) as Float32Array;
    // Workers start first; this thread computes its own part while they run.
    let start = parts[0]!;
    const remote = parts.slice(1).map((count, i) => {
      const values = all.slice(start * rowSize, (start + count) * rowSize);
      start += count;
      return ready[i]!.run({ kind, modelPath: model.summary.path, hash: model.summary.hash, target, shape: [count, ...xs.shape.slice(1)], values });
    });
    const own = tf.tidy(() => runJob(model, kind, xs.slice(0, parts[0]!), target));
    const replies = await Promise.all(remote);
    if (replies.some((r) => 'error' in r)) {
      own.dispose();
      return undefined;
    }
    const pieces = [own, ...replies.map((r) => tf.tensor((r as { values: Float32Array }).values, (r as { shape: number[] }).shape, 'float32'))];
    const out = tf.concat(pieces, 0);
    tf.dispose(pieces);
    return out;
  }

  async terminate(): Promise<void> {
    clearTimeout(this.idleTimer);
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

let shared: WorkerPool | undefined;

/** The engine's pool for the current backend, or undefined when there is no core to spare (or it is switched off). */
export function sharedPool(backend: BackendName): WorkerPool | undefined {
  // The native backend already uses every core.
  if (backend === 'tensorflow') return undefined;
  const size = workerCount();
  if (size < 1) return undefined;
  if (!shared || shared.size !== size || (shared as unknown as { backend: BackendName }).backend !== backend) {
    void shared?.terminate();
    shared = new WorkerPool(backend, size);
  }
  return shared;
}

export async function stopSharedPool(): Promise<void> {
  await shared?.terminate();
  shared = undefined;
}

/**
 * The model with parallel fast paths for input gradients and forward scores, where it has no native ones: ONNX
 * models have ONNX Runtime's; TF.js layers models have it when their translation to ONNX holds (prepareFastPaths),
 * else the pool. Models without a file path on disk are left as they are.
 */
export function withWorkerPool(model: ExplainableModel, pool: WorkerPool | undefined): ExplainableModel {
  if (!pool || !model.summary.path) return model;
  // ONNX models: ONNX Runtime computes on every core already.
  if (!model.summary.format.startsWith('tfjs')) return model;
  const wrapped: ExplainableModel = Object.create(model);
  const own = model.prepareFastPaths ? () => model.prepareFastPaths!() : async () => false;
  // Never undefined: a batch the pool does not split (small, workers still loading) is computed here, so the
  // caller keeps asking for later batches; the path says whether any batch was split.
  let split = false;
  Object.defineProperty(wrapped, 'gradientsFast', {
    value: async (xs: tf.Tensor, target: number) => {
      if (await own()) {
        const grads = await model.gradientsFast!(xs, target);
        if (grads) return grads;
      }
      const out = await pool.run(model, 'gradients', xs, target);
      if (out) split = true;
      return out ?? runJob(model, 'gradients', xs, target);
    },
  });
  Object.defineProperty(wrapped, 'fastGradientPath', {
    get: () => {
      const path = model.fastGradientPath;
      if (path && !path.startsWith('tfjs')) return path;
      return split ? 'tfjs (worker threads)' : 'tfjs';
    },
  });
  Object.defineProperty(wrapped, 'predictFast', {
    value: async (xs: tf.Tensor) => {
      if (await own()) return model.predictFast!(xs);
      return ((await pool.run(model, 'forward', xs, 0)) as tf.Tensor2D | undefined) ?? tf.tidy(() => model.predict(xs));
    },
  });
  return wrapped;
}
