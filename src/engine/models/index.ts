// Entry points of the model loaders: pick the loader from the path (a model.json, a folder holding one, an .onnx).
import { open, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { ModelSummary } from '../../shared/types';
import { EngineError } from '../errors';
import { loadOnnxModel, readOnnxSummary } from './onnx';
import { loadTfjsModel } from './tfjsLoader';
import type { ExplainableModel } from './types';

type ModelKind = 'tfjs' | 'onnx';

/** Formats people point at by mistake, with what to do instead. */
const CONVERT_FIRST: Record<string, string> = {
  '.h5': 'Keras .h5 files must be converted to a TF.js model.json first (tensorflowjs_converter)',
  '.keras': 'Keras .keras files must be converted to a TF.js model.json first (tensorflowjs_converter)',
  '.pb': 'TensorFlow graphs must be converted to a TF.js model.json first (tensorflowjs_converter)',
  '.tflite': 'TensorFlow Lite models are not supported; convert the original model to TF.js or ONNX',
  '.pt': 'PyTorch files are not supported; export the model to ONNX',
  '.pth': 'PyTorch files are not supported; export the model to ONNX',
};

/** True when the file starts (after whitespace and a BOM) with '{', as a model.json does. */
async function looksLikeJson(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(256);
    const { bytesRead } = await handle.read(head, 0, head.byteLength, 0);
    return /^\uFEFF?\s*\{/.test(new TextDecoder().decode(head.subarray(0, bytesRead)));
  } finally {
    await handle.close();
  }
}

/** Resolves the model file and its kind; a folder stands for the model.json inside it. */
export async function resolveModelPath(path: string): Promise<{ path: string; kind: ModelKind }> {
  let file = resolve(path);
  let info = await stat(file).catch(() => undefined);
  if (!info) throw new EngineError('MODEL_NOT_FOUND', 'model file not found', file);
  if (info.isDirectory()) {
    file = join(file, 'model.json');
    info = await stat(file).catch(() => undefined);
    if (!info) throw new EngineError('MODEL_NOT_FOUND', 'folder has no model.json', resolve(path));
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.onnx') return { path: file, kind: 'onnx' };
  if (ext === '.json') return { path: file, kind: 'tfjs' };
  if (CONVERT_FIRST[ext]) throw new EngineError('UNSUPPORTED', CONVERT_FIRST[ext], file);
  if (info.isFile() && (await looksLikeJson(file))) return { path: file, kind: 'tfjs' };
  throw new EngineError('MODEL_INVALID', 'not a model: expected a TF.js model.json or an .onnx file', file);
}

export async function loadModel(path: string): Promise<ExplainableModel> {
  const target = await resolveModelPath(path);
  if (target.kind === 'onnx') return loadOnnxModel(target.path);
  return loadTfjsModel(target.path);
}

/** Loads the model to describe it (shapes, layers, parameters, hash), then releases it. */
export async function readModelSummary(path: string): Promise<ModelSummary> {
  const target = await resolveModelPath(path);
  // ONNX models are described from the parsed graph alone: no tensors, no ONNX Runtime session.
  if (target.kind === 'onnx') return readOnnxSummary(target.path);
  const model = await loadModel(path);
  try {
    return model.summary;
  } finally {
    model.dispose();
  }
}
