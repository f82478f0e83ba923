// Extremal perturbation (Fong, Patrick & Vedaldi 2019), "preserve" variant as in TorchRay: the smooth mask m that
// keeps a given fraction `area` of the image and, with everything else blurred (x̃ = m ⊙ x + (1 − m) ⊙ blur(x)),
// preserves the target score best. m is a gridSize × gridSize parameter grid in [0, 1] (default: one parameter per
// 2 × 2 pixels, at most 32 per side, like TorchRay's 7-pixel step at 224), upsampled bilinearly, which keeps it
// smooth. It is optimised by projected gradient ascent with momentum 0.9 (TorchRay uses SGD with momentum;
// `iterations` steps, parameters clipped to [0, 1]) on
//   F_target(x̃) / s − λ_t · mean((m − r)²),
// where r is the ideal mask of that area arranged as m's own ranking (1 on m's largest a·HW values, 0 elsewhere),
// which equals TorchRay's ‖sort(m) − sort(r)‖² and its gradient; λ_t grows geometrically from 1 to 300 so the area
// constraint tightens as the mask settles; s, the largest initial reward gradient, makes the step size independent of
// the model's output scale (probabilities or logits). The mask is the attribution (written to every channel).
import * as tf from '@tensorflow/tfjs';
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { integerOption, invalidOption, nonNegativeOption } from '../options';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { defaultBlurSigma, gaussianBlur } from './blur';
import { imageGeometry, spreadOverChannels, type ImageGeometry } from './imageGeometry';

export const DEFAULT_AREA = 0.1;
export const DEFAULT_EXTREMAL_ITERATIONS = 300;
const LEARNING_RATE = 0.01;
const MOMENTUM = 0.9;
const LAMBDA_START = 1;
const LAMBDA_END = 300;

type ExtremalOptions = MethodOptions & { area: number; iterations: number; gridSize: number; layout: NonNullable<MethodOptions['layout']> };

function resolveExtremalOptions(options: MethodOptions, model: ExplainableModel): ExtremalOptions {
  const g = imageGeometry(model.inputShape, options.layout, 'extremal-perturbation');
  const area = options.area ?? DEFAULT_AREA;
  if (typeof area !== 'number' || !(area > 0 && area < 1)) throw invalidOption('area', 'must be a fraction of the image in (0, 1), e.g. 0.1', area);
  const side = Math.min(g.height, g.width);
  const resolved: ExtremalOptions = {
    ...options,
    layout: g.layout,
    area,
    iterations: integerOption(options.iterations, 'iterations', DEFAULT_EXTREMAL_ITERATIONS, 1, 10_000),
    gridSize: integerOption(options.gridSize, 'gridSize', Math.max(2, Math.min(32, Math.round(side / 2))), 1, side),
  };
  const sigma = nonNegativeOption(options.blurSigma, 'blurSigma');
  if (sigma !== undefined) resolved.blurSigma = sigma;
  return resolved;
}

/** [1, H, W, 1] mask → the input's layout, broadcastable over channels. */
function toInputLayout(m: tf.Tensor4D, g: ImageGeometry): tf.Tensor {
  if (g.layout === 'NCHW') return tf.reshape(m, [1, 1, g.height, g.width]);
  if (g.layout === 'HW') return tf.reshape(m, [1, g.height, g.width]);
  return m;
}

/** r arranged as m's ranking: 1 at the `keep` largest values of m, 0 elsewhere. */
function areaTarget(m: Float32Array, keep: number): Float32Array {
  const order = Array.from(m.keys()).sort((a, b) => m[b] - m[a]);
  const r = new Float32Array(m.length);
  for (let i = 0; i < keep; i++) r[order[i]] = 1;
  return r;
}

export const extremalPerturbation: AttributionMethod = {
  id: 'extremal-perturbation',
  kind: 'perturbation',
  resolveOptions: resolveExtremalOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveExtremalOptions(rawOptions, model);
    const g = imageGeometry(model.inputShape, options.layout, 'extremal-perturbation');
    const { height: H, width: W } = g;
    const x = await readValues(input.x);
    const blurred = gaussianBlur(x, g, options.blurSigma ?? defaultBlurSigma(g));
    const keep = Math.max(1, Math.round(options.area * H * W));
    const shape = [1, ...model.inputShape];
    const xT = tf.tensor(x, shape);
    const blurT = tf.tensor(blurred, shape);
    const diff = tf.sub(xT, blurT);
    const pick = new Float32Array(model.outputSize);
    pick[target] = 1;
    const oneHot = tf.tensor2d(pick, [1, model.outputSize]);
    let params = tf.fill([1, options.gridSize, options.gridSize, 1], 0.5) as tf.Tensor4D;
    let velocity: tf.Tensor = tf.zerosLike(params);
    const maskOf = (p: tf.Tensor4D = params) => tf.image.resizeBilinear(p, [H, W], false, true);
    const perturbed = (m: tf.Tensor4D) => tf.add(blurT, tf.mul(toInputLayout(m, g), diff));
    const reward = (p: tf.Tensor) => tf.sum(tf.mul(model.predict(perturbed(maskOf(p as tf.Tensor4D))), oneHot)) as tf.Scalar;
    // The reward's scale depends on the model (probabilities, logits): its largest initial gradient is made 1.
    const scale = tf.tidy(() => tf.max(tf.abs(tf.grad(reward)(params))).dataSync()[0]) || 1;
    try {
      for (let t = 0; t < options.iterations; t++) {
        await ctx.checkpoint();
        const current = tf.tidy(() => maskOf().dataSync() as Float32Array);
        const r = tf.tensor4d(areaTarget(current, keep), [1, H, W, 1]);
        const lambda = LAMBDA_START * (LAMBDA_END / LAMBDA_START) ** (t / Math.max(1, options.iterations - 1));
        const objective = (p: tf.Tensor) =>
          tf.sub(tf.mul(lambda, tf.mean(tf.square(tf.sub(maskOf(p as tf.Tensor4D), r)))), tf.div(reward(p), scale)) as tf.Scalar;
        const [nextParams, nextVelocity] = tf.tidy(() => {
          const grad = tf.grad(objective)(params);
          const v = tf.add(tf.mul(MOMENTUM, velocity), grad);
          return [tf.clipByValue(tf.sub(params, tf.mul(LEARNING_RATE, v)), 0, 1), v];
        }) as [tf.Tensor4D, tf.Tensor];
        tf.dispose([params, velocity, r]);
        params = nextParams;
        velocity = nextVelocity;
        ctx.progress((t + 1) / options.iterations);
      }
      const mask = tf.tidy(() => maskOf().dataSync() as Float32Array);
      const low = Array.from(params.dataSync());
      const preservedScore = tf.tidy(() => tf.sum(tf.mul(model.predict(perturbed(tf.tensor4d(mask, [1, H, W, 1]))), oneHot)).dataSync()[0]);
      const blurredScore = tf.tidy(() => tf.sum(tf.mul(model.predict(blurT), oneHot)).dataSync()[0]);
      const achievedArea = mask.reduce((a, v) => a + v, 0) / (H * W);
      return {
        attributions: toAttributionTensor(spreadOverChannels(mask, g), model.inputShape),
        checks: { area: options.area, achievedArea, preservedScore, blurredScore, iterations: options.iterations, gridSize: options.gridSize },
        maps: { mask: { shape: [options.gridSize, options.gridSize], values: low } },
      };
    } finally {
      tf.dispose([xT, blurT, diff, oneHot, params, velocity]);
    }
  },
};
