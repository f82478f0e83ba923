// Decides what the user sees for a failure: engine errors carry a one-line message that names the file;
// anything else is a bug, shown briefly and logged with its stack. vscode-free.
import { EngineRequestError } from '../engine/process/client';

export type ErrorReport =
  | { kind: 'cancelled' }
  | { kind: 'user'; message: string }
  | { kind: 'bug'; message: string; detail?: string };

export function describeError(e: unknown): ErrorReport {
  if (e instanceof EngineRequestError) {
    if (e.code === 'CANCELLED') return { kind: 'cancelled' };
    if (e.code === 'INTERNAL') return { kind: 'bug', message: `Attribution Lens engine error: ${e.message}` };
    return { kind: 'user', message: e.message };
  }
  if (e instanceof Error) return { kind: 'bug', message: `Attribution Lens failed: ${e.message}`, detail: e.stack };
  return { kind: 'bug', message: `Attribution Lens failed: ${String(e)}` };
}
