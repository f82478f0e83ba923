// Owns the one EngineClient: created on first use (so activation stays cheap), told about backend changes,
// and logging to the output channel. The extension host never computes tensors; everything goes through here.
import * as vscode from 'vscode';
import { EngineClient, type RequestOptions } from '../engine/process/client';
import type { BackendChoice, BackendName, ExplainRequest, Explanation, ModelSummary } from '../shared/types';
import { logAt, type Log } from './output';

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function configuredBackend(): BackendChoice {
  const value = vscode.workspace.getConfiguration('attributionLens').get<string>('backend', 'auto');
  return (BACKEND_CHOICES as readonly string[]).includes(value) ? (value as BackendChoice) : 'auto';
}

export class EngineService implements vscode.Disposable {
  private client: EngineClient | undefined;
  /** The backend choice the running client was given, so a settings change we caused is not applied twice. */
  private appliedChoice: BackendChoice | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the backend may have changed (first reply, setBackend, restart). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly enginePath: string,
    private readonly log: Log,
  ) {}

  get backend(): BackendName | undefined {
    return this.client?.backend;
  }

  get started(): boolean {
    return this.client !== undefined;
  }

  async explain(request: ExplainRequest, opts?: RequestOptions): Promise<Explanation> {
    try {
      return await this.getClient().explain(request, opts);
    } finally {
      this.changed.fire();
    }
  }

  async info(modelPath: string, opts?: RequestOptions): Promise<ModelSummary> {
    try {
      return await this.getClient().info(modelPath, opts);
    } finally {
      this.changed.fire();
    }
  }

  /** Switches the engine's backend (starting the engine if needed); rejects when the backend is not available. */
  async setBackend(choice: BackendChoice): Promise<BackendName> {
    const name = await this.getClient().setBackend(choice);
    this.appliedChoice = choice;
    this.log.info(`backend set to ${choice} (${name})`);
    this.changed.fire();
    return name;
  }

  /** Applies a backend choice made in settings to an engine that is already running; a new engine reads it at start. */
  async applyConfiguredBackend(): Promise<BackendName | undefined> {
    const choice = configuredBackend();
    if (!this.client || choice === this.appliedChoice) return undefined;
    return this.setBackend(choice);
  }

  dispose(): void {
    this.client?.dispose();
    this.client = undefined;
    this.changed.dispose();
  }

  private getClient(): EngineClient {
    if (this.client) return this.client;
    const backend = configuredBackend();
    this.log.info(`starting engine ${this.enginePath} (backend: ${backend})`);
    this.client = new EngineClient({
      enginePath: this.enginePath,
      backend,
      log: (level, message) => logAt(this.log, level, message),
      onRestart: (reason) => {
        this.log.warn(`${reason}; the engine restarts on the next request`);
        this.changed.fire();
      },
    });
    this.appliedChoice = backend;
    return this.client;
  }
}
