// Loads an .onnx file as an ExplainableModel: the imported tfjs graph for predict/run (gradients, named
// intermediates) and an ONNX Runtime session for predictFast. On load (once per model hash) a deterministic probe
// input runs through both: it measures the output and intermediate shapes and checks forward parity.
// A text model with several inputs (input_ids, attention_mask, token_type_ids, position_ids) takes one packed input
// [R, L] (rows: ids, mask, typeIds, positions, those it has; see modalities/text/modelInput.ts), split back into its
// named inputs here, each in its own dtype; roles come from the manifest's "inputs" or the input names.
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../../shared/types';
import { onnxError } from './errors';
import { resolveInputShape, type ResolvedInput } from '../inputShape';
import { packedRoles, type InputRole } from '../../modalities/text/modelInput';
import { inferInputRoles } from '../../modalities/text/packedInputs';
import type { TextInputNames } from '../../modalities/text/textManifest';
import { readLensManifest, type LensManifest } from '../manifest';
import type { ExplainableModel, IntermediateInfo, RunOptions } from '../types';
import { isFloat, isInteger, type OnnxDType } from './dtypes';
import { standardDomain, type OnnxGraph, type OnnxValueInfo } from './graph';
import { isHost } from './hostTensor';
import { readOnnx, type ParsedOnnx } from './parse';
import { OnnxProgram, sameShape, type ProgramRun } from './program';
import { OnnxRuntimeSession } from './runtime';
import { OnnxGradientSession, setFastGradientBytesPerRow } from './gradient';
import { summarizeGraph } from './summary';
import { BLACK_BOX_NOTE, unsupportedMessage } from './support';
import { PARITY_TOLERANCE, relativeError } from './verify';

export interface OnnxExplainableModel extends ExplainableModel {
  readonly intermediates: IntermediateInfo[];
  run(x: tf.Tensor, options: RunOptions): { output: tf.Tensor2D; captured: Record<string, tf.Tensor> };
  predictFast(x: tf.Tensor): Promise<tf.Tensor2D>;
  /** Max relative output difference to ONNX Runtime on the probe input; undefined when the import cannot run. */
  readonly parityError?: number;
  readonly warnings: string[];
}

/** What the load-time probe found; cached per model hash and input shape. */
interface Probe {
  batchOfOne: boolean;
  /** Output values per example. */
  outputSize: number;
  outputShape: (number | null)[];
  /** Why the imported graph cannot run (unsupported ops, an op failing); undefined when it runs. */
  importError?: string;
  parityError?: number;
  /** Shapes of the values computed per call, without the batch dimension when it leads. */
  shapes: Map<string, number[]>;
}

const probes = new Map<string, Probe>();

const show = (shape: readonly (number | string | null)[]) => `[${shape.join(', ')}]`;
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function requireOne(values: OnnxValueInfo[], what: 'output', file: string): OnnxValueInfo {
  if (values.length === 1) return values[0];
  const names = values.map((v) => `'${v.name}'`).join(', ');
  throw onnxError(
    'UNSUPPORTED',
    values.length === 0 ? `the model has no ${what}s` : `models with ${values.length} ${what}s (${names}) are not supported yet; only one ${what}`,
    file,
  );
}

