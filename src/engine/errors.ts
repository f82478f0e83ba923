import type { EngineErrorCode } from '../shared/types';

/**
 * An error the user can act on: the message names the file or option and the problem, in one line.
 * Anything thrown that is not an EngineError is treated as an internal bug.
 */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(file && !message.includes(file) ? `${file}: ${message}` : message);
    this.name = 'EngineError';
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/** Thrown by RunContext.throwIfCancelled; never shown as a failure. */
export class CancelledError extends EngineError {
  constructor() {
    super('CANCELLED', 'cancelled');
  }
}
