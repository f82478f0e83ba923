// Talks to the engine child process (dist/engine.js). vscode-free, so the extension, tests and tools share it.
// The process is started on first use and again after a crash; a crash fails the requests in flight, never the caller's process.
import { fork, type ChildProcess } from 'node:child_process';
import type { EngineControl, EngineMessage, EngineRequest, EngineResults, EngineStats } from '../../shared/protocol';
import type { BackendChoice, BackendName, EngineErrorCode, ExplainRequest, Explanation, ModelSummary } from '../../shared/types';

export interface EngineClientOptions {
  /** Absolute path of dist/engine.js. */
  enginePath: string;
  backend?: BackendChoice;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called when the engine process exited unexpectedly; it restarts on the next request. */
  onRestart?: (reason: string) => void;
}

export interface RequestOptions {
  onProgress?: (fraction: number, message?: string) => void;
  signal?: AbortSignal;
}

export class EngineRequestError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: RequestOptions['onProgress'];
}

type RequestBody = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class EngineClient {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private backendName: BackendName | undefined;
  private backendChoice: BackendChoice;
  private disposed = false;

  constructor(private readonly options: EngineClientOptions) {
    this.backendChoice = options.backend ?? 'auto';
  }

  get backend(): BackendName | undefined {
    return this.backendName;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  explain(request: ExplainRequest, opts?: RequestOptions): Promise<Explanation> {
    return this.request({ type: 'explain', request }, opts) as Promise<EngineResults['explain']>;
  }

  info(modelPath: string, opts?: RequestOptions): Promise<ModelSummary> {
    return this.request({ type: 'info', modelPath }, opts) as Promise<EngineResults['info']>;
  }

  async setBackend(backend: BackendChoice): Promise<BackendName> {
    const { backend: name } = (await this.request({ type: 'setBackend', backend })) as EngineResults['setBackend'];
    // A restarted engine must come back with the same choice.
    this.backendChoice = backend;
    this.backendName = name;
    return name;
  }

  stats(): Promise<EngineStats> {
    return this.request({ type: 'stats' }) as Promise<EngineStats>;
  }

  /** Test hook: kills the engine process from inside. */
  crashForTesting(): Promise<unknown> {
    return this.request({ type: 'crash' });
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(new EngineRequestError('CANCELLED', 'the engine was shut down'));
    this.child?.kill();
    this.child = undefined;
  }

  private request(body: RequestBody, opts: RequestOptions = {}): Promise<unknown> {
    if (this.disposed) return Promise.reject(new EngineRequestError('INTERNAL', 'the engine client was disposed'));
    if (opts.signal?.aborted) return Promise.reject(new EngineRequestError('CANCELLED', 'cancelled'));
    const child = this.ensureStarted();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const cancel: EngineControl = { type: 'cancel', id };
        if (child.connected) child.send(cancel);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => (cleanup(), resolve(v)),
        reject: (e) => (cleanup(), reject(e)),
        onProgress: opts.onProgress,
      });
      child.send({ ...body, id } as EngineRequest);
    });
  }

  private ensureStarted(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(this.options.enginePath, [`--backend=${this.backendChoice}`], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Inside VS Code, process.execPath is Electron; fork runs it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.options.log?.('info', d.toString().trimEnd()));
    child.stderr?.on('data', (d: Buffer) => this.options.log?.('warn', d.toString().trimEnd()));
    child.on('message', (m: EngineMessage) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.disposed) return;
      const reason = `engine process exited (${signal ?? `code ${code}`})`;
      this.options.log?.('error', reason);
      this.failAll(new EngineRequestError('ENGINE_CRASHED', `${reason}; it will restart on the next request`));
      this.options.onRestart?.(reason);
    });
    child.on('error', (e) => this.options.log?.('error', `engine process error: ${e.message}`));
    return child;
  }

  private onMessage(m: EngineMessage): void {
    switch (m.type) {
      case 'ready':
        this.backendName = m.backend;
        this.options.log?.('info', `engine ready (backend: ${m.backend})`);
        return;
      case 'log':
        this.options.log?.(m.level, m.message);
        return;
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.fraction, m.message);
        return;
      case 'result': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.result);
        return;
      }
      case 'error': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.stack) this.options.log?.('error', m.stack);
        p?.reject(new EngineRequestError(m.code, m.message));
        return;
      }
    }
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