/** Deterministic probe values: floats in [-1, 1) from a fixed LCG; integers (token ids) 0 and 1. */
function probeValues(n: number, integer: boolean): Float32Array {
  const out = new Float32Array(n);
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = integer ? i % 2 : (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** One model input of a packed (multi-input text) model: the row of the packed input that feeds it. */
interface PackedInput {
  name: string;
  dtype: OnnxDType;
  role: InputRole;
  row: number;
  info: OnnxValueInfo;
}

interface Packed {
  /** In the model's input order. */
  inputs: PackedInput[];
  roles: InputRole[];
  names: TextInputNames & { ids: string };
}

interface Parts {
  parsed: ParsedOnnx;
  graph: OnnxGraph;
  /** The single input, or the token ids input of a packed model. */
  input: OnnxValueInfo;
  inputType: OnnxDType;
  /** Set for models with several (text) inputs. */
  packed?: Packed;
  outputName: string;
  inputShape: number[];
  declaredBatchOfOne: boolean;
  program: OnnxProgram;
  runtime: OnnxRuntimeSession;
}

const asFeed = (t: tf.Tensor, dtype: OnnxDType) => (isInteger(dtype) ? tf.cast(t, 'int32') : t.dtype === 'float32' ? t : tf.cast(t, 'float32'));

/** The imported graph on x [B, ...inputShape]; integer inputs are fed as int32, a packed input split into its rows. */
function forward(p: Parts, x: tf.Tensor, options: RunOptions & Pick<ProgramRun, 'onValue'> = {}): { output: tf.Tensor; captured: Record<string, tf.Tensor> } {
  let feeds: Record<string, tf.Tensor>;
  if (p.packed) {
    const [batch, , length] = x.shape;
    feeds = Object.fromEntries(p.packed.inputs.map((i) => [i.name, asFeed(tf.reshape(tf.slice(x, [0, i.row, 0], [batch, 1, length]), [batch, length]), i.dtype)]));
  } else {
    feeds = { [p.input.name]: asFeed(x, p.inputType) };
  }
  const result = p.program.run({ feeds, outputs: [p.outputName], capture: options.capture, replace: options.replace, onValue: options.onValue });
  return { output: result.outputs[0], captured: result.captured };
}

/** ONNX Runtime on `rows` examples of the (flat, [rows, ...inputShape]) values; a packed input fed as its model inputs. */
function runtimeRun(p: Parts, values: ArrayLike<number>, rows: number) {
  if (!p.packed) return p.runtime.run(values, [rows, ...p.inputShape]);
  const [R, L] = p.inputShape;
  const perInput = p.packed.inputs.map((i) => {
    const out = new Float64Array(rows * L);
    for (let b = 0; b < rows; b++) for (let l = 0; l < L; l++) out[b * L + l] = values[(b * R + i.row) * L + l];
    return out;
  });
  return p.runtime.runInputs(perInput, [rows, L]);
}

/** Deterministic probe input of a packed model: ids 0/1 alternating, mask 1, type ids 0, positions 0 … L−1. */
function packedProbe(p: Parts, batch: number): Float32Array {
  const [R, L] = p.inputShape;
  const roles = p.packed!.roles;
  const out = new Float32Array(batch * R * L);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < R; r++) {
      for (let l = 0; l < L; l++) {
        const role = roles[r];
        out[(b * R + r) * L + l] = role === 'ids' ? l % 2 : role === 'mask' ? 1 : role === 'positions' ? l : 0;
      }
    }
  }
  return out;
}

const probeInput = (p: Parts, batch: number): Float32Array =>
  p.packed ? packedProbe(p, batch) : probeValues(batch * product(p.inputShape), isInteger(p.inputType));

async function runProbe(p: Parts): Promise<Probe> {
  // Batch 2 shows whether the graph really takes any batch; models that fix it at 1 internally fall back to 1.
  let batch = p.declaredBatchOfOne ? 1 : 2;
  let reference;
  try {
    reference = await runtimeRun(p, probeInput(p, batch), batch);
  } catch (e) {
    if (batch === 1) throw e;
    batch = 1;
    reference = await runtimeRun(p, probeInput(p, 1), 1);
  }
  const dims = reference.dims;
  if (dims.length === 0 || (dims[0] !== batch && batch !== 1) || reference.data.length % batch !== 0) {
    throw onnxError('UNSUPPORTED', `output '${p.outputName}' has shape ${show(dims)} for a batch of ${batch}; the batch must be its first dimension`, p.graph.file);
  }
  const outputShape: (number | null)[] = dims[0] === batch ? [null, ...dims.slice(1)] : [null, ...dims];
  const probe: Probe = { batchOfOne: batch === 1, outputSize: reference.data.length / batch, outputShape, shapes: new Map() };
  if (p.program.unsupported.length) {
    probe.importError = unsupportedMessage(p.program.unsupported);
    return probe;
  }
  try {
    const ours = tf.tidy(() => {
      const x = tf.tensor(probeInput(p, batch), [batch, ...p.inputShape]);
      const y = forward(p, x, {
        // Shapes of the tensors computed per call, without the batch when it leads (host values are shape data).
        onValue: (name, v) => isHost(v) || probe.shapes.set(name, v.shape[0] === batch ? v.shape.slice(1) : [...v.shape]),
      }).output;
      return y.dtype === 'float32' ? y : tf.cast(y, 'float32');
    });
    const values = ours.dataSync();
    ours.dispose();
    probe.parityError = relativeError(values, reference.data);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    probe.importError = `the imported graph cannot run: ${reason.replace(`${p.graph.file}: `, '')}; ${BLACK_BOX_NOTE}`;
  }
  return probe;
}

