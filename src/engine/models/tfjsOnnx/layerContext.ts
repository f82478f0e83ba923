// What a layer's translation sees: the writer, the layer's config and weights, its input values and the concrete
// Keras shapes of its outputs (measured by one tfjs run, so models with open dimensions translate too).
import type * as tf from '@tensorflow/tfjs';
import { Untranslatable, type OnnxWriter, type Value } from './writer';

export interface LayerContext {
  w: OnnxWriter;
  layer: tf.layers.Layer;
  config: Record<string, unknown>;
  inputs: Value[];
  /** Concrete Keras shapes of the outputs, batch excluded. */
  outputShapes: number[][];
  /** The layer's weight by its name's last part ('kernel', 'bias', 'gamma'…), or undefined. */
  weight(suffix: string): { data: Float32Array; shape: number[] } | undefined;
}

export type LayerTranslation = (ctx: LayerContext) => Value[];

export function requireWeight(ctx: LayerContext, suffix: string): { data: Float32Array; shape: number[] } {
  const t = ctx.weight(suffix);
  if (!t) throw new Untranslatable(`layer '${ctx.layer.name}' has no '${suffix}' weight`);
  return t;
}

/** A config entry that is a number or a list of numbers, as a list of `n`. */
export function ints(value: unknown, n: number, what: string): number[] {
  if (typeof value === 'number') return Array(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every((x) => typeof x === 'number')) return value as number[];
  throw new Untranslatable(`${what} is ${JSON.stringify(value)}; expected ${n} numbers`);
}

/** The one input of a single-input layer. */
export function single(ctx: LayerContext): Value {
  if (ctx.inputs.length !== 1) throw new Untranslatable(`layer '${ctx.layer.name}' has ${ctx.inputs.length} inputs; expected one`);
  return ctx.inputs[0];
}
