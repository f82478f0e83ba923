// Ops that change a tensor's shape without moving values across it: Reshape, Flatten, Squeeze, Unsqueeze, Expand,
// Tile. Axes and shapes come from attributes before opset 13 and from (host) inputs after.
import * as tf from '@tensorflow/tfjs';
import { allocate, isHost, sizeOf, type HostTensor } from '../hostTensor';
import { broadcastHost, broadcastShapes, concatHost, normalizeAxis, reshapeHost } from './hostArray';
import type { OpContext, OpDef, OpTable, Value } from './types';

function reshapeValue(v: Value, shape: number[]): Value {
  return isHost(v) ? reshapeHost(v, shape) : tf.reshape(v, shape);
}

/** Reshape's target: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
export function reshapeTarget(ctx: OpContext, inShape: number[], target: number[], allowZero: boolean): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  if (out.some((d) => d === undefined)) ctx.fail(`target shape [${target}] copies a dimension the input [${inShape}] does not have`);
  const free = out.filter((d) => d === -1).length;
  if (free > 1 || out.some((d) => d < -1)) ctx.fail(`invalid target shape [${target}]`);
  const size = sizeOf(inShape);
  if (free === 1) {
    const known = sizeOf(out.filter((d) => d !== -1));
    if (known === 0 || size % known !== 0) ctx.fail(`cannot reshape [${inShape}] to [${target}]`);
    out[out.indexOf(-1)] = size / known;
  }
  if (sizeOf(out) !== size) ctx.fail(`cannot reshape [${inShape}] (${size} values) to [${target}]`);
  return out;
}

const reshape: OpDef = {
  run(ctx) {
    const target = reshapeTarget(ctx, ctx.shape(0), ctx.numbers(1), ctx.attrs.int('allowzero', 0) === 1);
    return [reshapeValue(ctx.value(0), target)];
  },
};

const flatten: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const a = ctx.attrs.int('axis', 1);
    const axis = a < 0 ? a + shape.length : a;
    if (axis < 0 || axis > shape.length) return ctx.fail(`axis ${a} is out of range for rank ${shape.length}`);
    return [reshapeValue(ctx.value(0), [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))])];
  },
};

/** Axes from the `axes` attribute (before `inputSince`) or the second input (from it); undefined when absent. */
export function axesOf(ctx: OpContext, inputSince: number, inputIndex = 1): number[] | undefined {
  if (ctx.opset < inputSince) return ctx.attrs.ints('axes');
  return ctx.has(inputIndex) ? ctx.numbers(inputIndex) : undefined;
}

const squeeze: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const given = axesOf(ctx, 13);
    const axes = given ? given.map((a) => normalizeAxis(a, shape.length)) : shape.flatMap((d, i) => (d === 1 ? [i] : []));
    const bad = axes.find((a) => shape[a] !== 1);
    if (bad !== undefined) return ctx.fail(`cannot squeeze axis ${bad} of size ${shape[bad]}`);
    return [reshapeValue(ctx.value(0), shape.filter((_, i) => !axes.includes(i)))];
  },
};

const unsqueeze: OpDef = {
  run(ctx) {
    const shape = ctx.shape(0);
    const given = axesOf(ctx, 13) ?? ctx.fail('has no axes');
    const rank = shape.length + given.length;
    const axes = new Set(given.map((a) => normalizeAxis(a, rank)));
    if (axes.size !== given.length) return ctx.fail(`repeated axes [${given}]`);
    const out: number[] = [];
    let next = 0;
    for (let d = 0; d < rank; d++) out.push(axes.has(d) ? 1 : shape[next++]);
    return [reshapeValue(ctx.value(0), out)];
  },
};

const expand: OpDef = {
  run(ctx) {
    const shape = broadcastShapes(ctx.shape(0), ctx.numbers(1)) ?? ctx.fail(`cannot expand [${ctx.shape(0)}] to [${ctx.numbers(1)}]`);
    const v = ctx.value(0);
    if (isHost(v)) return [broadcastHost(v, shape)];
    if (v.rank === shape.length && v.shape.every((d, i) => d === shape[i])) return [tf.clone(v)];
    return [tf.broadcastTo(v, shape)];
  },
};

function tileHost(t: HostTensor, repeats: number[]): HostTensor {
  let out = t;
  repeats.forEach((r, axis) => {
    if (r === 0) out = { kind: 'host', dtype: t.dtype, shape: out.shape.map((d, i) => (i === axis ? 0 : d)), data: allocate(t.dtype, 0) };
    else if (r !== 1) out = concatHost(new Array<HostTensor>(r).fill(out), axis);
  });
  return out;
}

const tile: OpDef = {
  run(ctx) {
    const repeats = ctx.numbers(1);
    if (repeats.length !== ctx.shape(0).length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
      return ctx.fail(`repeats [${repeats}] do not fit an input of rank ${ctx.shape(0).length}`);
    }
    const v = ctx.value(0);
    return [isHost(v) ? tileHost(v, repeats) : tf.tile(v, repeats)];
  },
};

export const shapeOps: OpTable = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
};