function checkManifestSizes(manifest: LensManifest | undefined, outputSize: number, inputSize: number): void {
  if (!manifest) return;
  if (manifest.labels && manifest.labels.length !== outputSize) {
    throw onnxError('MODEL_INVALID', `has ${manifest.labels.length} labels but the model has ${outputSize} outputs`, manifest.path);
  }
  if (manifest.featureNames && inputSize !== Infinity && manifest.featureNames.length !== inputSize) {
    throw onnxError('MODEL_INVALID', `has ${manifest.featureNames.length} featureNames but the model input has ${inputSize} values`, manifest.path);
  }
}

function checkInputType(input: OnnxValueInfo, dtype: OnnxDType, file: string): void {
  if (!isFloat(dtype) && dtype !== 'int64' && dtype !== 'int32') {
    throw onnxError('UNSUPPORTED', `input '${input.name}' is ${dtype}; only float inputs (and int32/int64 token ids) are supported`, file);
  }
}

/** The inputs of a multi-input text model, each with its role and packed row; an error naming `file` when a role is unclear. */
function packedInputs(inputs: OnnxValueInfo[], manifest: LensManifest | undefined, file: string): Packed {
  const names = inferInputRoles(
    inputs.map((i) => i.name),
    manifest?.text?.inputs,
    file,
  );
  const roles = packedRoles(names);
  const packed = inputs.map((info) => {
    const role = roles.find((r) => names[r] === info.name)!;
    // Hugging Face exports declare their inputs int64; an undeclared type is taken as int64 too.
    const dtype = info.dtype ?? 'int64';
    checkInputType(info, dtype, file);
    return { name: info.name, dtype, role, row: roles.indexOf(role), info };
  });
  return { inputs: packed, roles, names };
}

/**
 * The packed input shape [R, L] of a multi-input text model: every input is [batch, sequence]; L is their fixed
 * sequence length, else the manifest's inputShape ([L] or [R, L]), else its maxLength (for a Hugging Face folder:
 * config.json's max_position_embeddings, at most 512).
 */
function packedShape(packed: Packed, manifest: LensManifest | undefined, file: string): ResolvedInput {
  const R = packed.roles.length;
  let length: number | undefined;
  let batchOfOne = false;
  for (const { info } of packed.inputs) {
    const shape = info.shape;
    if (shape && shape.length !== 2) {
      throw onnxError('UNSUPPORTED', `input '${info.name}' has shape ${show(shape.map((d) => d ?? 'null'))}; text model inputs are [batch, sequence]`, file);
    }
    const batch = shape?.[0] ?? null;
    if (batch !== null && batch !== 1) {
      throw onnxError('UNSUPPORTED', `input '${info.name}' has a fixed batch size of ${batch}; only a dynamic batch or a batch of 1 is supported`, file);
    }
    if (batch === 1) batchOfOne = true;
    const seq = shape?.[1] ?? null;
    if (seq !== null) {
      if (length !== undefined && seq !== length) {
        throw onnxError('MODEL_INVALID', `inputs '${packed.inputs[0].name}' and '${info.name}' have different sequence lengths (${length}, ${seq})`, file);
      }
      length = seq;
    }
  }
  const given = manifest?.inputShape;
  if (given) {
    const L = given.length === 1 ? given[0] : given.length === 2 && given[0] === R ? given[1] : undefined;
    if (L === undefined || (length !== undefined && L !== length)) {
      throw onnxError(
        'MODEL_INVALID',
        `inputShape [${given.join(', ')}] does not fit the model's ${R} text inputs of length ${length ?? 'sequence'}: give [L] (the sequence length) or [${R}, L]`,
        manifest!.path,
      );
    }
    return { shape: [R, L], batchOfOne };
  }
  length ??= manifest?.text?.maxLength;
  if (length === undefined) {
    throw onnxError(
      'MODEL_INVALID',
      `the model's inputs (${packed.inputs.map((i) => `'${i.name}'`).join(', ')}) have a dynamic sequence length; give it as "maxLength" (or "inputShape": [length]) in its lens.json`,
      file,
    );
  }
  return { shape: [R, length], batchOfOne };
}

