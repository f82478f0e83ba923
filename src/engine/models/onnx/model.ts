// Loads an .onnx file as an ExplainableModel: the imported tfjs graph for predict/run (gradients, named
// intermediates) and an ONNX Runtime session for predictFast. On load (once per model hash) a deterministic probe
// input runs through both: it measures the output and intermediate shapes and checks forward parity.
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../../shared/types';
import { onnxError } from './errors';
import { resolveInputShape } from '../inputShape';
import { readLensManifest, type LensManifest } from '../manifest';
import type { ExplainableModel, IntermediateInfo, RunOptions } from '../types';
import { isFloat, isInteger, type OnnxDType } from './dtypes';
import type { OnnxGraph, OnnxValueInfo } from './graph';
import { isHost } from './hostTensor';
import { readOnnx, type ParsedOnnx } from './parse';
import { OnnxProgram, sameShape, type ProgramRun } from './program';
import { OnnxRuntimeSession } from './runtime';
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

function requireOne(values: OnnxValueInfo[], what: 'input' | 'output', file: string): OnnxValueInfo {
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

interface Parts {
  parsed: ParsedOnnx;
  graph: OnnxGraph;
  input: OnnxValueInfo;
  inputType: OnnxDType;
  outputName: string;
  inputShape: number[];
  declaredBatchOfOne: boolean;
  program: OnnxProgram;
  runtime: OnnxRuntimeSession;
}

/** The imported graph on x [B, ...inputShape]; integer inputs are fed as int32. */
function forward(p: Parts, x: tf.Tensor, options: RunOptions & Pick<ProgramRun, 'onValue'> = {}): { output: tf.Tensor; captured: Record<string, tf.Tensor> } {
  const feed = isInteger(p.inputType) ? tf.cast(x, 'int32') : x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  const result = p.program.run({ feeds: { [p.input.name]: feed }, outputs: [p.outputName], capture: options.capture, replace: options.replace, onValue: options.onValue });
  return { output: result.outputs[0], captured: result.captured };
}

async function runProbe(p: Parts): Promise<Probe> {
  const integer = isInteger(p.inputType);
  const size = product(p.inputShape);
  // Batch 2 shows whether the graph really takes any batch; models that fix it at 1 internally fall back to 1.
  let batch = p.declaredBatchOfOne ? 1 : 2;
  let reference;
  try {
    reference = await p.runtime.run(probeValues(batch * size, integer), [batch, ...p.inputShape]);
  } catch (e) {
    if (batch === 1) throw e;
    batch = 1;
    reference = await p.runtime.run(probeValues(size, integer), [1, ...p.inputShape]);
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
      const x = tf.tensor(probeValues(batch * size, integer), [batch, ...p.inputShape]);
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
  if (manifest.featureNames && manifest.featureNames.length !== inputSize) {
    throw onnxError('MODEL_INVALID', `has ${manifest.featureNames.length} featureNames but the model input has ${inputSize} values`, manifest.path);
  }
}

async function buildParts(parsed: ParsedOnnx, manifest: LensManifest | undefined): Promise<Parts> {
  const graph = parsed.graph;
  const file = graph.file;
  const input = requireOne(graph.inputs, 'input', file);
  const output = requireOne(graph.outputs, 'output', file);
  const inputType = input.dtype ?? 'float32';
  if (!isFloat(inputType) && inputType !== 'int64' && inputType !== 'int32') {
    throw onnxError('UNSUPPORTED', `input '${input.name}' is ${inputType}; only float inputs (and int32/int64 token ids) are supported`, file);
  }
  const resolved = resolveInputShape({ name: input.name, shape: input.shape, dtype: inputType }, file, manifest);
  const program = new OnnxProgram(graph);
  try {
    const runtime = await OnnxRuntimeSession.create(
      { bytes: parsed.bytes, path: file, external: parsed.dataFiles.length > 0 },
      { name: input.name, dtype: inputType },
      output.name,
    );
    return { parsed, graph, input, inputType, outputName: output.name, inputShape: resolved.shape, declaredBatchOfOne: resolved.batchOfOne, program, runtime };
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
    checkManifestSizes(manifest, probe.outputSize, product(p.inputShape));
  } catch (e) {
    p.program.dispose();
    await p.runtime.release();
    throw e;
  }
  return buildModel(p, probe, manifest);
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
  summary.inputs = [{ name: p.input.name, shape: p.input.shape ?? [null, ...inputShape], dtype: p.inputType }];
  summary.outputs = [{ name: p.outputName, shape: probe.outputShape, dtype: 'float32' }];
  if (warnings.length) summary.warnings = warnings;

  const intermediates: IntermediateInfo[] = p.program
    .runtimeValues()
    .filter(({ name }) => probe.shapes.has(name))
    .map(({ name, node }) => ({ name, type: node.opType, shape: probe.shapes.get(name)! }));

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

  const model: OnnxExplainableModel = {
    summary,
    inputShape,
    outputSize,
    labels: manifest?.labels,
    featureNames: manifest?.featureNames,
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
      const dims = [batch, ...inputShape];
      const size = product(inputShape);
      const out = new Float32Array(batch * outputSize);
      const runRows = async (start: number, rows: number) => {
        const r = await p.runtime.run(values.subarray(start * size, (start + rows) * size) as Float32Array, [rows, ...dims.slice(1)]);
        if (r.data.length !== rows * outputSize) {
          throw onnxError('MODEL_INVALID', `ONNX Runtime output has shape ${show(r.dims)}; expected ${outputSize} values per example`, file);
        }
        out.set(r.data, start * outputSize);
      };
      if (!probe.batchOfOne) await runRows(0, batch);
      else for (let b = 0; b < batch; b++) await runRows(b, 1);
      return tf.tensor2d(out, [batch, outputSize]);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      p.program.dispose();
      p.runtime.release().catch(() => undefined);
    },
  };
  return model;
}
