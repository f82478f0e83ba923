// What an op implementation sees: its node, the ai.onnx opset, typed attributes and its inputs, each either a tfjs
// tensor (differentiable, computed per call) or a host tensor (constants and shape arithmetic, plain JS numbers).
import type * as tf from '@tensorflow/tfjs';
import type { OnnxDType } from '../dtypes';
import type { OnnxNode } from '../graph';
import type { HostTensor } from '../hostTensor';
import type { Attributes } from './attributes';

export type Value = tf.Tensor | HostTensor;

export interface OpContext {
  readonly node: OnnxNode;
  /** The model's ai.onnx opset version (attributes moved to inputs over versions). */
  readonly opset: number;
  readonly attrs: Attributes;
  /** Number of inputs listed on the node, omitted optional ones included. */
  readonly count: number;
  /** The input is listed and not omitted (''). */
  has(i: number): boolean;
  value(i: number): Value;
  isHost(i: number): boolean;
  /** Every present input lives on the host (the op may compute on the host too). */
  allHost(): boolean;
  /** The input is known at load time: an initializer, a constant or a folded value. */
  isConstant(i: number): boolean;
  /** The input as a tfjs tensor (host values are uploaded: floats as float32, integers as int32). */
  tensor(i: number): tf.Tensor;
  /** The input on the host (a tfjs value is read back synchronously; only for small shape-like tensors). */
  host(i: number): HostTensor;
  /** The input's values as JS numbers (axes, shapes, pads, scalars). */
  numbers(i: number): number[];
  shape(i: number): number[];
  dtype(i: number): OnnxDType;
  /** A tensor derived from constant inputs, computed on first use and kept for the model's lifetime. */
  once<T extends tf.Tensor>(key: string, make: () => T): T;
  /** Throws an EngineError naming this node. */
  fail(message: string): never;
}

export interface OpDef {
  /** Why this node cannot be imported, if it cannot; checked at load for every node before anything runs. */
  check?(node: OnnxNode, opset: number): string | undefined;
  run(ctx: OpContext): Value[];
}

export type OpTable = Record<string, OpDef>;