async function buildParts(parsed: ParsedOnnx, manifest: LensManifest | undefined): Promise<Parts> {
  const graph = parsed.graph;
  const file = graph.file;
  if (graph.inputs.length === 0) throw onnxError('UNSUPPORTED', 'the model has no inputs', file);
  const output = requireOne(graph.outputs, 'output', file);
  const packed = graph.inputs.length > 1 ? packedInputs(graph.inputs, manifest, file) : undefined;
  const input = packed ? packed.inputs.find((i) => i.role === 'ids')!.info : graph.inputs[0];
  const inputType = packed ? packed.inputs.find((i) => i.role === 'ids')!.dtype : (input.dtype ?? 'float32');
  checkInputType(input, inputType, file);
  const resolved = packed ? packedShape(packed, manifest, file) : resolveInputShape({ name: input.name, shape: input.shape, dtype: inputType }, file, manifest);
  const program = new OnnxProgram(graph);
  try {
    const runtime = await OnnxRuntimeSession.create(
      { bytes: parsed.bytes, path: file, external: parsed.dataFiles.length > 0 },
      packed ? packed.inputs.map((i) => ({ name: i.name, dtype: i.dtype })) : { name: input.name, dtype: inputType },
      output.name,
    );
    return {
      parsed,
      graph,
      input,
      inputType,
      packed,
      outputName: output.name,
      inputShape: resolved.shape,
      declaredBatchOfOne: resolved.batchOfOne,
      program,
      runtime,
    };
  } catch (e) {
    program.dispose();
    throw e;
  }
}

export async function loadOnnxModel(path: string): Promise<OnnxExplainableModel> {
  const parsed = await readOnnx(path);
  const manifest = await readLensManifest(parsed.graph.file);
  const p = await buildParts(parsed, manifest);
  const key = `${parsed.hash}:${p.inputShape.join('x')}`;
  let probe = probes.get(key);
  try {
    if (!probe) {
      probe = await runProbe(p);
      probes.set(key, probe);
    } else if (!probe.importError) {
      // Verified before: one example through the imported graph creates its kept tensors (uploaded weights,
      // re-laid-out kernels) now rather than in the middle of the first method.
      tf.tidy(() => forward(p, tf.zeros([1, ...p.inputShape])).output);
    }
    checkManifestSizes(manifest, probe.outputSize, p.packed ? Infinity : product(p.inputShape));
  } catch (e) {
    p.program.dispose();
    await p.runtime.release();
    throw e;
  }
  return buildModel(p, probe, manifest);
}

/**
 * The output of the Gather that looks the token ids up in a constant table (the word embeddings): the token ids
 * input (through Cast/Identity) as its indices, a constant of rank 2 as its data. Undefined for float inputs.
 */
function wordEmbedding(p: Parts, shapes: Map<string, number[]>): string | undefined {
  if (!isInteger(p.inputType)) return undefined;
  const carriers = new Set([p.input.name]);
  for (const node of p.graph.nodes) {
    if ((node.opType === 'Cast' || node.opType === 'Identity') && carriers.has(node.inputs[0])) node.outputs.forEach((o) => o && carriers.add(o));
  }
  const table = (name: string) => {
    const init = p.graph.initializers.get(name);
    return init ? init.shape.length === 2 : p.program.isConstant(name);
  };
  const gather = p.graph.nodes.find(
    (n) => n.opType === 'Gather' && standardDomain(n.domain) === '' && carriers.has(n.inputs[1]) && table(n.inputs[0]) && (n.attributes.get('axis')?.i ?? 0) === 0,
  );
  const name = gather?.outputs[0];
  return name && shapes.has(name) ? name : undefined;
}

