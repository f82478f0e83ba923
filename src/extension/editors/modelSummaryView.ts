// The model summary editor's view-model: what the webview shows, computed from a ModelSummary without vscode or
// the DOM, so the webview bundle and the tests share it. Large graphs (tens of thousands of nodes) are only
// ever shown one page at a time; filtering is a linear scan over plain strings.
import type { ModelSummary, TensorInfo } from '../../shared/types';

export const MODEL_SUMMARY_VIEW_TYPE = 'attributionLens.modelSummary';
export const NODES_PER_PAGE = 100;

/** Extension → webview. */
export type SummaryEditorMessage =
  | { type: 'loading'; file: string }
  | { type: 'summary'; file: string; summary: ModelSummary }
  | { type: 'error'; file: string; message: string };

/** Webview → extension. */
export type SummaryWebviewMessage = { type: 'ready' } | { type: 'explain' } | { type: 'reload' };

export function parseSummaryWebviewMessage(raw: unknown): SummaryWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const type = (raw as { type?: unknown }).type;
  return type === 'ready' || type === 'explain' || type === 'reload' ? { type } : undefined;
}

export interface OpCount {
  opType: string;
  count: number;
  /** Some node of this op type cannot be imported for gradient methods. */
  unsupported: boolean;
}

export interface NodeRow {
  /** Position in the graph (topological order as the engine reports it). */
  index: number;
  name: string;
  opType: string;
  outputShape?: string;
  parameterCount?: number;
  /** Why this node is unsupported, or '' when it is unsupported without a reason; undefined when supported. */
  unsupported?: string;
}

export interface TensorRow {
  name: string;
  shape: string;
  dtype: string;
}

export interface SummaryView {
  file: string;
  format: string;
  parameterCount: string;
  opset: string[];
  inputs: TensorRow[];
  outputs: TensorRow[];
  histogram: OpCount[];
  nodes: NodeRow[];
  unsupportedCount: number;
  warnings: string[];
}

export interface NodeFilter {
  query: string;
  unsupportedOnly: boolean;
}

export interface NodePage {
  rows: NodeRow[];
  /** Zero-based, clamped to the pages that exist. */
  page: number;
  pageCount: number;
  /** Rows matching the filter, over all pages. */
  total: number;
  /** Index (in the filtered list) of the first row shown. */
  start: number;
}

const FORMAT_NAMES: Record<string, string> = { onnx: 'ONNX', 'tfjs-layers': 'TF.js Layers', 'tfjs-graph': 'TF.js Graph' };

/** `[?, 3, 224, 224]`: null (dynamic) dimensions print as `?`. */
export function formatShape(shape: readonly (number | null)[] | undefined): string {
  if (!shape) return '';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** 1234567 → "1,234,567", locale-independent so tests and screenshots agree. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function tensorRows(tensors: readonly TensorInfo[]): TensorRow[] {
  return tensors.map((t) => ({ name: t.name, shape: formatShape(t.shape), dtype: t.dtype }));
}

/** Op types by descending count, ties alphabetically. */
export function opHistogram(summary: ModelSummary): OpCount[] {
  const unsupportedTypes = new Set((summary.unsupportedOps ?? []).map((u) => u.opType));
  const counts = new Map<string, number>();
  for (const layer of summary.layers) counts.set(layer.type, (counts.get(layer.type) ?? 0) + 1);
  return [...counts]
    .map(([opType, count]) => ({ opType, count, unsupported: unsupportedTypes.has(opType) }))
    .sort((a, b) => b.count - a.count || (a.opType < b.opType ? -1 : a.opType > b.opType ? 1 : 0));
}

export function buildSummaryView(summary: ModelSummary, file: string): SummaryView {
  // Unsupported ops name their node; a node matched by name gets the reason (first one wins).
  const reasons = new Map<string, string>();
  for (const u of summary.unsupportedOps ?? []) if (!reasons.has(u.node)) reasons.set(u.node, u.reason ?? '');
  const nodes: NodeRow[] = summary.layers.map((l, index) => ({
    index,
    name: l.name,
    opType: l.type,
    outputShape: l.outputShape ? formatShape(l.outputShape) : undefined,
    parameterCount: l.parameterCount,
    unsupported: reasons.get(l.name),
  }));
  return {
    file,
    format: FORMAT_NAMES[summary.format] ?? summary.format,
    parameterCount: formatCount(summary.parameterCount),
    opset: Object.entries(summary.opset ?? {}).map(([domain, version]) => `${domain} ${version}`),
    inputs: tensorRows(summary.inputs),
    outputs: tensorRows(summary.outputs),
    histogram: opHistogram(summary),
    nodes,
    unsupportedCount: (summary.unsupportedOps ?? []).length,
    warnings: summary.warnings ?? [],
  };
}

/** Case-insensitive substring match on the node name or its op type; an empty query matches every node. */
export function filterNodes(nodes: readonly NodeRow[], filter: NodeFilter): NodeRow[] {
  const q = filter.query.trim().toLowerCase();
  return nodes.filter(
    (n) =>
      (!filter.unsupportedOnly || n.unsupported !== undefined) &&
      (q === '' || n.name.toLowerCase().includes(q) || n.opType.toLowerCase().includes(q)),
  );
}

export function paginate(rows: readonly NodeRow[], page: number, pageSize = NODES_PER_PAGE): NodePage {
  const pageCount = Math.max(1, Math.ceil(rows.length / pageSize));
  const p = Math.min(Math.max(0, Math.floor(Number.isFinite(page) ? page : 0)), pageCount - 1);
  const start = p * pageSize;
  return { rows: rows.slice(start, start + pageSize), page: p, pageCount, total: rows.length, start };
}
