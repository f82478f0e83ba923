// Sobol attribution method (Fel, Cadène et al. 2021, "Look at the Variance!"), as Xplique's SobolAttributionMethod:
// the image is cut into a gridSize × gridSize grid; each cell gets a mask value in [0, 1] from a quasi-Monte-Carlo
// Sobol design (matrices A and B from the first and last gridSize² coordinates of 2·gridSize²-dimensional points, and
// C_i = A with column i taken from B); masks are upsampled to the image by nearest neighbour and applied by a
// perturbation:
//   inpainting  x̃ = M ⊙ x + (1 − M) ⊙ baseline      (Xplique: baseline 0)
//   blur        x̃ = M ⊙ x + (1 − M) ⊙ blur(x)        (Gaussian, σ = blurSigma; Xplique uses a box filter)
//   amplitude   x̃ = x ⊙ (M − 0.5) · 1                 (Xplique's amplitude operator, σ = 1)
// Total Sobol indices by Jansen's estimator: ST_i = Σ_j (f(A_j) − f(C_i,j))² / (2 N Var(f(A))), with the sample
// variance of f(A). The grid of indices is upsampled bilinearly to the input (Xplique: bicubic) and written to every
// channel. N = samples (a power of two, default 32) designs cost N · (gridSize² + 2) forward passes. The Sobol points
// are unscrambled (as Xplique's); a seed scrambles them by a random digital shift.
import type { MethodOptions } from '../../../shared/types';
import { resizeMap } from '../../modalities/image/resample';
import { choiceOption, integerOption, invalidOption, nonNegativeOption } from '../options';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { defaultBlurSigma, gaussianBlur } from './blur';
import { forwardScores } from './forwardScores';
import { imageGeometry, spreadOverChannels, type ImageGeometry } from './imageGeometry';
import { MAX_SOBOL_DIMENSIONS, sobolPoints } from './sobolSequence';

export const DEFAULT_SOBOL_GRID = 8;
export const DEFAULT_SOBOL_DESIGNS = 32;
const PERTURBATIONS = ['inpainting', 'blur', 'amplitude'] as const;
type Perturbation = (typeof PERTURBATIONS)[number];

type SobolOptions = MethodOptions & { gridSize: number; samples: number; perturbation: Perturbation; layout: NonNullable<MethodOptions['layout']> };

const MAX_GRID = Math.floor(Math.sqrt(MAX_SOBOL_DIMENSIONS / 2));

function resolveSobolOptions(options: MethodOptions, model: { inputShape: number[] }): SobolOptions {
  const g = imageGeometry(model.inputShape, options.layout, 'sobol');
  const samples = integerOption(options.samples, 'samples', DEFAULT_SOBOL_DESIGNS, 2, 4096);
  if ((samples & (samples - 1)) !== 0) throw invalidOption('samples', 'must be a power of two (the number of Sobol designs)', samples);
  const resolved: SobolOptions = {
    ...options,
    layout: g.layout,
    gridSize: integerOption(options.gridSize, 'gridSize', Math.min(DEFAULT_SOBOL_GRID, g.height, g.width), 1, Math.min(MAX_GRID, g.height, g.width)),
    samples,
    perturbation: choiceOption(options.perturbation, 'perturbation', PERTURBATIONS, 'inpainting'),
  };
  const sigma = nonNegativeOption(options.blurSigma, 'blurSigma');
  if (sigma !== undefined) resolved.blurSigma = sigma;
  if (options.seed !== undefined && options.seed !== null && !Number.isSafeInteger(options.seed)) throw invalidOption('seed', 'must be an integer', options.seed);
  return resolved;
}

/** Design matrices, one row of gridSize² mask values per forward pass: A (N rows), B (N rows), then C_i for each i. */
export function sobolDesign(cells: number, designs: number, seed?: number): Float64Array {
  const ab = sobolPoints(designs, 2 * cells, seed);
  const rows = designs * (cells + 2);
  const out = new Float64Array(rows * cells);
  for (let j = 0; j < designs; j++) {
    for (let i = 0; i < cells; i++) {
      out[j * cells + i] = ab[j * 2 * cells + i];
      out[(designs + j) * cells + i] = ab[j * 2 * cells + cells + i];
    }
  }
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < designs; j++) {
      const row = (2 + i) * designs + j;
      for (let k = 0; k < cells; k++) out[row * cells + k] = ab[j * 2 * cells + (k === i ? cells + k : k)];
    }
  }
  return out;
}

/** Jansen's total-order estimator from the outputs in design order (A, B, C_1 … C_d). */
export function jansenTotalIndices(outputs: Float64Array, designs: number, cells: number): Float64Array {
  const a = outputs.subarray(0, designs);
  let mean = 0;
  for (const v of a) mean += v / designs;
  let ss = 0;
  for (const v of a) ss += (v - mean) ** 2;
  const variance = Math.max(ss / Math.max(designs - 1, 1), 1e-12);
  const st = new Float64Array(cells);
  for (let i = 0; i < cells; i++) {
    let s = 0;
    for (let j = 0; j < designs; j++) s += (a[j] - outputs[(2 + i) * designs + j]) ** 2;
    st[i] = s / (2 * designs * variance);
  }
  return st;
}

function perturb(kind: Perturbation, x: Float32Array, fill: Float32Array, cellMask: Float64Array, gridSize: number, g: ImageGeometry, out: Float32Array): void {
  for (let y = 0; y < g.height; y++) {
    const cy = Math.min(gridSize - 1, Math.floor((y * gridSize) / g.height));
    for (let px = 0; px < g.width; px++) {
      const m = cellMask[cy * gridSize + Math.min(gridSize - 1, Math.floor((px * gridSize) / g.width))];
      for (let c = 0; c < g.channels; c++) {
        const i = g.index(y, px, c);
        out[i] = kind === 'amplitude' ? x[i] * (m - 0.5) : m * x[i] + (1 - m) * fill[i];
      }
    }
  }
}

export const sobol: AttributionMethod = {
  id: 'sobol',
  kind: 'perturbation',
  resolveOptions: resolveSobolOptions,
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveSobolOptions(rawOptions, model);
    const { gridSize, samples: designs, perturbation } = options;
    const g = imageGeometry(model.inputShape, options.layout, 'sobol');
    const x = await readValues(input.x);
    const fill = perturbation === 'blur' ? gaussianBlur(x, g, options.blurSigma ?? defaultBlurSigma(g)) : await readValues(input.baseline);
    const cells = gridSize * gridSize;
    const design = sobolDesign(cells, designs, options.seed ?? undefined);
    const total = designs * (cells + 2);
    const outputs = await forwardScores(model, target, total, ctx, (n, row) =>
      perturb(perturbation, x, fill, design.subarray(n * cells, (n + 1) * cells), gridSize, g, row),
    );
    const st = jansenTotalIndices(outputs, designs, cells);
    const map = resizeMap(st, gridSize, gridSize, g.height, g.width);
    return {
      attributions: toAttributionTensor(spreadOverChannels(map, g), model.inputShape),
      checks: { gridSize, designs, forwardPasses: total, perturbation, scrambled: options.seed !== undefined && options.seed !== null },
      maps: { sobol: { shape: [gridSize, gridSize], values: Array.from(st) } },
    };
  },
};
