// Turns errors thrown inside tfjs deserialization or execution into one-line EngineErrors naming the file.
import { EngineError } from '../errors';

const MAX_DETAIL = 300;

function firstLine(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}…` : line;
}

/** `what` says what was being done, e.g. 'cannot load the model'. EngineErrors pass through unchanged. */
export function translateTfjsError(error: unknown, file: string, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // tfjs-layers: "Unknown layer: Foo. This may be due to ..." (also activation, initializer, regularizer, constraint).
  const unknownClass = /Unknown (layer|activation|initializer|regularizer|constraint|loss|metric): ([\w.$/-]+?)\.?(\s|$)/.exec(message);
  if (unknownClass) return new EngineError('MODEL_INVALID', `${what}: unsupported ${unknownClass[1]} '${unknownClass[2]}'`, file);
  // tfjs-converter, at execution: "Unknown op 'Foo'. File an issue at ..."
  const unknownOp = /Unknown op '([^']+)'/.exec(message);
  if (unknownOp) return new EngineError('MODEL_INVALID', `${what}: unsupported op '${unknownOp[1]}'`, file);
  return new EngineError('MODEL_INVALID', `${what}: ${firstLine(message)}`, file);
}
