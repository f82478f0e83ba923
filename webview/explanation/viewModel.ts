// Turns an Explanation into exactly what the panel shows: texts, bar fractions, badges and warnings.
// Pure and DOM-free so it can be tested in Node; render.ts puts the strings into the DOM as text only.
import type { FeatureSort } from '../../src/shared/panelProtocol';
import type { BaselineSpec, Explanation, MethodOptions } from '../../src/shared/types';

/** Features listed before "Show all"; the rest are one click away. */
export const FEATURES_SHOWN_BY_DEFAULT = 50;
/** Classes listed in the prediction; larger outputs show the top scores plus the predicted and target classes. */
export const MAX_CLASSES_SHOWN = 20;
/** |convergence delta| above this fraction of F(x) − F(x′) is flagged. */
export const CONVERGENCE_WARNING_RATIO = 0.05;

export type Sign = 'positive' | 'negative' | 'zero';

export interface ClassBar {
  index: number;
  label: string;
  scoreText: string;
  /** |score| / max |score|, in [0, 1]. */
  fraction: number;
  sign: Sign;
  predicted: boolean;
  target: boolean;
}

export interface FeatureBar {
  /** Index into Explanation.features (what a reveal message carries). */
  index: number;
  name: string;
  valueText: string;
  scoreText: string;
  fraction: number;
  sign: Sign;
  revealable: boolean;
  ariaLabel: string;
}

export interface Row {
  name: string;
  valueText: string;
  /** Set when the value deserves attention; says why. */
  warning?: string;
}

