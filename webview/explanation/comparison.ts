// Feature attributions of several methods side by side for one input (tabular and other flat inputs): one row per
// feature, one column per method, each score also given as a share of that method's largest |score| so methods
// on different scales can be compared. Data goes in as text only.
import type { Explanation } from '../../src/shared/types';
import { h } from '../shared/dom';
import { FEATURES_SHOWN_BY_DEFAULT, formatSigned } from './viewModel';

export interface ComparisonCell {
  scoreText: string;
  /** score / max |score| of the column, in [-1, 1]. */
  share: number;
}

export interface ComparisonView {
  methods: string[];
  rows: { name: string; featureIndex: number; cells: ComparisonCell[] }[];
  /** Features left out (beyond the first FEATURES_SHOWN_BY_DEFAULT by the primary method's |score|). */
  hidden: number;
}

/** Rows ordered by the primary explanation's |score|; a feature a method did not score reads as 0. */
export function buildComparison(explanations: Explanation[]): ComparisonView {
  const primary = explanations[0]!;
  const maxes = explanations.map((e) => Math.max(0, ...e.features.map((f) => Math.abs(f.score))));
  const order = primary.features
    .map((f, i) => [Math.abs(f.score), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
  const rows = order.slice(0, FEATURES_SHOWN_BY_DEFAULT).map((i) => ({
    name: primary.features[i]!.name,
    featureIndex: i,
    cells: explanations.map((e, k) => {
      const score = e.features[i]?.score ?? 0;
      return { scoreText: formatSigned(score), share: maxes[k]! > 0 ? score / maxes[k]! : 0 };
    }),
  }));
  return { methods: explanations.map((e) => e.method.id), rows, hidden: Math.max(0, order.length - rows.length) };
}

export function renderComparison(doc: Document, explanations: Explanation[], remove: (index: number) => void): HTMLElement {
  const view = buildComparison(explanations);
  const head = h(
    doc,
    'tr',
    {},
    h(doc, 'th', { text: 'feature', attrs: { scope: 'col' } }),
    ...view.methods.map((m, k) => {
      const cell = h(doc, 'th', { attrs: { scope: 'col' } }, m);
      if (k > 0) {
        const x = h(doc, 'button', { className: 'remove-column', text: '×', attrs: { type: 'button', 'aria-label': `Remove ${m}`, title: `Remove ${m}` } });
        x.addEventListener('click', () => remove(k));
        cell.append(' ', x);
      }
      return cell;
    }),
  );
  const body = view.rows.map((r) =>
    h(
      doc,
      'tr',
      {},
      h(doc, 'th', { text: r.name, attrs: { scope: 'row' } }),
      ...r.cells.map((c) => {
        const td = h(doc, 'td', { className: `number ${c.share > 0 ? 'positive' : c.share < 0 ? 'negative' : 'zero'}`, text: c.scoreText });
        td.title = `${Math.round(c.share * 100)}% of this method's largest |score|`;
        return td;
      }),
    ),
  );
  return h(
    doc,
    'section',
    { className: 'section comparison', attrs: { 'aria-labelledby': 'comparison-heading' } },
    h(doc, 'h2', { text: 'Methods side by side', attrs: { id: 'comparison-heading' } }),
    h(doc, 'table', { className: 'rows comparison-table' }, h(doc, 'thead', {}, head), h(doc, 'tbody', {}, ...body)),
    ...(view.hidden ? [h(doc, 'p', { className: 'note', text: `${view.hidden} more features with smaller attributions (Export JSON has them all).` })] : []),
  );
}
