// The set of explanations a panel shows side by side, and the request behind an explanation, rebuilt from the
// explanation itself so the panel can run it again with another method or target (also after VS Code restarted it
// from saved state). vscode-free.
import type { MethodChoice } from '../../shared/panelProtocol';
import type { ExplainRequest, Explanation, InputSpec, MethodId, Modality } from '../../shared/types';
import { methodsFor } from '../methodCatalog';

export function explanationModality(e: Explanation): Modality {
  if (e.image) return 'image';
  if (e.text) return 'text';
  return e.input.shape.length >= 2 ? 'timeseries' : 'tabular';
}

/** The input the explanation was computed from, or undefined when it cannot be named again (an inline tensor). */
export function inputOf(e: Explanation): InputSpec | undefined {
  if (e.text) {
    if (e.text.file !== undefined && e.text.row !== undefined) return { kind: 'dataset-file', path: e.text.file, row: e.text.row };
    return { kind: 'text', text: e.text.text };
  }
  if (e.image) return { kind: 'image-file', path: e.input.source };
  const source = e.input.source;
  if (/\.(csv|tsv)$/i.test(source) && e.input.row !== undefined) return { kind: 'csv-file', path: source, row: e.input.row };
  if (/\.json$/i.test(source)) return { kind: 'json-file', path: source };
  return undefined;
}

/** Options that describe how the input is read, kept when switching methods (method parameters are not). */
const SHARED_OPTIONS = ['batchSize', 'memoryBudgetMB', 'granularity', 'layout', 'seed'] as const;

export function rerunRequest(
  e: Explanation,
  method: MethodId,
  target: number | undefined,
  stepsSetting?: number,
  granularity?: 'token' | 'word',
): ExplainRequest | undefined {
  const input = inputOf(e);
  if (!input) return undefined;
  const options: Record<string, unknown> = {};
  for (const key of SHARED_OPTIONS) if (e.method.options[key] !== undefined) options[key] = e.method.options[key];
  // A text baseline (pad/mask) applies to every text method; a tensor baseline to every dense one.
  if (e.method.options.baseline) options.baseline = e.method.options.baseline;
  if (method === e.method.id) Object.assign(options, e.method.options);
  else if ((method === 'integrated-gradients' || method === 'layer-integrated-gradients') && stepsSetting) options.steps = stepsSetting;
  if (granularity && e.text) options.granularity = granularity;
  return { modelPath: e.model.path, input, method, options, target: target ?? e.target.index };
}

export function methodChoicesFor(e: Explanation): MethodChoice[] {
  return methodsFor(explanationModality(e)).map((m) => ({ id: m.id, label: m.label, description: m.description }));
}

/** The most methods shown side by side; adding another drops the oldest added one. */
export const MAX_SIDE_BY_SIDE = 6;

/**
 * The side-by-side set after adding `next`: an explanation of the same method and target is replaced, a different
 * model or input starts a new set, and past MAX_SIDE_BY_SIDE the oldest added one (never the primary) is dropped.
 */
export function withAdded(current: Explanation[], next: Explanation): Explanation[] {
  const sameInput = (e: Explanation) =>
    e.model.hash === next.model.hash && e.input.source === next.input.source && e.input.row === next.input.row && e.text?.text === next.text?.text;
  if (!current.length || !current.every(sameInput)) return [next];
  const same = (e: Explanation) => e.method.id === next.method.id && e.target.index === next.target.index;
  const replaced = current.findIndex(same);
  if (replaced >= 0) return current.map((e, i) => (i === replaced ? next : e));
  const out = [...current, next];
  if (out.length > MAX_SIDE_BY_SIDE) out.splice(1, 1);
  return out;
}

