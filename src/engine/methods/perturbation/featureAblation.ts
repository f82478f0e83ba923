// Feature ablation, as Captum's FeatureAblation: each group of input elements in turn is replaced by the
// baseline; every element of the group gets F(x) − F(x with the group ablated). By default each element is
// its own group.
import type { MethodOptions } from '../../../shared/types';
import type { ExplainableModel } from '../../models/types';
import { invalidOption } from '../options';
import { sizeOf } from '../shape';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { fastForwardPath, scoresInBatches } from './batchedForward';

/** featureGroups must give an integer group id to every element of the flat input. */
function checkGroups(groups: unknown, size: number): number[] | undefined {
  if (groups === undefined || groups === null) return undefined;
  if (!Array.isArray(groups) || groups.length !== size) {
    throw invalidOption('featureGroups', `must list one group id per input element (${size} values)`, groups);
  }
  const bad = groups.findIndex((g) => typeof g !== 'number' || !Number.isSafeInteger(g));
  if (bad >= 0) throw invalidOption('featureGroups', `must hold integer group ids; element ${bad} is not one`, groups[bad]);
  return groups as number[];
}

/** Elements (flat indices) of each group, groups in ascending id order. */
function groupMembers(groups: number[] | undefined, size: number): number[][] {
  if (!groups) return Array.from({ length: size }, (_, f) => [f]);
  const byId = new Map<number, number[]>();
  groups.forEach((id, f) => {
    const members = byId.get(id);
    if (members) members.push(f);
    else byId.set(id, [f]);
  });
  return Array.from(byId.keys())
    .sort((a, b) => a - b)
    .map((id) => byId.get(id)!);
}

function resolveAblationOptions(options: MethodOptions, model: ExplainableModel): MethodOptions {
  checkGroups(options.featureGroups, sizeOf(model.inputShape));
  return { ...options };
}

export const featureAblation: AttributionMethod = {
  id: 'feature-ablation',
  kind: 'perturbation',
  resolveOptions: resolveAblationOptions,
  async attribute(model, input, target, options, ctx) {
    const size = sizeOf(model.inputShape);
    const groups = groupMembers(checkGroups(options.featureGroups, size), size);
    const x = await readValues(input.x);
    const baseline = await readValues(input.baseline);
    // Row 0 is the input itself, row 1 + g the input with group g ablated.
    const scores = await scoresInBatches(
      model,
      target,
      1 + groups.length,
      ctx,
      (i, row) => {
        row.set(x);
        if (i > 0) for (const f of groups[i - 1]) row[f] = baseline[f];
      },
      { fast: true },
    );
    const attributions = new Float64Array(size);
    groups.forEach((members, g) => {
      const drop = scores[0] - scores[1 + g];
      for (const f of members) attributions[f] = drop;
    });
    return {
      attributions: toAttributionTensor(attributions, model.inputShape),
      checks: { groups: groups.length, inputScore: scores[0], forwardPath: fastForwardPath(model) },
    };
  },
};
