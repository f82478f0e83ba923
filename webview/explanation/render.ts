// Builds the panel's DOM from an ExplanationView. Every piece of data goes in as text (textContent, or a string
// passed to append, which makes a text node) or as an attribute value; never as markup.
// The document is passed in so tests can render into a minimal fake DOM.
import type { FeatureSort } from '../../src/shared/panelProtocol';
import { FEATURES_SHOWN_BY_DEFAULT, type ClassBar, type ExplanationView, type FeatureBar, type Row } from './viewModel';
import { h, type Child } from '../shared/dom';

export interface RenderOptions {
  sort: FeatureSort;
  showAllFeatures: boolean;
}

export interface RenderHandlers {
  reveal(featureIndex: number): void;
  setSort(sort: FeatureSort): void;
  showAllFeatures(): void;
  openInput(): void;
  copyJson(): void;
}


/** A bar whose length is set through the CSSOM (allowed by the CSP, unlike style attributes). */
function fill(doc: Document, fraction: number, className: string): HTMLElement {
  const bar = h(doc, 'span', { className });
  bar.style.width = `${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(2)}%`;
  return bar;
}

function button(doc: Document, label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = h(doc, 'vscode-button', { text: label, attrs: { secondary: '', ...attrs } });
  b.addEventListener('click', onClick);
  return b;
}

/** `withSort`: the feature bars are shown (text and image bodies order their own features). */
function toolbar(doc: Document, view: ExplanationView, opts: RenderOptions, handlers: RenderHandlers, withSort: boolean): HTMLElement {
  const select = h(
    doc,
    'vscode-single-select',
    { attrs: { id: 'feature-sort', 'aria-label': 'Sort features' } },
    ...(
      [
        ['magnitude', 'Largest |attribution| first'],
        ['input', 'Input order'],
      ] as const
    ).map(([value, label]) => h(doc, 'vscode-option', { text: label, attrs: { value, ...(value === opts.sort ? { selected: '' } : {}) } })),
  );
  select.addEventListener('change', (event) => {
    const value = (event.target as { value?: unknown } | null)?.value;
    if (value === 'magnitude' || value === 'input') handlers.setSort(value);
  });
  return h(
    doc,
    'div',
    { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Explanation actions' } },
    ...(withSort ? [h(doc, 'label', { className: 'toolbar-label', text: 'Sort', attrs: { for: 'feature-sort' } }), select] : []),
    ...(view.hasInputFile ? [button(doc, 'Open input', handlers.openInput, { title: view.inputText })] : []),
    button(doc, 'Copy JSON', handlers.copyJson),
  );
}

function section(doc: Document, id: string, title: string, ...children: Child[]): HTMLElement {
  return h(doc, 'section', { className: 'section', attrs: { 'aria-labelledby': id } }, h(doc, 'h2', { text: title, attrs: { id } }), ...children);
}

function classRow(doc: Document, c: ClassBar): HTMLElement {
  const badges = h(doc, 'span', { className: 'badges' });
  if (c.predicted) badges.append(h(doc, 'span', { className: 'badge predicted', text: 'predicted' }));
  if (c.target) badges.append(h(doc, 'span', { className: 'badge target', text: 'target' }));
  return h(
    doc,
    'li',
    { className: `class-row${c.predicted ? ' is-predicted' : ''}${c.target ? ' is-target' : ''}` },
    h(doc, 'span', { className: 'class-label', text: c.label, attrs: { title: `output ${c.index}` } }),
    badges,
    h(doc, 'span', { className: 'track' }, fill(doc, c.fraction, `fill score ${c.sign}`)),
    h(doc, 'span', { className: 'number', text: c.scoreText }),
  );
}

function featureRow(doc: Document, f: FeatureBar, handlers: RenderHandlers): HTMLElement {
  // Diverging bar: negative attributions grow left from the axis, positive ones right.
  const bar = h(
    doc,
    'span',
    { className: 'diverging', attrs: { 'aria-hidden': 'true' } },
    h(doc, 'span', { className: 'half negative-half' }, f.sign === 'negative' ? fill(doc, f.fraction, 'fill negative') : ''),
    h(doc, 'span', { className: 'half positive-half' }, f.sign === 'positive' ? fill(doc, f.fraction, 'fill positive') : ''),
  );
  const content: Child[] = [
    h(doc, 'span', { className: 'feature-name', text: f.name, attrs: { title: f.name } }),
    h(doc, 'span', { className: 'feature-value', text: f.valueText, attrs: { title: f.valueText } }),
    bar,
    h(doc, 'span', { className: `number ${f.sign}`, text: f.scoreText }),
  ];
  const attrs = { 'aria-label': f.ariaLabel, 'data-feature-index': String(f.index) };
  // Features with a source location are buttons: focusable, and Enter or Space reveals them.
  const row = f.revealable
    ? h(doc, 'button', { className: 'feature-row revealable', attrs: { type: 'button', ...attrs } }, ...content)
    : h(doc, 'div', { className: 'feature-row', attrs: { role: 'group', ...attrs } }, ...content);
  if (f.revealable) row.addEventListener('click', () => handlers.reveal(f.index));
  return h(doc, 'li', {}, row);
}

function rowsTable(doc: Document, rows: Row[], caption: string): HTMLElement {
  return h(
    doc,
    'table',
    { className: 'rows' },
    h(doc, 'caption', { className: 'visually-hidden', text: caption }),
    h(
      doc,
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          doc,
          'tr',
          { className: r.warning ? 'warning' : '' },
          h(doc, 'th', { text: r.name, attrs: { scope: 'row' } }),
          h(
            doc,
            'td',
            {},
            h(doc, 'span', { className: 'number', text: r.valueText }),
            ...(r.warning ? [h(doc, 'span', { className: 'warning-text', text: r.warning, attrs: { role: 'note' } })] : []),
          ),
        ),
      ),
    ),
  );
}

