// Interpretable features for the coalition methods (LIME, KernelSHAP): groups of input elements that are kept or
// replaced by the baseline together. From `featureGroups` (a group id per input element: tabular columns, text
// tokens, any grouping), else superpixels for image inputs (SLIC or a grid over pixels, all channels of a pixel in
// one group), else one group per element. Other modalities reuse these with their own featureGroups.
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { choiceOption, integerOption, invalidOption } from '../options';
import { sizeOf } from '../shape';
import { geometryOf, pixelLayout } from './imageGeometry';
import { gridSuperpixels, slicSuperpixels } from './superpixels';

export interface FeatureGroups {
  /** Group index (0..count−1) of every input element. */
  ofElement: Int32Array;
  count: number;
  /** The ids as given in featureGroups (ascending), or 0..count−1. */
  ids: number[];
  /** How the groups were made, for the checks. */
  source: 'featureGroups' | 'slic' | 'grid' | 'elements';
}

export const DEFAULT_SEGMENTS = 50;
/** The surrogate fits solve a groups × groups system (O(groups³)); beyond this, group the features first. */
export const MAX_GROUPS = 2048;
const SUPERPIXELS = ['slic', 'grid'] as const;

/** Validates the grouping options; `featureGroups` must give an integer id per input element. */
export function resolveGroupOptions(options: MethodOptions, model: ExplainableModel): MethodOptions {
  const size = sizeOf(model.inputShape);
  const groups = options.featureGroups;
  if (groups !== undefined && groups !== null) {
    if (!Array.isArray(groups) || groups.length !== size) throw invalidOption('featureGroups', `must list one group id per input element (${size} values)`, groups);
    const bad = groups.findIndex((v) => typeof v !== 'number' || !Number.isSafeInteger(v));
    if (bad >= 0) throw invalidOption('featureGroups', `must hold integer group ids; element ${bad} is not one`, groups[bad]);
    return { ...options };
  }
  const layout = imageLayout(options, model);
  if (!layout) return { ...options };
  const geometry = geometryOf(model.inputShape, layout);
  return {
    ...options,
    layout,
    superpixels: choiceOption(options.superpixels, 'superpixels', SUPERPIXELS, 'slic'),
    segments: integerOption(options.segments, 'segments', DEFAULT_SEGMENTS, 1, geometry.height * geometry.width),
  };
}

/** Image inputs: an explicit layout (set for image files), or a 3-D shape with 1 or 3 channels. */
function imageLayout(options: MethodOptions, model: ExplainableModel) {
  if (options.layout === undefined && model.inputShape.length !== 3) return undefined;
  return pixelLayout(model.inputShape, options.layout);
}

/** The groups for input x (flat values), per the resolved options; refuses more than MAX_GROUPS. */
export function featureGroups(options: MethodOptions, model: ExplainableModel, x: ArrayLike<number>): FeatureGroups {
  const groups = makeGroups(options, model, x);
  if (groups.count > MAX_GROUPS) {
    throw invalidOption(
      'featureGroups',
      `gives ${groups.count} feature groups; at most ${MAX_GROUPS} are supported — group the input (featureGroups, or superpixels for images)`,
      options.featureGroups ?? `one group per element (${groups.count})`,
    );
  }
  return groups;
}

function makeGroups(options: MethodOptions, model: ExplainableModel, x: ArrayLike<number>): FeatureGroups {
  const size = sizeOf(model.inputShape);
  if (options.featureGroups) {
    const ids = [...new Set(options.featureGroups)].sort((a, b) => a - b);
    const index = new Map(ids.map((id, i) => [id, i]));
    return { ofElement: Int32Array.from(options.featureGroups, (id) => index.get(id)!), count: ids.length, ids, source: 'featureGroups' };
  }
  const layout = imageLayout(options, model);
  if (!layout) {
    return { ofElement: Int32Array.from({ length: size }, (_, i) => i), count: size, ids: Array.from({ length: size }, (_, i) => i), source: 'elements' };
  }
  const g = geometryOf(model.inputShape, layout);
  const kind = options.superpixels ?? 'slic';
  const segments = options.segments ?? DEFAULT_SEGMENTS;
  const sp = kind === 'grid' ? gridSuperpixels(g, segments) : slicSuperpixels(x, g, segments);
  const ofElement = new Int32Array(size);
  for (let y = 0; y < g.height; y++) {
    for (let px = 0; px < g.width; px++) {
      for (let c = 0; c < g.channels; c++) ofElement[g.index(y, px, c)] = sp.labels[y * g.width + px];
    }
  }
  return { ofElement, count: sp.count, ids: Array.from({ length: sp.count }, (_, i) => i), source: kind };
}

/** Writes the input with the groups where `keep` is 0 replaced by the baseline. */
export function applyCoalition(x: ArrayLike<number>, baseline: ArrayLike<number>, groups: FeatureGroups, keep: ArrayLike<number>, row: Float32Array): void {
  for (let i = 0; i < row.length; i++) row[i] = keep[groups.ofElement[i]] ? x[i] : baseline[i];
}

/** Every element gets its group's value (Captum's convention for grouped attributions). */
export function perElement(values: ArrayLike<number>, groups: FeatureGroups): Float64Array {
  return Float64Array.from(groups.ofElement, (g) => values[g]);
}
