// Writes a TF.js layers model as an ONNX graph: the nodes (through the gradient builder's Emitter, under its own
// name prefix), the weights as raw float32 initializers, and the layout of every value.
//
// Keras keeps channels last (NHWC, NWC); ONNX's Conv and pooling take channels first. A value is therefore either in
// the Keras layout or "channels first" (the Keras channel axis moved to position 1). Convolutions and pools leave
// their output channels first, so a chain of them needs no transposes; layers that read the Keras layout (Dense,
// Flatten, Reshape…) ask for it and get one Transpose where the layout changes.
import { Emitter, type AttrValue } from '../onnx/gradient/emitter';
import { encodeModel } from '../onnx/gradient/gradientModel';
import type { ModelProto } from '../onnx/proto';

export const OPSET = 13;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';

export interface Value {
  name: string;
  /** Shape in the Keras layout, without the batch dimension. */
  shape: number[];
  /** The channel axis (last in Keras) is stored at position 1; only for values of rank ≥ 2 without the batch. */
  channelsFirst: boolean;
}

/** Why a model cannot be translated (the caller keeps the tfjs path). */
export class Untranslatable extends Error {}

interface RawTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export class OnnxWriter {
  readonly e = new Emitter(OPSET, 'lens_tfjs');
  private readonly weights: RawTensor[] = [];

  op(type: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.e.one(type, inputs, attrs);
  }

  /** A float32 weight, stored raw (weights can be megabytes; the Emitter's constants are number lists). */
  weight(data: Float32Array, dims: number[]): string {
    const name = this.e.fresh('weight');
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.weights.push({ name, dims, data_type: 1, raw_data: bytes });
    return name;
  }

  /** The value in the Keras layout. */
  keras(v: Value): Value {
    if (!v.channelsFirst) return v;
    const r = v.shape.length + 1;
    const perm = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
    return { name: this.op('Transpose', [v.name], { perm }), shape: v.shape, channelsFirst: false };
  }

  /** The value with its channels (the Keras last axis) at position 1. */
  channelsFirst(v: Value): Value {
    if (v.channelsFirst) return v;
    if (v.shape.length < 2) throw new Untranslatable(`a value of shape [${v.shape}] has no spatial axes`);
    const r = v.shape.length + 1;
    const perm = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
    return { name: this.op('Transpose', [v.name], { perm }), shape: v.shape, channelsFirst: true };
  }

  /** ONNX axis of a Keras layer's `axis` (batch included, as Keras counts; negative from the end) in v's layout. */
  axisOf(v: Value, kerasAxis: number): number {
    const rank = v.shape.length;
    const a = kerasAxis < 0 ? rank + kerasAxis : kerasAxis - 1; // without the batch
    if (a < 0 || a >= rank) throw new Untranslatable(`axis ${kerasAxis} is out of range for shape [batch, ${v.shape}]`);
    if (!v.channelsFirst) return a + 1;
    return a === rank - 1 ? 1 : a + 2;
  }

  /** A per-channel constant shaped to broadcast along axis `onnxAxis` of a value of rank `rank` (batch included). */
  alongAxis(data: Float32Array, onnxAxis: number, rank: number): string {
    const dims = Array.from({ length: rank - onnxAxis }, (_, i) => (i === 0 ? data.length : 1));
    return this.weight(data, dims);
  }

  /** The model's bytes: `input` [batch, ...inputShape] → `output` [batch, outputSize]. */
  encode(input: Value, output: Value, outputSize: number, producer: string): Uint8Array {
    const flat = this.op('Reshape', [this.keras(output).name, this.e.i64([-1, outputSize])]);
    this.e.nodes.push({ name: 'lens_tfjs/output', op_type: 'Identity', domain: '', input: [flat], output: [OUTPUT_NAME], attribute: [] });
    const floatType = (dims: (number | string)[]) => ({
      tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
    });
    const model = {
      ir_version: 7,
      producer_name: 'attribution-lens',
      producer_version: producer,
      opset_import: [{ domain: '', version: OPSET }],
      graph: {
        name: 'tfjs_layers',
        node: this.e.nodes,
        initializer: [...this.weights, ...this.e.initializers],
        input: [{ name: INPUT_NAME, type: floatType(['batch', ...input.shape]) }],
        output: [{ name: OUTPUT_NAME, type: floatType(['batch', outputSize]) }],
      },
    } as unknown as ModelProto;
    return encodeModel(model);
  }
}