/** What the panel adds around the generic view: its controls, and a modality's own body (token heatmap, overlay). */
export interface RenderExtras {
  controls?: HTMLElement;
  /** Replaces the feature bars (text and image explanations). */
  body?: HTMLElement;
  /** Shown after the primary explanation's feature bars (other methods side by side). */
  after?: HTMLElement;
}

export function renderExplanation(
  doc: Document,
  root: HTMLElement,
  view: ExplanationView,
  opts: RenderOptions,
  handlers: RenderHandlers,
  extras: RenderExtras = {},
): void {
  const shown = opts.showAllFeatures ? view.features : view.features.slice(0, FEATURES_SHOWN_BY_DEFAULT);
  const hidden = view.features.length - shown.length;
  const legend = h(
    doc,
    'p',
    { className: 'legend' },
    h(doc, 'span', { className: 'swatch positive', attrs: { 'aria-hidden': 'true' } }),
    'raises the target score',
    h(doc, 'span', { className: 'swatch negative', attrs: { 'aria-hidden': 'true' } }),
    'lowers it',
  );
  root.replaceChildren(
    h(
      doc,
      'header',
      { className: 'header' },
      h(doc, 'h1', { text: view.title, attrs: { title: view.modelPath } }),
      h(doc, 'p', { className: 'subtitle', text: view.subtitle }),
      toolbar(doc, view, opts, handlers, !extras.body),
      ...(extras.controls ? [extras.controls] : []),
    ),
    section(
      doc,
      'prediction-heading',
      'Prediction',
      h(doc, 'ol', { className: 'class-list' }, ...view.classes.map((c) => classRow(doc, c))),
      ...(view.classesNote ? [h(doc, 'p', { className: 'note', text: view.classesNote })] : []),
    ),
    extras.body ??
      section(
        doc,
        'features-heading',
        'Feature attributions',
        legend,
        ...(view.featuresNote ? [h(doc, 'p', { className: 'note', text: view.featuresNote })] : []),
        h(doc, 'ol', { className: 'feature-list' }, ...shown.map((f) => featureRow(doc, f, handlers))),
        ...(hidden > 0 ? [button(doc, `Show all ${view.features.length} features`, handlers.showAllFeatures)] : []),
      ),
    ...(extras.after ? [extras.after] : []),
    section(doc, 'checks-heading', 'Checks', rowsTable(doc, view.checks, 'Checks')),
    section(doc, 'settings-heading', 'Method settings', rowsTable(doc, view.settings, 'Method settings')),
    h(doc, 'footer', { className: 'footer', text: view.footer }),
  );
}

export function renderEmpty(doc: Document, root: HTMLElement): void {
  root.replaceChildren(
    h(doc, 'p', { className: 'note', text: 'No explanation yet. Run “Attribution Lens: Explain Model…” to see one here.' }),
  );
}
