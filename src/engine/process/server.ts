// Serves engine requests one at a time, with progress and cancellation; transport-agnostic so it can be tested
// without a child process.
import * as tf from '@tensorflow/tfjs';
import type { EngineControl, EngineMessage, EngineRequest, EngineStats } from '../../shared/protocol';
import type { BackendChoice } from '../../shared/types';
import { currentBackend, initBackend } from '../backend';
import { CancelledError, isEngineError } from '../errors';
import { explain } from '../explain';
import { readModelInfo } from './modelInfo';
import { ModelRegistry } from '../models/registry';
import { stopSharedPool } from '../parallel/workerPool';

/** Progress messages closer together than this are dropped (the last one always goes out). */
const PROGRESS_INTERVAL_MS = 100;

export class EngineServer {
  private readonly models = new ModelRegistry();
  private readonly cancelled = new Set<number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly send: (message: EngineMessage) => void) {}

  /** A backend that is not available here (e.g. tensorflow not installed) falls back to auto, with a warning. */
  async start(backend: BackendChoice): Promise<void> {
    let name;
    try {
      name = await initBackend(backend);
    } catch (e) {
      this.send({ type: 'log', level: 'warn', message: `${(e as Error).message}; using the automatic choice instead` });
      name = await initBackend('auto');
    }
    this.send({ type: 'ready', backend: name });
  }

  /** Cancels take effect at once; requests run in arrival order. */
  receive(message: EngineRequest | EngineControl): void {
    if (message.type === 'cancel') {
      this.cancelled.add(message.id);
      return;
    }
    this.queue = this.queue.then(() => this.run(message));
  }

  private async run(req: EngineRequest): Promise<void> {
    try {
      if (this.cancelled.has(req.id)) throw new CancelledError();
      const result = await this.dispatch(req);
      this.send({ type: 'result', id: req.id, result });
    } catch (e) {
      this.send(
        isEngineError(e)
          ? { type: 'error', id: req.id, code: e.code, message: e.message }
          : { type: 'error', id: req.id, code: 'INTERNAL', message: `internal error: ${(e as Error).message}`, stack: (e as Error).stack },
      );
    } finally {
      this.cancelled.delete(req.id);
    }
  }

  private async dispatch(req: EngineRequest): Promise<unknown> {
    switch (req.type) {
      case 'explain': {
        let last = 0;
        return explain(req.request, this.models, {
          isCancelled: () => this.cancelled.has(req.id),
          progress: (fraction, message) => {
            const now = performance.now();
            if (now - last < PROGRESS_INTERVAL_MS && fraction < 1) return;
            last = now;
            this.send({ type: 'progress', id: req.id, fraction, message });
          },
        });
      }
      case 'info':
        return readModelInfo(req.modelPath);
      case 'setBackend': {
        // Models hold tensors of the old backend: drop them, and the workers running it.
        this.models.clear();
        await stopSharedPool();
        return { backend: await initBackend(req.backend) };
      }
      case 'stats':
        return this.stats();
      case 'crash':
        process.exit(70);
    }
  }

  stats(): EngineStats {
    const mem = tf.memory();
    return { backend: currentBackend(), numTensors: mem.numTensors, numBytes: mem.numBytes, modelsLoaded: this.models.size };
  }
}
