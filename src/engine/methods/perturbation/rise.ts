// RISE (Petsiuk et al. 2018): N random masks — a gridSize × gridSize grid of cells kept with probability p, upsampled
// bilinearly to (gridSize + 1) cells and cropped at a random shift, so masks are smooth and not grid-aligned — each
// blending the input with the baseline (x̃ = b + M ⊙ (x − b), black for the zero baseline as in the paper).
// Saliency S = Σ_i F_target(x̃_i) · M_i / (N · p), one value per pixel, written to every channel. Masks are drawn
// from one seeded stream in order, so results depend only on the seed, not on the batch size.
import type { MethodOptions } from '../../../shared/types';
import { resizeMap } from '../../modalities/image/resample';
import { SeededRandom } from '../../util/random';
import { integerOption, invalidOption, MAX_SAMPLES, seedOption } from '../options';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { forwardInBatches } from './forwardScores';
import { blendPixels, imageGeometry, spreadOverChannels, type ImageGeometry } from './imageGeometry';

export const DEFAULT_RISE_SAMPLES = 1000;
export const DEFAULT_RISE_GRID = 7;
export const DEFAULT_RISE_PROBABILITY = 0.5;

type RiseOptions = MethodOptions & { samples: number; gridSize: number; probability: number; seed: number; layout: NonNullable<MethodOptions['layout']> };

function resolveRiseOptions(options: MethodOptions, model: { inputShape: number[] }): RiseOptions {
  const g = imageGeometry(model.inputShape, options.layout, 'rise');
  const probability = options.probability ?? DEFAULT_RISE_PROBABILITY;
  if (typeof probability !== 'number' || !(probability > 0 && probability <= 1)) throw invalidOption('probability', 'must be in (0, 1]', probability);
  return {
    ...options,
    layout: g.layout,
    samples: integerOption(options.samples, 'samples', DEFAULT_RISE_SAMPLES, 1, MAX_SAMPLES),
    gridSize: integerOption(options.gridSize, 'gridSize', DEFAULT_RISE_GRID, 1, Math.max(1, Math.min(g.height, g.width))),
    probability,
    seed: seedOption(options.seed),
  };
}

/** One RISE mask [H·W] with values in [0, 1]. */
export function riseMask(random: SeededRandom, g: ImageGeometry, gridSize: number, probability: number): Float64Array {
  const cellH = Math.ceil(g.height / gridSize);
  const cellW = Math.ceil(g.width / gridSize);
  const grid = new Float64Array(gridSize * gridSize);
  for (let i = 0; i < grid.length; i++) grid[i] = random.uniform() < probability ? 1 : 0;
  const upH = (gridSize + 1) * cellH;
  const upW = (gridSize + 1) * cellW;
  const up = resizeMap(grid, gridSize, gridSize, upH, upW);
  const dy = random.integer(cellH);
  const dx = random.integer(cellW);
  const mask = new Float64Array(g.height * g.width);
  for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) mask[y * g.width + x] = up[(y + dy) * upW + x + dx];
  return mask;
}

export const rise: AttributionMethod = {
  id: 'rise',
  kind: 'perturbation',
  resolveOptions: resolveRiseOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const { samples, gridSize, probability, seed, layout } = resolveRiseOptions(rawOptions, model);
    const g = imageGeometry(model.inputShape, layout, 'rise');
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    const random = new SeededRandom(seed);
    const pending = new Map<number, Float64Array>();
    const saliency = new Float64Array(g.height * g.width);
    let meanScore = 0;
    await forwardInBatches(
      model,
      target,
      samples,
      ctx,
      (i, row) => {
        const mask = riseMask(random, g, gridSize, probability);
        pending.set(i, mask);
        blendPixels(x, baseline, mask, g, row);
      },
      (start, count, scores) => {
        for (let r = 0; r < count; r++) {
          const mask = pending.get(start + r)!;
          pending.delete(start + r);
          const s = scores[r];
          meanScore += s / samples;
          for (let p = 0; p < saliency.length; p++) saliency[p] += s * mask[p];
        }
      },
    );
    for (let p = 0; p < saliency.length; p++) saliency[p] /= samples * probability;
    return {
      attributions: toAttributionTensor(spreadOverChannels(saliency, g), model.inputShape),
      checks: { samples, gridSize, probability, meanMaskedScore: meanScore },
    };
  },
};
