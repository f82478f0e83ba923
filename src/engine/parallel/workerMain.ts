// A compute worker of the engine (dist/engine-worker.js): a thread with its own tfjs backend and its own copy of the
// model, which computes gradients or scores for the rows it is sent. TF.js's wasm backend runs one thread per
// process in Node, so the engine splits batches between itself and these workers to use the other cores.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendName } from '../../shared/types';
import { initBackend } from '../backend';
import { ModelRegistry } from '../models/registry';
import type { JobKind } from './jobs';
import { runJob } from './jobs';

/** Load a model ahead of jobs; the worker answers with a WarmReply. */
export interface WarmMessage {
  type: 'warm';
  modelPath: string;
}
export type WarmReply = { type: 'warm'; modelPath: string; hash?: string; error?: string };

export interface JobMessage {
  type: 'job';
  id: number;
  kind: JobKind;
  modelPath: string;
  /** The main thread's model hash: a worker that loaded other bytes refuses instead of computing with them. */
  hash: string;
  target: number;
  shape: number[];
  values: Float32Array;
}

export type JobReply = { type: 'job'; id: number; values: Float32Array; shape: number[] } | { type: 'job'; id: number; error: string };

const registry = new ModelRegistry();
const ready = initBackend((workerData as { backend: BackendName }).backend);

async function handle(m: JobMessage): Promise<JobReply> {
  await ready;
  const model = await registry.get(m.modelPath);
  if (model.summary.hash !== m.hash) return { type: 'job', id: m.id, error: `the model file changed (hash ${model.summary.hash.slice(0, 8)})` };
  const xs = tf.tensor(m.values, m.shape, 'float32');
  try {
    const out = runJob(model, m.kind, xs, m.target);
    try {
      return { type: 'job', id: m.id, values: (await out.data()) as Float32Array, shape: out.shape };
    } finally {
      out.dispose();
    }
  } finally {
    xs.dispose();
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

parentPort?.on('message', (m: JobMessage | WarmMessage) => {
  if (m.type === 'warm') {
    ready
      .then(() => registry.get(m.modelPath))
      .then(
        (model) => parentPort?.postMessage({ type: 'warm', modelPath: m.modelPath, hash: model.summary.hash } satisfies WarmReply),
        (e: unknown) => parentPort?.postMessage({ type: 'warm', modelPath: m.modelPath, error: message(e) } satisfies WarmReply),
      );
    return;
  }
  handle(m).then(
    (reply) => parentPort?.postMessage(reply, 'values' in reply ? [reply.values.buffer as ArrayBuffer] : []),
    (e: unknown) => parentPort?.postMessage({ type: 'job', id: m.id, error: message(e) } satisfies JobReply),
  );
});
