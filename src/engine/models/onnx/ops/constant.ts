// Constants and type plumbing: Constant, ConstantOfShape, Range, Shape, Size, Identity, Dropout (inference), Cast,
// CastLike. Shapes are host int64 tensors, so shape arithmetic never touches tfjs.
import * as tf from '@tensorflow/tfjs';
import { dtypeOfCode, tfDtypeOf, type OnnxDType } from '../dtypes';
import { hostTensor, isHost, sizeOf, type HostTensor } from '../hostTensor';
import { mapHost } from './hostArray';
import type { OpContext, OpDef, OpTable, Value } from './types';

/** ConstantOfShape results up to this size stay on the host; larger ones are filled by tfjs. */
const HOST_FILL_LIMIT = 1 << 16;

const constant: OpDef = {
  check(node) {
    const kinds = [...node.attributes.keys()];
    const ok = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'];
    const bad = kinds.find((k) => !ok.includes(k));
    return bad ? `attribute '${bad}' is not supported` : kinds.length !== 1 ? 'needs exactly one value attribute' : undefined;
  },
  run(ctx) {
    const a = ctx.attrs;
    const t = a.tensor('value');
    if (t) return [t];
    const f = a.float('value_float');
    if (f !== undefined) return [hostTensor('float32', [], [f])];
    const fs = a.floats('value_floats');
    if (fs) return [hostTensor('float32', [fs.length], fs)];
    const i = a.int('value_int');
    if (i !== undefined) return [hostTensor('int64', [], [i])];
    const is = a.ints('value_ints');
    if (is) return [hostTensor('int64', [is.length], is)];
    return ctx.fail('has no value');
  },
};

function checkedShape(ctx: OpContext, values: number[]): number[] {
  if (values.some((d) => !Number.isSafeInteger(d) || d < 0)) ctx.fail(`invalid shape [${values}]`);
  if (sizeOf(values) > 2 ** 31) ctx.fail(`shape [${values}] has more than 2^31 elements`);
  return values;
}

const constantOfShape: OpDef = {
  run(ctx) {
    const shape = checkedShape(ctx, ctx.numbers(0));
    const value = ctx.attrs.tensor('value') ?? hostTensor('float32', [1], [0]);
    const v = value.data[0] ?? 0;
    if (sizeOf(shape) <= HOST_FILL_LIMIT) return [hostTensor(value.dtype, shape, new Array<number>(sizeOf(shape)).fill(v))];
    return [tf.fill(shape, v, tfDtypeOf(value.dtype) as 'float32' | 'int32')];
  },
};

const range: OpDef = {
  run(ctx) {
    const [start] = ctx.numbers(0);
    const [limit] = ctx.numbers(1);
    const [delta] = ctx.numbers(2);
    if (delta === 0) return ctx.fail('delta is 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    if (n > 2 ** 31) return ctx.fail(`would produce ${n} elements`);
    return [hostTensor(ctx.dtype(0), [n], Array.from({ length: n }, (_, i) => start + i * delta))];
  },
};

const shapeOp: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const rank = shape.length;
    // Opset 15 added start/end (clamped, negative counting from the end).
    const clamp = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
    const start = clamp(ctx.attrs.int('start', 0));
    const end = clamp(ctx.attrs.int('end', rank));
    const dims = shape.slice(start, Math.max(start, end));
    return [hostTensor('int64', [dims.length], dims)];
  },
};

const size: OpDef = { run: (ctx) => [hostTensor('int64', [], [sizeOf(ctx.shape(0))])] };

const identity: OpDef = {
  run(ctx) {
    const v = ctx.value(0);
    return [isHost(v) ? v : tf.clone(v)];
  },
};

const dropout: OpDef = {
  run(ctx) {
    const v = ctx.value(0);
    const out: Value[] = [isHost(v) ? v : tf.clone(v)];
    // The optional mask output: nothing is dropped at inference.
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) {
      const shape = ctx.shape(0);
      out.push(sizeOf(shape) <= HOST_FILL_LIMIT ? hostTensor('bool', shape, new Array<number>(sizeOf(shape)).fill(1)) : tf.ones(shape, 'bool'));
    }
    return out;
  },
};

function castTo(ctx: OpContext, to: OnnxDType): Value {
  if (ctx.isHost(0)) return mapHost([ctx.host(0)], to, (v) => v) as HostTensor;
  const x = ctx.tensor(0);
  const dtype = tfDtypeOf(to);
  return x.dtype === dtype ? tf.clone(x) : tf.cast(x, dtype);
}

const cast: OpDef = {
  check(node) {
    const to = dtypeOfCode(node.attributes.get('to')?.i);
    return !to || to === 'string' || to === 'complex64' || to === 'complex128' ? `cannot cast to ${to ?? 'an unknown type'}` : undefined;
  },
  run: (ctx) => [castTo(ctx, dtypeOfCode(ctx.attrs.int('to', 1)) as OnnxDType)],
};

const castLike: OpDef = { run: (ctx) => [castTo(ctx, ctx.dtype(1))] };

export const constantOps: OpTable = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  Shape: shapeOp,
  Size: size,
  Identity: identity,
  Dropout: dropout,
  Cast: cast,
  CastLike: castLike,
};
