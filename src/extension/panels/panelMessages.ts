// Validates what comes back from the webview (messages, and saved state on reload) before the extension acts on it.
// vscode-free.
import type { FeatureSort, PanelState, PanelToExtension } from '../../shared/panelProtocol';
import type { Explanation } from '../../shared/types';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parsePanelMessage(m: unknown): PanelToExtension | undefined {
  if (!isObject(m)) return undefined;
  switch (m.type) {
    case 'ready':
    case 'openInput':
    case 'copyJson':
      return { type: m.type };
    case 'reveal':
      return Number.isInteger(m.featureIndex) && (m.featureIndex as number) >= 0
        ? { type: 'reveal', featureIndex: m.featureIndex as number }
        : undefined;
    default:
      return undefined;
  }
}

/** Enough structure for the panel to render; the engine produced it, the webview only stored it. */
export function isExplanation(v: unknown): v is Explanation {
  if (!isObject(v)) return false;
  const { model, method, prediction, features, input } = v;
  return (
    isObject(model) &&
    typeof model.path === 'string' &&
    isObject(method) &&
    typeof method.id === 'string' &&
    isObject(prediction) &&
    Array.isArray(prediction.scores) &&
    Array.isArray(features) &&
    isObject(input) &&
    typeof input.source === 'string'
  );
}

const isSort = (v: unknown): v is FeatureSort => v === 'magnitude' || v === 'input';

export function parsePanelState(state: unknown): PanelState {
  if (!isObject(state)) return {};
  return {
    ...(isExplanation(state.explanation) ? { explanation: state.explanation } : {}),
    ...(isSort(state.sort) ? { sort: state.sort } : {}),
    ...(typeof state.showAllFeatures === 'boolean' ? { showAllFeatures: state.showAllFeatures } : {}),
  };
}
