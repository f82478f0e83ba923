// Messages between the extension host (or the CLI/tests) and the engine process.
import type { BackendChoice, BackendName, EngineErrorCode, ExplainRequest, Explanation, ModelSummary } from './types';

export type EngineRequest =
  | { id: number; type: 'explain'; request: ExplainRequest }
  | { id: number; type: 'info'; modelPath: string }
  | { id: number; type: 'setBackend'; backend: BackendChoice }
  | { id: number; type: 'stats' }
  /** Test hook: makes the engine process exit abruptly, to exercise crash recovery. */
  | { id: number; type: 'crash' };

/** Fire-and-forget control messages (no reply). */
export type EngineControl = { type: 'cancel'; id: number };

export interface EngineStats {
  backend: BackendName;
  numTensors: number;
  numBytes: number;
  modelsLoaded: number;
}

export interface EngineResults {
  explain: Explanation;
  info: ModelSummary;
  setBackend: { backend: BackendName };
  stats: EngineStats;
  crash: never;
}

export type EngineMessage =
  | { type: 'ready'; backend: BackendName }
  | { type: 'progress'; id: number; fraction: number; message?: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; code: EngineErrorCode; message: string; stack?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
