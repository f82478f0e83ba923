// Writes the nodes and constants of the backward graph as plain ONNX protobuf objects (encoded with the engine's
// schema by gradientModel.ts). Every name it makes starts with its prefix (`lens_grad/`), so none clashes with the
// model's own.
// Ops whose inputs moved from attributes to inputs across opsets (ReduceSum, Unsqueeze, Clip…) are written for the
// model's opset: the backward graph lives in the same ModelProto, under the same opset_import.

export type AttrValue = number | number[] | string | { f: number } | { floats: number[] };

export interface NodeObject {
  name: string;
  op_type: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: Record<string, unknown>[];
}

export interface TensorObject {
  name: string;
  dims: number[];
  data_type: number;
  float_data?: number[];
  int64_data?: number[];
}

const FLOAT = 1;
const INT64 = 7;
const encoder = new TextEncoder();

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: encoder.encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('f' in v) return { name, type: 1, f: v.f };
  return { name, type: 6, floats: v.floats };
}

/** Largest int64 Slice end: "to the end of the axis". */
export const TO_END = 2 ** 53 - 1;

export class Emitter {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];
  private count = 0;
  private readonly constants = new Map<string, string>();

  /** `prefix` keeps names of graphs written by different emitters into one model apart. */
  constructor(
    readonly opset: number,
    private readonly prefix = 'lens_grad',
  ) {}

  fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.count++}`;
  }

  /** Appends a node; returns its output names. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(type));
    this.nodes.push({
      name: this.fresh(`node_${type}`),
      op_type: type,
      domain: '',
      input: inputs,
      output: out,
      attribute: Object.entries(attrs)
        .filter((e): e is [string, AttrValue] => e[1] !== undefined)
        .map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  one(type: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.op(type, inputs, attrs)[0];
  }

  private constant(key: string, make: (name: string) => TensorObject): string {
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push(make(name));
      this.constants.set(key, name);
    }
    return name;
  }

  i64(values: number[], dims: number[] = [values.length]): string {
    return this.constant(`i:${dims}:${values}`, (name) => ({ name, dims, data_type: INT64, int64_data: values }));
  }

  f32(values: number[] | Float32Array, dims: number[] = []): string {
    const list = Array.from(values, (v) => Math.fround(v));
    return this.constant(`f:${dims}:${list}`, (name) => ({ name, dims, data_type: FLOAT, float_data: list }));
  }

  // Opset-dependent spellings.

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.one('ReduceSum', [x, this.i64(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.one('ReduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.one('Unsqueeze', [x, this.i64(axes)]);
    return this.one('Unsqueeze', [x], { axes });
  }

  /** Slice along `axes` (opset ≥ 10 spelling; the builder requires opset ≥ 11). */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    const inputs = [x, this.i64(starts), this.i64(ends), this.i64(axes)];
    if (steps) inputs.push(this.i64(steps));
    return this.one('Slice', inputs);
  }

  /** Constant-mode zero padding (opset ≥ 11 spelling): pads = [begin…, end…] over all axes. */
  pad(x: string, pads: number[]): string {
    if (pads.every((p) => p === 0)) return x;
    return this.one('Pad', [x, this.i64(pads)], { mode: 'constant' });
  }

  reshapeLike(x: string, like: string): string {
    return this.one('Reshape', [x, this.one('Shape', [like])]);
  }

  scale(x: string, factor: number): string {
    return factor === 1 ? x : this.one('Mul', [x, this.f32([factor])]);
  }
}
