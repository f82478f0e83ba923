// EngineErrors for the ONNX loader. Names come from the file, and a corrupt file can hold anything in them: control
// characters are escaped so every message stays on one line.
import type { EngineErrorCode } from '../../../shared/types';
import { EngineError } from '../../errors';

export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function onnxError(code: EngineErrorCode, message: string, file?: string): EngineError {
  return new EngineError(code, oneLine(message), file);
}
