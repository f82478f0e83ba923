// ONNX Runtime fast paths for a TF.js layers model: the model is translated to ONNX (translate.ts), its input
// gradient built as a backward graph of ONNX ops (models/onnx/gradient/), and both checked before use — the scores
// against tfjs on two probe inputs, the gradient against tfjs's on one (or, where tfjs cannot differentiate the model,
// against central differences of the checked scores). A translation that does not reproduce the model is never
// used. Built on first use (prepare()); until then, or when anything fails, the model keeps its tfjs path.
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { withoutWeightGradientsSync } from '../../backend/weightGradients';
import { OnnxGradientSession, setFastGradientBytesPerRow } from '../onnx/gradient';
import { loadOrt } from '../onnx/gradient/gradientModel';
import { discoveryValues } from '../onnx/gradient/facts';
import { decodeModelProto } from '../onnx/proto';
import { graphOfModel } from '../onnx/parse';
import { directionalCheck } from './directionalCheck';
import { translateLayersModel } from './translate';
import { INPUT_NAME, OUTPUT_NAME } from './writer';

/** What the checks tolerate: float32 sums in another order, relative to the size of the values. */
const SCORE_TOLERANCE = 1e-3;
/** Gradients of piecewise-linear networks jump where a ReLU or pool sits on a tie that float32 rounding decides
 * differently (seen: 1e-4 to 3e-3 relative on the MobileNet fixture); a wrong translation is off by far more. */
const GRADIENT_TOLERANCE = 2e-2;
/** Central differences along ±1 directions, relative to ‖g‖ (directionalCheck.ts). */
const DIRECTIONAL_TOLERANCE = 5e-2;
/** Scores are compared on two probe rows; the gradient on the first only: one row is the least tfjs memory any
 * gradient needs, so the check never takes more than the tfjs path itself would. */
const PROBE_ROWS = 2;

export const TRANSLATED_PATH = 'onnxruntime (translated from TF.js)';

interface Ready {
  gradients: OnnxGradientSession;
  forward: Ort.InferenceSession;
  ort: typeof Ort;
}

/**
 * ‖a − b‖ / max(‖b‖, tiny): the error of `a` relative to the reference `b`, over the whole vector (not the largest
 * element, as onnx/verify.ts's parity check: a gradient's few tie-decided elements must not dominate). NaN anywhere
 * gives NaN, which no tolerance accepts.
 */