function buildModel(p: Parts, probe: Probe, manifest: LensManifest | undefined): OnnxExplainableModel {
  const file = p.graph.file;
  const { inputShape } = p;
  const outputSize = probe.outputSize;
  const integerInput = isInteger(p.inputType);
  const warnings: string[] = [];
  if (probe.importError) warnings.push(probe.importError);
  if (probe.parityError !== undefined && !(probe.parityError <= PARITY_TOLERANCE)) {
    warnings.push(
      `the imported graph differs from ONNX Runtime by ${probe.parityError.toExponential(2)} (relative, > ${PARITY_TOLERANCE}); gradient attributions may not match the model exactly`,
    );
  }

  const summary: ModelSummary = summarizeGraph(p.graph, p.parsed.hash, new Map([...probe.shapes].map(([k, v]) => [k, v])));
  summary.inputs = p.packed
    ? p.packed.inputs.map((i) => ({ name: i.name, shape: i.info.shape ?? [null, inputShape[1]], dtype: i.dtype }))
    : [{ name: p.input.name, shape: p.input.shape ?? [null, ...inputShape], dtype: p.inputType }];
  summary.outputs = [{ name: p.outputName, shape: probe.outputShape, dtype: 'float32' }];
  if (warnings.length) summary.warnings = warnings;

  const intermediates: IntermediateInfo[] = p.program
    .runtimeValues()
    .filter(({ name }) => probe.shapes.has(name))
    .map(({ name, node }) => ({ name, type: node.opType, shape: probe.shapes.get(name)! }));

  const embeddingLayer = wordEmbedding(p, probe.shapes);

  let disposed = false;
  const checkInput = (x: tf.Tensor) => {
    if (disposed) throw onnxError('INTERNAL', 'model was disposed', file);
    const fits = x.rank === inputShape.length + 1 && inputShape.every((d, i) => x.shape[i + 1] === d);
    if (!fits) throw onnxError('INPUT_INVALID', `input has shape ${show(x.shape)} but the model takes ${show(['batch', ...inputShape])}`, file);
  };
  const importFailure = () => onnxError('UNSUPPORTED', probe.importError!, file);

  const scores = (y: tf.Tensor, batch: number): tf.Tensor2D => {
    if (y.size !== batch * outputSize) {
      throw onnxError('MODEL_INVALID', `model output has shape ${show(y.shape)}; expected ${outputSize} values per example`, file);
    }
    const s = tf.reshape(y, [batch, outputSize]) as tf.Tensor2D;
    return s.dtype === 'float32' ? s : tf.cast(s, 'float32');
  };

  /** The imported graph over a batch; models fixed at batch 1 run example by example (concat keeps gradients). */
  const runBatch = (x: tf.Tensor, options: RunOptions) => {
    const batch = x.shape[0];
    if (!probe.batchOfOne || batch === 1) {
      const r = forward(p, x, options);
      return { output: scores(r.output, batch), captured: r.captured };
    }
    const rows = tf.split(x, batch, 0);
    const parts = rows.map((xi, b) => {
      const replace = options.replace
        ? Object.fromEntries(Object.entries(options.replace).map(([k, v]) => [k, v.shape[0] === batch ? tf.slice(v, b, 1) : v]))
        : undefined;
      const r = forward(p, xi, { capture: options.capture, replace });
      return { output: scores(r.output, 1), captured: r.captured };
    });
    const captured = Object.fromEntries((options.capture ?? []).map((name) => [name, tf.concat(parts.map((q) => q.captured[name]), 0)]));
    return { output: tf.concat(parts.map((q) => q.output), 0) as tf.Tensor2D, captured };
  };

  // Input gradients through ONNX Runtime (gradient/): the backward graph and its session are built on first use.
  let gradientSession: Promise<OnnxGradientSession | { reason: string }> | undefined;
  const prepareGradients = async (): Promise<OnnxGradientSession | undefined> => {
    if (probe.importError || p.inputType !== 'float32' || p.packed) return undefined;
    gradientSession ??= OnnxGradientSession.create({
      bytes: p.parsed.bytes,
      graph: p.graph,
      external: p.parsed.dataFiles.length > 0,
      inputName: p.input.name,
      outputName: p.outputName,
      inputShape,
      outputSize,
      batchOfOne: probe.batchOfOne,
    }).catch((e: unknown) => ({ reason: e instanceof Error ? e.message : String(e) }));
    const session = await gradientSession;
    if ('reason' in session) return undefined;
    // Known before the first batch, so batches are sized for the native memory from the start.
    setFastGradientBytesPerRow(model, session.bytesPerRow);
    return session;
  };

  const rawGradients = async (values: Float32Array, rows: number, target: number): Promise<Float32Array | undefined> => {
    if (values.length !== rows * product(inputShape)) throw onnxError('INPUT_INVALID', `${values.length} values for ${rows} rows`, file);
    const session = await prepareGradients();
    if (!session) return undefined;
    const mask = new Float32Array(outputSize);
    mask[target] = 1;
    try {
      return await session.run(values, rows, mask);
    } catch (e) {
      // A failure at run time (a kernel ONNX Runtime lacks for these shapes…): the tfjs path from now on.
      gradientSession = Promise.resolve({ reason: e instanceof Error ? e.message : String(e) });
      session.release().catch(() => undefined);
      return undefined;
    }
  };

  const model: OnnxExplainableModel = {
    summary,
    inputShape,
    outputSize,
    labels: manifest?.labels,
    featureNames: p.packed ? undefined : manifest?.featureNames,
    ...(p.packed ? { textInputs: p.packed.names } : {}),
    ...(embeddingLayer ? { embeddingLayer } : {}),
    intermediates,
    warnings,
    parityError: probe.parityError,
    predict(x) {
      checkInput(x);
      if (probe.importError) throw importFailure();
      if (integerInput) {
        throw onnxError(
          'UNSUPPORTED',
          `input '${p.input.name}' holds ${p.inputType} token ids, which have no gradient; gradient methods need a float input (export a variant taking inputs_embeds); ${BLACK_BOX_NOTE}`,
          file,
        );
      }
      return tf.tidy(() => runBatch(x, {}).output);
    },
    run(x, options) {
      checkInput(x);
      if (probe.importError) throw importFailure();
      // Replaced values skip their producers, so their shapes are checked against the probe's here.
      for (const [name, t] of Object.entries(options.replace ?? {})) {
        const expected = probe.shapes.get(name);
        if (expected && !sameShape(t.shape.slice(1), expected) && !sameShape(t.shape, expected)) {
          throw onnxError('INPUT_INVALID', `replacement for '${name}' has shape ${show(t.shape)} but that value has shape ${show(['batch', ...expected])}`, file);
        }
      }
      return tf.tidy(() => runBatch(x, options));
    },
    async predictFast(x) {
      checkInput(x);
      const batch = x.shape[0];
      const values = await x.data();
      const size = product(inputShape);
      const out = new Float32Array(batch * outputSize);
      const runRows = async (start: number, rows: number) => {
        const r = await runtimeRun(p, values.subarray(start * size, (start + rows) * size) as Float32Array, rows);
        if (r.data.length !== rows * outputSize) {
          throw onnxError('MODEL_INVALID', `ONNX Runtime output has shape ${show(r.dims)}; expected ${outputSize} values per example`, file);
        }
        out.set(r.data, start * outputSize);
      };
      if (!probe.batchOfOne) await runRows(0, batch);
      else for (let b = 0; b < batch; b++) await runRows(b, 1);
      return tf.tensor2d(out, [batch, outputSize]);
    },
    async prepareFastPaths() {
      return (await prepareGradients()) !== undefined;
    },
    async gradientsFast(xs, target) {
      checkInput(xs);
      const grads = await rawGradients((await xs.data()) as Float32Array, xs.shape[0], target);
      return grads && tf.tensor(grads, xs.shape, 'float32');
    },
    gradientsFastRaw: (values, rows, target) => rawGradients(values, rows, target),
    dispose() {
      if (disposed) return;
      disposed = true;
      gradientSession?.then((s) => ('reason' in s ? undefined : s.release())).catch(() => undefined);
      p.program.dispose();
      p.runtime.release().catch(() => undefined);
    },
  };
  return model;
}