export interface ExplanationView {
  title: string;
  subtitle: string;
  modelPath: string;
  inputText: string;
  hasInputFile: boolean;
  classes: ClassBar[];
  classesNote?: string;
  features: FeatureBar[];
  featuresNote?: string;
  settings: Row[];
  checks: Row[];
  footer: string;
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

export function modelTitle(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const base = parts[parts.length - 1] ?? path;
  if (base.toLowerCase() === 'model.json' && parts.length > 1) return parts[parts.length - 2];
  return base.replace(/\.[^.]+$/, '') || base;
}

/** Four significant digits, exponent notation for very large or small magnitudes, and a real minus sign. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const text = abs >= 1e5 || abs < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
  return text.replace(/^-/, '−');
}

export function formatSigned(x: number): string {
  return x > 0 ? `+${formatNumber(x)}` : formatNumber(x);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

const signOf = (x: number): Sign => (x > 0 ? 'positive' : x < 0 ? 'negative' : 'zero');

/** "convergenceDelta" → "convergence delta". */
export function humanize(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

function describeBaseline(b: BaselineSpec): string {
  switch (b.kind) {
    case 'zero':
      return 'zero';
    case 'constant':
      return `constant ${formatNumber(b.value)}`;
    case 'mean':
      return 'dataset mean';
    case 'tensor':
      return `tensor [${b.data.shape.join(', ')}]`;
    default:
      return String((b as { kind: unknown }).kind);
  }
}

function describeOption(key: keyof MethodOptions, value: unknown): string {
  if (key === 'baseline' && value && typeof value === 'object') return describeBaseline(value as BaselineSpec);
  if (key === 'featureGroups' && Array.isArray(value)) return `${new Set(value).size} groups`;
  if (Array.isArray(value)) return value.length <= 8 ? `[${value.join(', ')}]` : `${value.length} values`;
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * The completeness check of integrated gradients and GradientSHAP: attributions should add up to F(x) − F(x′).
 * The engine reports delta = Σ attributions − (F(x) − F(x′)) (Captum's convention), so F(x) − F(x′) is exactly
 * Σ attributions − delta.
 */
export function convergenceWarning(e: Explanation, delta: number): string | undefined {
  const expected = sum(e.attributions.values) - delta;
  const ratio = Math.abs(delta) / Math.max(Math.abs(expected), 1e-12);
  if (ratio <= CONVERGENCE_WARNING_RATIO) return undefined;
  const percent = ratio >= 10 ? 'over 1000%' : `${Math.round(ratio * 100)}%`;
  const remedy = e.method.id === 'gradient-shap' ? 'use more samples' : 'raise the number of steps (attributionLens.integratedGradients.steps)';
  return `|delta| is ${percent} of F(x) − F(x′) = ${formatNumber(expected)}: ${remedy}`;
}

function checkRows(e: Explanation): Row[] {
  const rows: Row[] = Object.entries(e.checks).map(([key, value]) => {
    const row: Row = { name: humanize(key), valueText: typeof value === 'number' ? formatNumber(value) : String(value) };
    if (/^convergence ?delta$/i.test(humanize(key)) && typeof value === 'number') {
      const warning = convergenceWarning(e, value);
      if (warning) row.warning = warning;
    }
    return row;
  });
  rows.push({ name: 'sum of attributions', valueText: formatNumber(sum(e.attributions.values)) });
  return rows;
}

function classBars(e: Explanation): { bars: ClassBar[]; note?: string } {
  const scores = e.prediction.scores;
  const max = Math.max(...scores.map(Math.abs), 0);
  let indices = scores.map((_, i) => i);
  let note: string | undefined;
  if (scores.length > MAX_CLASSES_SHOWN) {
    const top = [...indices].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, MAX_CLASSES_SHOWN);
    indices = [...new Set([...top, e.prediction.index, e.target.index])].sort((a, b) => scores[b] - scores[a] || a - b);
    note = `Showing ${indices.length} of ${scores.length} outputs (highest scores, the predicted and the target class).`;
  }
  const bars = indices.map((i) => ({
    index: i,
    label: e.prediction.labels?.[i] ?? (i === e.target.index ? e.target.label : undefined) ?? `output ${i}`,
    scoreText: formatNumber(scores[i]),
    fraction: max > 0 ? Math.abs(scores[i]) / max : 0,
    sign: signOf(scores[i]),
    predicted: i === e.prediction.index,
    target: i === e.target.index,
  }));
  return { bars, note };
}

function featureBars(e: Explanation, sort: FeatureSort): FeatureBar[] {
  const max = Math.max(...e.features.map((f) => Math.abs(f.score)), 0);
  const bars = e.features.map((f, index) => {
    const valueText = f.value === undefined ? '' : typeof f.value === 'number' ? formatNumber(f.value) : f.value;
    const scoreText = formatSigned(f.score);
    const revealable = f.span !== undefined;
    return {
      index,
      name: f.name,
      valueText,
      scoreText,
      fraction: max > 0 ? Math.abs(f.score) / max : 0,
      sign: signOf(f.score),
      revealable,
      ariaLabel: `${f.name}${valueText ? ` = ${valueText}` : ''}: attribution ${scoreText}${revealable ? '. Press Enter to reveal it in the file.' : ''}`,
    };
  });
  if (sort === 'magnitude') {
    bars.sort((a, b) => Math.abs(e.features[b.index].score) - Math.abs(e.features[a.index].score) || a.index - b.index);
  }
  return bars;
}

export function buildView(e: Explanation, sort: FeatureSort): ExplanationView {
  const title = modelTitle(e.model.path);
  // Inline tensors and typed text have no file to open.
  const hasInputFile = e.input.source !== 'input' && !(e.text && e.text.file === undefined);
  const inputText = hasInputFile
    ? `${basename(e.input.source)}${e.input.row !== undefined ? ` · row ${e.input.row}` : ''}`
    : `tensor [${e.input.shape.join(', ')}]`;
  const labelOf = (index: number, label?: string) => (label !== undefined ? `${label} (${index})` : `output ${index}`);
  const targetText = labelOf(e.target.index, e.target.label);
  const predictionText = labelOf(e.prediction.index, e.prediction.label);
  const { bars: classes, note: classesNote } = classBars(e);
  const features = featureBars(e, sort);
  const featuresNote = features.length
    ? undefined
    : `Attributions have shape [${e.attributions.shape.join(', ')}]; per-feature bars are listed for flat inputs only.`;
  const settings: Row[] = [
    { name: 'method', valueText: e.method.id },
    ...(Object.entries(e.method.options) as [keyof MethodOptions, unknown][])
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ({ name: humanize(k), valueText: describeOption(k, v) })),
  ];
  return {
    title,
    subtitle: `${e.method.id} · target ${targetText} · predicted ${predictionText} · ${inputText}`,
    modelPath: e.model.path,
    inputText,
    hasInputFile,
    classes,
    classesNote,
    features,
    featuresNote,
    settings,
    checks: checkRows(e),
    footer: `backend ${e.backend} · load ${formatMs(e.timings.loadMs)} · attribute ${formatMs(e.timings.attributeMs)} · ${e.model.format} ${e.model.path}`,
  };
}
