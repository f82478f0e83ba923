// Builds the model summary editor's DOM. Every piece of model data (node names, op types, file names, engine
// messages) goes in as text, never as markup. The node list shows one page of the filtered nodes at a time and is
// re-rendered on its own, so typing in the search box keeps its focus. The document is passed in for tests.
import {
  filterNodes,
  formatCount,
  paginate,
  type NodeFilter,
  type NodeRow,
  type SummaryView,
  type TensorRow,
} from '../../src/extension/editors/modelSummaryView';
import { h, type Child } from '../shared/dom';

export interface SummaryHandlers {
  explain(): void;
  reload(): void;
}


function button(doc: Document, label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = h(doc, 'vscode-button', { text: label, attrs });
  b.addEventListener('click', onClick);
  return b;
}

function table(doc: Document, caption: string, head: string[], rows: HTMLElement[], className = 'grid'): HTMLElement {
  return h(
    doc,
    'table',
    { className },
    h(doc, 'caption', { text: caption }),
    h(doc, 'thead', {}, h(doc, 'tr', {}, ...head.map((t) => h(doc, 'th', { text: t, attrs: { scope: 'col' } })))),
    h(doc, 'tbody', {}, ...rows),
  );
}

function tensorTable(doc: Document, caption: string, tensors: TensorRow[]): HTMLElement {
  const rows = tensors.map((t) => h(doc, 'tr', {}, h(doc, 'td', { text: t.name, className: 'mono' }), h(doc, 'td', { text: t.shape, className: 'mono' }), h(doc, 'td', { text: t.dtype })));
  return table(doc, caption, ['Name', 'Shape', 'Type'], rows);
}

function header(doc: Document, view: SummaryView, handlers: SummaryHandlers): HTMLElement {
  const facts = [
    `${view.format}`,
    `${view.parameterCount} parameters`,
    `${formatCount(view.nodes.length)} nodes`,
    ...(view.opset.length ? [`opset ${view.opset.join(', ')}`] : []),
  ];
  return h(
    doc,
    'header',
    {},
    h(doc, 'h1', { text: view.file }),
    h(doc, 'p', { className: 'subtitle', text: facts.join(' · ') }),
    h(
      doc,
      'div',
      { className: 'actions' },
      button(doc, 'Explain Model…', handlers.explain, { id: 'explain' }),
      button(doc, 'Reload', handlers.reload, { secondary: '', id: 'reload' }),
    ),
  );
}

function unsupportedNotice(doc: Document, view: SummaryView): HTMLElement | undefined {
  if (!view.unsupportedCount) return undefined;
  return h(doc, 'p', {
    className: 'notice unsupported-notice',
    text: `${formatCount(view.unsupportedCount)} node(s) use ops the engine cannot differentiate: gradient methods are unavailable, perturbation methods still work.`,
  });
}

function histogram(doc: Document, view: SummaryView, onPick: (opType: string) => void): HTMLElement {
  const max = Math.max(1, ...view.histogram.map((o) => o.count));
  const rows = view.histogram.map((o) => {
    const bar = h(doc, 'span', { className: 'bar' });
    bar.style.width = `${((o.count / max) * 100).toFixed(2)}%`;
    const pick = h(doc, 'button', { className: 'link mono', text: o.opType, attrs: { type: 'button', title: `Show ${o.opType} nodes` } });
    pick.addEventListener('click', () => onPick(o.opType));
    return h(
      doc,
      'tr',
      { className: o.unsupported ? 'unsupported' : '' },
      h(doc, 'td', {}, pick, ...(o.unsupported ? [h(doc, 'span', { className: 'badge', text: 'unsupported' })] : [])),
      h(doc, 'td', { className: 'num', text: formatCount(o.count) }),
      h(doc, 'td', { className: 'bar-cell' }, h(doc, 'span', { className: 'track' }, bar)),
    );
  });
  return h(doc, 'section', {}, table(doc, 'Operators', ['Op', 'Count', ''], rows, 'grid histogram'));
}

function nodeRow(doc: Document, n: NodeRow): HTMLElement {
  const type = h(doc, 'td', { className: 'mono', text: n.opType });
  if (n.unsupported !== undefined) type.append(h(doc, 'span', { className: 'badge', text: 'unsupported', attrs: n.unsupported ? { title: n.unsupported } : {} }));
  return h(
    doc,
    'tr',
    { className: n.unsupported !== undefined ? 'unsupported' : '' },
    h(doc, 'td', { className: 'num', text: String(n.index) }),
    h(doc, 'td', { className: 'mono', text: n.name }),
    type,
    h(doc, 'td', { className: 'mono', text: n.outputShape ?? '' }),
    h(doc, 'td', { className: 'num', text: n.parameterCount ? formatCount(n.parameterCount) : '' }),
  );
}

