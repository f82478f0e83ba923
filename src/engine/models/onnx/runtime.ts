// The ONNX Runtime forward path (onnxruntime-node): one InferenceSession per model, fed batches of the model's inputs
// (one, or several: a text model's input_ids, attention_mask, token_type_ids), each in its own dtype (int64 ids as
// BigInt64Array). It is the reference the importer is checked against and the fast path for perturbation methods.
import type * as Ort from 'onnxruntime-node';
import { onnxError } from './errors';
import type { OnnxDType } from './dtypes';
import { halfToFloat } from './tensorProto';

type OrtModule = typeof Ort;
let ortModule: OrtModule | undefined;

async function loadOrt(file: string): Promise<OrtModule> {
  if (ortModule) return ortModule;
  try {
    ortModule = (await import('onnxruntime-node')) as OrtModule;
    // Keep the native library's log off stderr: failures surface as exceptions, which become EngineErrors.
    ortModule.env.logLevel = 'fatal';
    return ortModule;
  } catch (e) {
    throw onnxError('UNSUPPORTED', `ONNX Runtime (onnxruntime-node) is not available: ${(e as Error).message.split('\n')[0]}`, file);
  }
}

/** First line of a native error, without ORT's "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT :" prefix noise. */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n').find((l) => l.trim()) ?? text;
  return line.replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*/, '').slice(0, 300);
}

/** float → IEEE half bits (round to nearest even), for float16 model inputs. */
function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp >= 31) return sign | (((x >>> 23) & 0xff) === 0xff && mant ? 0x7e00 : 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >>> (1 - exp);
    return sign | ((m + 0x1000 + ((m >>> 13) & 1) - 1) >>> 13);
  }
  const rounded = mant + 0xfff + ((mant >>> 13) & 1);
  return rounded & 0x800000 ? sign | ((exp + 1) << 10) : sign | (exp << 10) | (rounded >>> 13);
}

export interface RuntimeOutput {
  data: Float32Array;
  dims: number[];
}

export interface RuntimeInput {
  name: string;
  dtype: OnnxDType;
}

export class OnnxRuntimeSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly inputs: RuntimeInput[],
    readonly outputName: string,
    private readonly file: string,
  ) {}

  /** The first (for single-input models: the only) input. */
  get inputName(): string {
    return this.inputs[0].name;
  }

  get inputType(): OnnxDType {
    return this.inputs[0].dtype;
  }

  /** Creates the session from the model bytes, or from the path when external data must be found beside it. */
  static async create(
    source: { bytes: Uint8Array; path: string; external: boolean },
    input: RuntimeInput | RuntimeInput[],
    outputName: string,
  ): Promise<OnnxRuntimeSession> {
    const inputs = Array.isArray(input) ? input : [input];
    const ort = await loadOrt(source.path);
    const options: Ort.InferenceSession.SessionOptions = { logSeverityLevel: 4, executionProviders: ['cpu'] };
    let session: Ort.InferenceSession;
    try {
      session = source.external ? await ort.InferenceSession.create(source.path, options) : await ort.InferenceSession.create(source.bytes, options);
    } catch (e) {
      throw onnxError('MODEL_INVALID', `ONNX Runtime cannot load the model: ${reason(e)}`, source.path);
    }
    const bad = inputs.find((i) => !['float32', 'float64', 'float16', 'int64', 'int32'].includes(i.dtype));
    if (bad) {
      await session.release();
      throw onnxError('UNSUPPORTED', `input '${bad.name}' is ${bad.dtype}; only float and integer inputs are supported`, source.path);
    }
    return new OnnxRuntimeSession(ort, session, inputs, outputName, source.path);
  }

  private feed(dtype: OnnxDType, values: ArrayLike<number>, dims: number[]): Ort.Tensor {
    const { Tensor } = this.ort;
    switch (dtype) {
      case 'float64':
        return new Tensor('float64', Float64Array.from(values), dims);
      case 'float16':
        return new Tensor('float16', Uint16Array.from(values, floatToHalf), dims);
      case 'int64':
        return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
      case 'int32':
        return new Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims);
      default:
        return new Tensor('float32', values instanceof Float32Array ? values : Float32Array.from(values), dims);
    }
  }

  /** Runs one batch of a single-input model [B, ...inputShape]; the output as float32. */
  async run(values: ArrayLike<number>, dims: number[]): Promise<RuntimeOutput> {
    return this.runInputs([values], dims);
  }

  /**
   * Runs one batch with a value array per input (in the order the session was created with), all of shape `dims`;
   * each is fed in its input's dtype. The output as float32.
   */
  async runInputs(values: ArrayLike<number>[], dims: number[]): Promise<RuntimeOutput> {
    if (values.length !== this.inputs.length) {
      throw onnxError('INTERNAL', `ONNX Runtime session takes ${this.inputs.length} inputs; got ${values.length}`, this.file);
    }
    const feeds = Object.fromEntries(this.inputs.map((input, i) => [input.name, this.feed(input.dtype, values[i], dims)]));
    let results: Ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds, [this.outputName], { logSeverityLevel: 4 });
    } catch (e) {
      throw onnxError('MODEL_INVALID', `ONNX Runtime fails on an input of shape [${dims.join(', ')}]: ${reason(e)}`, this.file);
    }
    const out = results[this.outputName] as Ort.Tensor;
    const data = out.data;
    let floats: Float32Array;
    if (data instanceof Float32Array) floats = data;
    else if (out.type === 'float16' && data instanceof Uint16Array) floats = Float32Array.from(data, halfToFloat);
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) floats = Float32Array.from(data, (v) => Number(v));
    else if (typeof data !== 'string' && ArrayBuffer.isView(data)) floats = Float32Array.from(data as ArrayLike<number>);
    else throw onnxError('UNSUPPORTED', `output '${this.outputName}' is ${out.type}; only numeric outputs are supported`, this.file);
    return { data: floats, dims: out.dims.map(Number) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
