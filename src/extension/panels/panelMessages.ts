// Validates what comes back from the webview (messages, and saved state on reload) before the extension acts on it.
// vscode-free.
import type { FeatureSort, ImagePrefs, MethodChoice, PanelState, PanelToExtension, TextPrefs } from '../../shared/panelProtocol';
import type { Explanation } from '../../shared/types';
import { isMethodId } from '../methodCatalog';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
/** A PNG export is an overlay at the model's input size: far below this. */
const MAX_PNG_BASE64 = 64 * 2 ** 20;

export function parsePanelMessage(m: unknown): PanelToExtension | undefined {
  if (!isObject(m)) return undefined;
  switch (m.type) {
    case 'ready':
    case 'openInput':
    case 'copyJson':
      return { type: m.type };
    case 'reveal':
      if (!isIndex(m.featureIndex)) return undefined;
      if (m.explanationIndex !== undefined && !isIndex(m.explanationIndex)) return undefined;
      return { type: 'reveal', featureIndex: m.featureIndex, ...(isIndex(m.explanationIndex) ? { explanationIndex: m.explanationIndex } : {}) };
    case 'rerun':
      if (!isMethodId(m.method) || typeof m.add !== 'boolean') return undefined;
      if (m.target !== undefined && !isIndex(m.target)) return undefined;
      if (m.granularity !== undefined && m.granularity !== 'token' && m.granularity !== 'word') return undefined;
      return {
        type: 'rerun',
        method: m.method,
        add: m.add,
        ...(isIndex(m.target) ? { target: m.target } : {}),
        ...(m.granularity ? { granularity: m.granularity as 'token' | 'word' } : {}),
      };
    case 'remove':
      return isIndex(m.explanationIndex) ? { type: 'remove', explanationIndex: m.explanationIndex } : undefined;
    case 'export':
      return m.format === 'json' || m.format === 'html' ? { type: 'export', format: m.format } : undefined;
    case 'exportPng':
      return typeof m.base64 === 'string' &&
        m.base64.length <= MAX_PNG_BASE64 &&
        /^[A-Za-z0-9+/]+={0,2}$/.test(m.base64) &&
        typeof m.suggestedName === 'string'
        ? { type: 'exportPng', base64: m.base64, suggestedName: m.suggestedName }
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

function methodChoices(v: unknown): MethodChoice[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const ok = v.filter((m): m is MethodChoice => isObject(m) && isMethodId(m.id) && typeof m.label === 'string' && typeof m.description === 'string');
  return ok.length ? ok : undefined;
}

function imagePrefs(v: unknown): Partial<ImagePrefs> | undefined {
  if (!isObject(v)) return undefined;
  const out: Partial<ImagePrefs> = {};
  if (typeof v.opacity === 'number' && v.opacity >= 0 && v.opacity <= 1) out.opacity = v.opacity;
  if (['viridis', 'cividis', 'inferno', 'diverging', 'grayscale'].includes(v.colormap as string)) out.colormap = v.colormap as ImagePrefs['colormap'];
  if (['positive', 'negative', 'absolute', 'all'].includes(v.sign as string)) out.sign = v.sign as ImagePrefs['sign'];
  if (typeof v.clipPercentile === 'number' && v.clipPercentile > 0 && v.clipPercentile <= 100) out.clipPercentile = v.clipPercentile;
  return out;
}

function textPrefs(v: unknown): Partial<TextPrefs> | undefined {
  if (!isObject(v)) return undefined;
  return v.scale === 'per-method' || v.scale === 'shared' ? { scale: v.scale } : {};
}

export function parsePanelState(state: unknown): PanelState {
  if (!isObject(state)) return {};
  // Version 1 kept a single `explanation`.
  const explanations = Array.isArray(state.explanations)
    ? state.explanations.filter(isExplanation)
    : isExplanation(state.explanation)
      ? [state.explanation]
      : [];
  const methods = methodChoices(state.methods);
  const image = imagePrefs(state.image);
  const text = textPrefs(state.text);
  return {
    ...(explanations.length ? { explanations } : {}),
    ...(methods ? { methods } : {}),
    ...(isSort(state.sort) ? { sort: state.sort } : {}),
    ...(typeof state.showAllFeatures === 'boolean' ? { showAllFeatures: state.showAllFeatures } : {}),
    ...(image ? { image } : {}),
    ...(text ? { text } : {}),
  };
}