/** Fills `container` with one page of the filtered nodes and the pager. */
export function renderNodePage(doc: Document, container: HTMLElement, view: SummaryView, filter: NodeFilter, page: number, onPage: (page: number) => void): void {
  const p = paginate(filterNodes(view.nodes, filter), page);
  const status =
    p.total === 0
      ? 'No nodes match.'
      : `Nodes ${formatCount(p.start + 1)}–${formatCount(p.start + p.rows.length)} of ${formatCount(p.total)}` +
        (p.total !== view.nodes.length ? ` (filtered from ${formatCount(view.nodes.length)})` : '');
  const prev = button(doc, 'Previous', () => onPage(p.page - 1), { secondary: '', ...(p.page === 0 ? { disabled: '' } : {}) });
  const next = button(doc, 'Next', () => onPage(p.page + 1), { secondary: '', ...(p.page >= p.pageCount - 1 ? { disabled: '' } : {}) });
  container.replaceChildren(
    h(doc, 'p', { className: 'note', text: status, attrs: { role: 'status' } }),
    ...(p.rows.length ? [table(doc, 'Nodes', ['#', 'Name', 'Op', 'Output shape', 'Parameters'], p.rows.map((n) => nodeRow(doc, n)), 'grid nodes')] : []),
    h(doc, 'div', { className: 'pager' }, prev, h(doc, 'span', { text: `Page ${p.page + 1} of ${p.pageCount}` }), next),
  );
}

/** Renders the whole summary; returns nothing, the node list keeps its own filter state in closures. */
export function renderSummary(doc: Document, root: HTMLElement, view: SummaryView, handlers: SummaryHandlers): void {
  let filter: NodeFilter = { query: '', unsupportedOnly: false };
  let page = 0;
  const list = h(doc, 'div', { className: 'node-page' });
  const redraw = () => renderNodePage(doc, list, view, filter, page, (p) => ((page = p), redraw()));

  const search = h(doc, 'input', {
    className: 'search',
    attrs: { type: 'search', id: 'node-search', placeholder: 'Filter nodes by name or op', 'aria-label': 'Filter nodes by name or op' },
  }) as HTMLInputElement;
  search.addEventListener('input', (e) => {
    filter = { ...filter, query: String((e.target as HTMLInputElement).value ?? '') };
    page = 0;
    redraw();
  });
  const only = h(doc, 'input', { attrs: { type: 'checkbox', id: 'unsupported-only' } }) as HTMLInputElement;
  only.addEventListener('change', (e) => {
    filter = { ...filter, unsupportedOnly: Boolean((e.target as HTMLInputElement).checked) };
    page = 0;
    redraw();
  });
  const pickOp = (opType: string) => {
    search.value = opType;
    filter = { ...filter, query: opType };
    page = 0;
    redraw();
  };

  const warnings = view.warnings.length
    ? [h(doc, 'section', {}, h(doc, 'h2', { text: 'Warnings' }), h(doc, 'ul', { className: 'warnings' }, ...view.warnings.map((w) => h(doc, 'li', { text: w }))))]
    : [];
  const notice = unsupportedNotice(doc, view);
  root.replaceChildren(
    header(doc, view, handlers),
    ...(notice ? [notice] : []),
    ...warnings,
    h(doc, 'section', { className: 'io' }, tensorTable(doc, 'Inputs', view.inputs), tensorTable(doc, 'Outputs', view.outputs)),
    histogram(doc, view, pickOp),
    h(
      doc,
      'section',
      {},
      h(doc, 'h2', { text: 'Nodes and intermediate tensors' }),
      h(
        doc,
        'div',
        { className: 'filters' },
        search,
        ...(view.unsupportedCount ? [h(doc, 'label', { attrs: { for: 'unsupported-only' } }, only, ' Unsupported only')] : []),
      ),
      list,
    ),
  );
  redraw();
}

export function renderMessage(doc: Document, root: HTMLElement, title: string, message: string, handlers?: SummaryHandlers, isError = false): void {
  root.replaceChildren(
    h(
      doc,
      'section',
      { className: isError ? 'error' : 'loading', attrs: isError ? { role: 'alert' } : {} },
      h(doc, 'h1', { text: title }),
      h(doc, 'p', { text: message }),
      ...(handlers ? [button(doc, 'Retry', handlers.reload, { id: 'reload' })] : []),
    ),
  );
}
