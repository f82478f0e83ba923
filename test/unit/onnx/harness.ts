// Op tests: a one-op (or tiny) model runs through ONNX Runtime (the reference) and through the importer, and the
// outputs must agree; for ops linear in their input, the importer's gradient must be the exact adjoint.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { relativeError } from '../../../src/engine/models/onnx/verify';
import { buildModel, importProgram, runImported, runOrt, seeded, singleOp, sizeOf, type AttrSpec, type Feed, type ModelSpec, type TensorSpec, type ValueSpec } from './builder';

export interface InputSpec extends ValueSpec {
  dims: number[];
  /** Values of a runtime input (default: seeded floats); ignored for initializers. */
  values?: number[];
  /** Make this input an initializer with these values (seeded floats when only `dims` are given). */
  initializer?: boolean | number[];
}

let seed = 100;

/** Splits input specs into the model's inputs/initializers and the feeds for them. */
export function prepare(inputs: InputSpec[]): { values: (ValueSpec & { initializer?: TensorSpec })[]; feeds: Record<string, Feed> } {
  const feeds: Record<string, Feed> = {};
  const values = inputs.map((i) => {
    if (!i.name) return { name: '', dims: i.dims }; // an omitted optional input
    const data = i.values ?? (Array.isArray(i.initializer) ? i.initializer : seeded(sizeOf(i.dims), seed++));
    if (i.initializer) return { name: i.name, dtype: i.dtype, dims: i.dims, initializer: { dims: i.dims, dtype: i.dtype, values: data } };
    feeds[i.name] = { dims: i.dims, values: data, dtype: i.dtype };
    return { name: i.name, dtype: i.dtype, dims: i.dims };
  });
  return { values, feeds };
}

/** Runs the model both ways; asserts equal output shapes and values within `tolerance` (relative to max |ref|). */
export async function expectParity(spec: ModelSpec, feeds: Record<string, Feed>, tolerance = 1e-5): Promise<number[][]> {
  const bytes = buildModel(spec);
  const reference = await runOrt(bytes, feeds);
  const program = importProgram(bytes);
  try {
    const ours = runImported(program, feeds);
    assert.deepEqual(ours.dims, reference.dims, 'output shapes');
    ours.values.forEach((v, k) => {
      const err = relativeError(v, reference.values[k]);
      assert.ok(err <= tolerance, `output ${k}: relative error ${err} > ${tolerance}`);
    });
    return reference.values;
  } finally {
    program.dispose();
  }
}

export async function opParity(op: string, inputs: InputSpec[], attrs: Record<string, AttrSpec> = {}, opset = 17, outputs = 1): Promise<number[][]> {
  const { values, feeds } = prepare(inputs);
  return expectParity(singleOp(op, values, attrs, opset, outputs), feeds);
}

/**
 * For an op linear in its first input x: ⟨v, f(u)⟩ = ⟨∇ₓ⟨v, f(x)⟩, u⟩ for random u and v. This holds exactly only
 * if the gradient is the true adjoint of the forward pass.
 */
export function expectAdjoint(op: string, inputs: InputSpec[], attrs: Record<string, AttrSpec> = {}, opset = 17): void {
  const { values, feeds } = prepare(inputs);
  const program = importProgram(buildModel(singleOp(op, values, attrs, opset)));
  const x = inputs[0];
  try {
    const { lhs, rhs } = tf.tidy(() => {
      const u = tf.tensor(seeded(sizeOf(x.dims), 7), x.dims);
      const f = (t: tf.Tensor) => program.run({ feeds: { ...Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tf.tensor(v.values, v.dims)])), [x.name]: t } }).outputs[0];
      const y = f(u);
      const v = tf.tensor(seeded(y.size, 8), y.shape);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), v)))(u);
      return { lhs: tf.sum(tf.mul(v, y)).dataSync()[0], rhs: tf.sum(tf.mul(grad, u)).dataSync()[0] };
    });
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `⟨v, f(u)⟩ = ${lhs} but ⟨∇f·v, u⟩ = ${rhs}`);
  } finally {
    program.dispose();
  }
}
