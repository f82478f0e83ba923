// Parses model and manifest JSON with errors that point at the line and column, not a byte offset.
import { EngineError } from '../errors';
import { lineColumnAt } from '../modalities/textPosition';

/** Where a JSON.parse error happened: V8 says "... in JSON at position N" or "Unexpected end of JSON input". */
function describeSyntaxError(text: string, error: Error): string {
  const reason = error.message.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  const match = /position (\d+)/.exec(error.message);
  const offset = match ? Number(match[1]) : /end of JSON input/.test(error.message) ? text.length : undefined;
  if (offset === undefined) return reason;
  const { line, column } = lineColumnAt(text, offset);
  return `${reason} at line ${line + 1}, column ${column + 1}`;
}

/** Parses JSON text (a leading BOM is allowed); a syntax error becomes EngineError(code) naming the file and position. */
export function parseJsonText(text: string, file: string, code: 'MODEL_INVALID' | 'INPUT_INVALID' = 'MODEL_INVALID'): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new EngineError(code, `not valid JSON: ${describeSyntaxError(body, e as Error)}`, file);
  }
}
