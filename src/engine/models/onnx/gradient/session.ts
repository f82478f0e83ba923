// An ONNX Runtime session over the gradient model (gradientModel.ts): feeds a batch of inputs and a target mask,
// returns ∂(target score)/∂input for each row. Created once per loaded model (the caller keeps the promise).
import type * as Ort from 'onnxruntime-node';
import { buildGradientModel, INPUT_GRAD, loadOrt, TARGET_MASK, type GradientSource } from './gradientModel';

export class OnnxGradientSession {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly source: GradientSource,
    /** Op types the backward graph differentiates. */
    readonly opsOnPath: string[],
    /** Estimated native bytes per input row. */
    readonly bytesPerRow: number,
  ) {}

  /** The session, or why the model's gradient cannot run on ONNX Runtime. */
  static async create(source: GradientSource): Promise<OnnxGradientSession | { reason: string }> {
    const built = await buildGradientModel(source);
    if ('reason' in built) return built;
    const ort = await loadOrt();
    try {
      // No spinning between runs: ONNX Runtime's idle threads would otherwise compete with the engine's own thread.
      const session = await ort.InferenceSession.create(built.bytes, { logSeverityLevel: 4, executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } });
      return new OnnxGradientSession(ort, session, source, built.opsOnPath, built.bytesPerRow);
    } catch (e) {
      return { reason: `ONNX Runtime cannot load the gradient model: ${(e as Error).message.split('\n')[0].slice(0, 300)}` };
    }
  }

  /** Gradients of Σ output ⊙ mask for `batch` rows of `values` ([batch, ...inputShape]); `mask` is one row [K]. */
  async run(values: Float32Array, batch: number, mask: Float32Array): Promise<Float32Array> {
    const { inputShape, outputSize, batchOfOne, inputName } = this.source;
    const size = inputShape.reduce((a, b) => a * b, 1);
    const runRows = async (start: number, rows: number): Promise<Float32Array> => {
      const masks = new Float32Array(rows * outputSize);
      for (let r = 0; r < rows; r++) masks.set(mask, r * outputSize);
      const feeds = {
        [inputName]: new this.ort.Tensor('float32', values.subarray(start * size, (start + rows) * size), [rows, ...inputShape]),
        [TARGET_MASK]: new this.ort.Tensor('float32', masks, [rows, outputSize]),
      };
      const out = (await this.session.run(feeds, [INPUT_GRAD], { logSeverityLevel: 4 }))[INPUT_GRAD] as Ort.Tensor;
      const data = out.data as Float32Array;
      if (data.length !== rows * size) throw new Error(`the gradient model returned ${data.length} values for ${rows} rows of ${size}`);
      return data;
    };
    if (!batchOfOne || batch === 1) return runRows(0, batch);
    const out = new Float32Array(batch * size);
    for (let b = 0; b < batch; b++) out.set(await runRows(b, 1), b * size);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
