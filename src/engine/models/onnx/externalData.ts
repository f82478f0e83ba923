// External tensor data (`model.onnx` + `model.onnx.data`): each tensor names a file (`location`, relative to the
// model's folder), an `offset` and a `length`. Files must stay inside the model's folder (no '..', no absolute paths,
// no symlink out of it) and the ranges must lie inside them. The bytes are read into the tensors' raw_data.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { onnxError } from './errors';
import { decodeModelProto, type GraphProto, type NodeProto, type TensorProto } from './proto';
import { EXTERNAL } from './tensorProto';

export interface ExternalRef {
  tensor: TensorProto;
  what: string;
  location: string;
  offset: number;
  length?: number;
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
};

/** Tensors with external data: initializers and Constant-node values of the main graph. */
export function externalRefs(graph: GraphProto, file: string): ExternalRef[] {
  const refs: ExternalRef[] = [];
  const visit = (t: TensorProto, what: string) => {
    if (t.data_location !== EXTERNAL) return;
    const entries = new Map((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (!location) throw onnxError('MODEL_INVALID', `${what} is stored externally but names no 'location'`, file);
    const number = (key: string): number | undefined => {
      const text = entries.get(key);
      if (text === undefined || text === '') return undefined;
      const v = Number(text);
      if (!Number.isSafeInteger(v) || v < 0) throw onnxError('MODEL_INVALID', `${what} has an invalid external data ${key} '${text}'`, file);
      return v;
    };
    refs.push({ tensor: t, what, location, offset: number('offset') ?? 0, length: number('length') });
  };
  for (const t of graph.initializer ?? []) visit(t, `initializer '${t.name ?? ''}'`);
  for (const node of graph.node ?? []) constantTensors(node).forEach((t) => visit(t, `constant of node '${node.name ?? ''}'`));
  return refs;
}

function constantTensors(node: NodeProto): TensorProto[] {
  return (node.attribute ?? []).flatMap((a) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]);
}

/** Resolves an external data file, refusing anything outside the model's folder. */
async function resolveDataFile(location: string, modelPath: string, what: string): Promise<string> {
  const dir = dirname(modelPath);
  const path = resolve(dir, location);
  if (isAbsolute(location) || !inside(dir, path)) {
    throw onnxError('MODEL_INVALID', `${what}: external data location '${location}' is outside the model's folder`, modelPath);
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw onnxError('MODEL_INVALID', `${what}: external data file '${location}' is missing`, modelPath);
  if (!info.isFile()) throw onnxError('MODEL_INVALID', `${what}: external data '${location}' is not a regular file`, modelPath);
  const [realDir, realFile] = await Promise.all([realpath(dir), realpath(path)]);
  if (!inside(realDir, realFile)) {
    throw onnxError('MODEL_INVALID', `${what}: external data '${location}' links outside the model's folder`, modelPath);
  }
  return path;
}

/** The external data files a model refers to (absolute paths, in order of first use), for hashing and watching. */
export async function externalFiles(refs: ExternalRef[], modelPath: string): Promise<string[]> {
  const files: string[] = [];
  for (const r of refs) {
    const path = await resolveDataFile(r.location, modelPath, r.what);
    if (!files.includes(path)) files.push(path);
  }
  return files;
}

/** Reads every external range into its tensor's raw_data. Returns the data files, in order of first use. */
export async function loadExternalData(refs: ExternalRef[], modelPath: string): Promise<string[]> {
  const files = new Map<string, { size: number; handle: Awaited<ReturnType<typeof open>> }>();
  let total = 0;
  try {
    for (const r of refs) {
      const path = await resolveDataFile(r.location, modelPath, r.what);
      let file = files.get(path);
      if (!file) {
        const handle = await open(path, 'r');
        file = { size: (await handle.stat()).size, handle };
        files.set(path, file);
      }
      const length = r.length ?? file.size - r.offset;
      if (r.offset + length > file.size || length < 0) {
        throw onnxError(
          'MODEL_INVALID',
          `${r.what}: external data range ${r.offset}+${length} lies beyond the end of '${r.location}' (${file.size} bytes; truncated?)`,
          modelPath,
        );
      }
      total += length;
      if (total > bufferConstants.MAX_LENGTH) throw onnxError('MODEL_INVALID', 'external data is larger than one buffer can hold here', modelPath);
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await file.handle.read(bytes, done, length - done, r.offset + done);
        if (bytesRead === 0) throw onnxError('MODEL_INVALID', `${r.what}: external data file '${r.location}' changed while it was read`, modelPath);
        done += bytesRead;
      }
      r.tensor.raw_data = bytes;
      r.tensor.data_location = 0;
    }
  } finally {
    await Promise.all([...files.values()].map((f) => f.handle.close()));
  }
  return [...files.keys()];
}

/** sha256 over the model file's bytes, then each external data file's, in order: the model's cache key. */
export async function hashFiles(modelBytes: Uint8Array, dataFiles: string[]): Promise<string> {
  const hash = createHash('sha256').update(modelBytes);
  for (const path of dataFiles) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  }
  return hash.digest('hex');
}

/**
 * The files an .onnx model consists of (the model, then its external data files), read leniently for change
 * detection: a model that does not decode is just its own file.
 */
export async function listOnnxFiles(modelPath: string): Promise<string[]> {
  const file = resolve(modelPath);
  try {
    const bytes = await readFile(file);
    const model = decodeModelProto(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
    return [file, ...(model.graph ? await externalFiles(externalRefs(model.graph, file), file) : [])];
  } catch {
    return [file];
  }
}

/** The same hash as a loaded model's summary.hash, without validating the model. */
export async function hashOnnxFiles(modelPath: string): Promise<string> {
  const [file, ...dataFiles] = await listOnnxFiles(modelPath);
  const bytes = await readFile(file);
  return hashFiles(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), dataFiles);
}