function relativeL2Error(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

export interface TfjsModelParts {
  layers: tf.LayersModel;
  inputShape: number[];
  outputSize: number;
  file: string;
  /** The model's own (tfjs) scores, the reference. */
  predict(x: tf.Tensor): tf.Tensor2D;
}

export class TranslatedFastPath {
  private ready: Promise<Ready | { reason: string }> | undefined;
  private state: Ready | { reason: string } | undefined;

  constructor(private readonly parts: TfjsModelParts) {}

  /** Why the fast path is not used, once prepare() has decided; undefined while it is (or before). */
  get reason(): string | undefined {
    return this.state && 'reason' in this.state ? this.state.reason : undefined;
  }

  /** Estimated native bytes per input row of the gradient, once prepared and in use. */
  get bytesPerRow(): number | undefined {
    return this.state && !('reason' in this.state) ? this.state.gradients.bytesPerRow : undefined;
  }

  get active(): boolean {
    return this.state !== undefined && !('reason' in this.state);
  }

  /** Builds and checks the fast path once; resolves to whether it is used. */
  async prepare(): Promise<boolean> {
    this.ready ??= this.build().catch((e: unknown) => ({ reason: e instanceof Error ? e.message.split('\n')[0] : String(e) }));
    this.state = await this.ready;
    return !('reason' in this.state);
  }

  private async build(): Promise<Ready | { reason: string }> {
    const { layers, inputShape, outputSize, file } = this.parts;
    const translated = translateLayersModel(layers, inputShape, outputSize, file);
    if ('reason' in translated) return translated;
    const ort = await loadOrt();
    const graph = graphOfModel(decodeModelProto(translated.bytes, file), file);
    const gradients = await OnnxGradientSession.create({
      bytes: translated.bytes,
      graph,
      external: false,
      inputName: INPUT_NAME,
      outputName: OUTPUT_NAME,
      inputShape,
      outputSize,
      batchOfOne: false,
    });
    if ('reason' in gradients) return gradients;
    const forward = await ort.InferenceSession.create(translated.bytes, {
      logSeverityLevel: 4,
      executionProviders: ['cpu'],
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const ready: Ready = { gradients, forward, ort };
    const mismatch = await this.check(ready);
    if (mismatch) {
      await Promise.all([gradients.release(), forward.release()]).catch(() => undefined);
      return { reason: mismatch };
    }
    return ready;
  }

  /** Compares scores and the gradient of the top score with tfjs on probe rows; says what differs, if anything. */
  private async check(ready: Ready): Promise<string | undefined> {
    const { inputShape, outputSize, predict } = this.parts;
    const size = inputShape.reduce((a, b) => a * b, 1);
    // Values in [0, 1) and in [−1, 1): the ranges of images and of standardized features.
    const probe = discoveryValues(PROBE_ROWS * size);
    for (let i = 0; i < size; i++) probe[i] = (probe[i] + 1) / 2;
    const x = tf.tensor(probe, [PROBE_ROWS, ...inputShape], 'float32');
    try {
      const reference = predict(x);
      const scores = (await reference.data()) as Float32Array;
      reference.dispose();
      const ours = await this.scores(ready, probe, PROBE_ROWS);
      const scoreError = relativeL2Error(ours, scores);
      if (!(scoreError <= SCORE_TOLERANCE)) return `the translated model's scores differ from tfjs (relative error ${scoreError.toExponential(2)})`;
      let target = 0;
      for (let k = 1; k < outputSize; k++) if (scores[k] > scores[target]) target = k;
      const mask = new Float32Array(outputSize);
      mask[target] = 1;
      const first = probe.subarray(0, size);
      const got = await ready.gradients.run(first, 1, mask);
      const want = this.tfjsGradient(first, mask);
      if (want instanceof Float32Array) {
        const gradError = relativeL2Error(got, want);
        if (!(gradError <= GRADIENT_TOLERANCE)) return `the translated model's gradients differ from tfjs (relative error ${gradError.toExponential(2)})`;
      } else {
        // tfjs cannot differentiate this model (e.g. dilated convolutions): the gradient is checked against central
        // differences of the translated function, whose scores were just checked against tfjs.
        const copy = Float32Array.from(got);
        const targetScores = async (values: Float32Array, rows: number) => {
          const all = await this.scores(ready, values, rows);
          return Array.from({ length: rows }, (_, r) => all[r * outputSize + target]);
        };
        const { error } = await directionalCheck(targetScores, Float32Array.from(first), copy);
        if (!(error <= DIRECTIONAL_TOLERANCE)) {
          return `tfjs cannot differentiate this model (${want.message.split('\n')[0]}) and the translated gradient does not match central differences (relative error ${error.toExponential(2)})`;
        }
      }
      return undefined;
    } finally {
      x.dispose();
    }
  }

  /** tfjs's gradient of the masked score at one row, or the error tfjs raised. */
  private tfjsGradient(row: Float32Array, mask: Float32Array): Float32Array | Error {
    const { inputShape, outputSize, predict } = this.parts;
    try {
      return tf.tidy(() => {
        const x = tf.tensor(row, [1, ...inputShape], 'float32');
        const maskRow = tf.tensor2d(mask, [1, outputSize]);
        // A layers model's weights never depend on the input: their gradients are skipped (backend/weightGradients.ts).
        const g = withoutWeightGradientsSync(true, () => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(predict(v), maskRow)))(x));
        return g.dataSync() as Float32Array;
      });
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  private async scores(ready: Ready, values: Float32Array, rows: number): Promise<Float32Array> {
    const feeds = { [INPUT_NAME]: new ready.ort.Tensor('float32', values, [rows, ...this.parts.inputShape]) };
    const out = (await ready.forward.run(feeds, [OUTPUT_NAME], { logSeverityLevel: 4 }))[OUTPUT_NAME] as Ort.Tensor;
    return out.data as Float32Array;
  }

  /** Gradients of the target score for each row, or undefined when the fast path is not in use. */
  async gradients(owner: object, xs: tf.Tensor, target: number): Promise<tf.Tensor | undefined> {
    const grads = await this.gradientsRaw(owner, (await xs.data()) as Float32Array, xs.shape[0], target);
    return grads && tf.tensor(grads, xs.shape, 'float32');
  }

  /** The same on flat rows, without tfjs tensors. */
  async gradientsRaw(owner: object, values: Float32Array, rows: number, target: number): Promise<Float32Array | undefined> {
    if (!(await this.prepare())) return undefined;
    const ready = this.state as Ready;
    setFastGradientBytesPerRow(owner, ready.gradients.bytesPerRow);
    const mask = new Float32Array(this.parts.outputSize);
    mask[target] = 1;
    return ready.gradients.run(values, rows, mask);
  }

  /** Scores [B, K], or undefined when the fast path is not in use. */
  async predict(xs: tf.Tensor): Promise<tf.Tensor2D | undefined> {
    if (!(await this.prepare())) return undefined;
    const values = (await xs.data()) as Float32Array;
    return tf.tensor2d(await this.scores(this.state as Ready, values, xs.shape[0]), [xs.shape[0], this.parts.outputSize]);
  }

  dispose(): void {
    void this.ready?.then((r) => ('reason' in r ? undefined : Promise.all([r.gradients.release(), r.forward.release()]))).catch(() => undefined);
  }
}
