// The body of the explanation panel for text inputs: one token heatmap per explanation (methods side by side).
// Every piece of data reaches the page as textContent or an attribute value (via h()); colors are set through the
// CSSOM (--intensity plus a sign class) and media/explanation-text.css turns them into theme-aware backgrounds.
import type { TextPrefs } from '../../../src/shared/panelProtocol';
import type { Explanation } from '../../../src/shared/types';
import { h, type Child } from '../../shared/dom';
import { formatNumber } from '../viewModel';
import { buildTextViews, type TextSegment, type TextView, type TokenSegment, type TokenSign } from './textView';

export interface TextBodyHandlers {
  /** Reveal features[featureIndex] of explanations[explanationIndex] in its file. */
  reveal(explanationIndex: number, featureIndex: number): void;
  setPrefs(patch: Partial<TextPrefs>): void;
  /** Drop explanations[explanationIndex] from the side-by-side set (offered only when there are several). */
  remove(explanationIndex: number): void;
}

/** Ids of the scale toggle buttons, so the panel can give focus back after a redraw. */
export const SCALE_BUTTON_IDS: Record<TextPrefs['scale'], string> = {
  'per-method': 'text-scale-per-method',
  shared: 'text-scale-shared',
};

/** A token: a button when its feature can be revealed (focusable; Enter and Space click it), else a span. */
function tokenElement(doc: Document, s: TokenSegment, explanationIndex: number, handlers: TextBodyHandlers, extraClass = ''): HTMLElement {
  const className = `tok ${s.sign}${s.revealable ? ' revealable' : ''}${extraClass}`;
  const attrs: Record<string, string> = { title: s.tooltip, 'data-explanation-index': String(explanationIndex) };
  if (s.featureIndex !== undefined) attrs['data-feature-index'] = String(s.featureIndex);
  let el: HTMLElement;
  if (s.revealable && s.featureIndex !== undefined) {
    const featureIndex = s.featureIndex;
    el = h(doc, 'button', { className, text: s.text, attrs: { type: 'button', 'aria-label': `${s.tooltip}. Reveal in file.`, ...attrs } });
    el.addEventListener('click', () => handlers.reveal(explanationIndex, featureIndex));
  } else {
    el = h(doc, 'span', { className, text: s.text, attrs });
  }
  el.style.setProperty('--intensity', s.intensity.toFixed(3));
  return el;
}

function segmentNode(doc: Document, s: TextSegment, explanationIndex: number, handlers: TextBodyHandlers): Child {
  if (s.kind === 'token') return tokenElement(doc, s, explanationIndex, handlers);
  if (s.kind === 'truncated') {
    return h(doc, 'span', { className: 'text-truncated', text: s.text, attrs: { title: 'Cut off: the model did not see this part' } });
  }
  return s.text;
}

/** Diverging legend with this column's numbers: −scale … 0 … +scale. */
function legend(doc: Document, view: TextView): HTMLElement {
  const sample = (sign: TokenSign, intensity: number, label: string) => {
    const el = h(doc, 'span', { className: `tok legend-sample ${sign}`, text: label, attrs: { 'aria-hidden': 'true' } });
    el.style.setProperty('--intensity', intensity.toFixed(3));
    return el;
  };
  const full = view.scale > 0 ? view.scaleText : '0';
  return h(
    doc,
    'p',
    { className: 'text-legend' },
    h(doc, 'span', { className: 'visually-hidden', text: `Colors: blue lowers the target score, red raises it; full color at |score| ${full}.` }),
    h(doc, 'span', { className: 'legend-end', text: view.scale > 0 ? `−${full}` : '0', attrs: { 'aria-hidden': 'true' } }),
    sample('negative', 1, 'lowers'),
    sample('negative', 0.4, ''),
    sample('zero', 0, '0'),
    sample('positive', 0.4, ''),
    sample('positive', 1, 'raises'),
    h(doc, 'span', { className: 'legend-end', text: view.scale > 0 ? `+${full}` : '0', attrs: { 'aria-hidden': 'true' } }),
  );
}

function scaleToggle(doc: Document, prefs: TextPrefs, handlers: TextBodyHandlers): HTMLElement {
  const option = (scale: TextPrefs['scale'], label: string, hint: string) => {
    const pressed = prefs.scale === scale;
    const b = h(doc, 'button', {
      className: `scale-option${pressed ? ' is-pressed' : ''}`,
      text: label,
      attrs: { type: 'button', id: SCALE_BUTTON_IDS[scale], 'aria-pressed': String(pressed), title: hint },
    });
    b.addEventListener('click', () => {
      if (prefs.scale !== scale) handlers.setPrefs({ scale });
    });
    return b;
  };
  return h(
    doc,
    'div',
    { className: 'text-controls', attrs: { role: 'group', 'aria-label': 'Color scale' } },
    h(doc, 'span', { className: 'text-controls-label', text: 'Color scale' }),
    option('per-method', 'Per method', 'Each column is colored by its own largest |score|'),
    option('shared', 'Shared', 'All columns share one scale: the largest |score| of them all'),
  );
}

function topTokens(doc: Document, view: TextView, explanationIndex: number, handlers: TextBodyHandlers): HTMLElement[] {
  if (!view.topTokens.length) return [];
  const id = `text-top-${explanationIndex}`;
  return [
    h(doc, 'h4', { className: 'text-top-heading', text: 'Strongest tokens', attrs: { id } }),
    h(
      doc,
      'ol',
      { className: 'text-top', attrs: { 'aria-labelledby': id } },
      ...view.topTokens.map((s) =>
        h(
          doc,
          'li',
          {},
          tokenElement(doc, s, explanationIndex, handlers, ' top-token'),
          h(doc, 'span', { className: `number ${s.sign}`, text: s.scoreText }),
        ),
      ),
    ),
  ];
}

function column(doc: Document, view: TextView, index: number, count: number, handlers: TextBodyHandlers): HTMLElement {
  const headingId = `text-column-${index}`;
  const header = h(
    doc,
    'header',
    { className: 'text-column-header' },
    h(doc, 'h3', { text: view.methodId, attrs: { id: headingId } }),
    h(doc, 'span', { className: 'text-target', text: `target ${view.targetText}` }),
  );
  if (count > 1) {
    const remove = h(doc, 'button', {
      className: 'text-remove',
      text: '✕',
      attrs: { type: 'button', title: `Remove ${view.methodId}`, 'aria-label': `Remove the ${view.methodId} column` },
    });
    remove.addEventListener('click', () => handlers.remove(index));
    header.append(remove);
  }
  const body = h(
    doc,
    'div',
    { className: 'text-tokens' },
    ...view.segments.map((s) => segmentNode(doc, s, index, handlers)),
  );
  return h(
    doc,
    'article',
    { className: 'text-column', attrs: { 'aria-labelledby': headingId, 'data-explanation-index': String(index) } },
    header,
    legend(doc, view),
    body,
    ...view.notes.map((note) => h(doc, 'p', { className: 'note text-note', text: note, attrs: { role: 'note' } })),
    ...topTokens(doc, view, index, handlers),
  );
}

/** The panel body for text explanations: a <section> with one heatmap column per explanation. */
export function renderTextBody(
  doc: Document,
  explanations: Explanation[],
  prefs: TextPrefs,
  handlers: TextBodyHandlers,
): HTMLElement {
  const views = buildTextViews(explanations, prefs);
  const shared = prefs.scale === 'shared' && views.length > 1;
  return h(
    doc,
    'section',
    { className: 'section text-body', attrs: { 'aria-labelledby': 'text-heading' } },
    h(doc, 'h2', { text: 'Token attributions', attrs: { id: 'text-heading' } }),
    ...(views.length > 1 ? [scaleToggle(doc, prefs, handlers)] : []),
    ...(shared ? [h(doc, 'p', { className: 'note', text: `All columns share one color scale: full color at |score| ${formatNumber(views[0].scale)}.` })] : []),
    ...(views.length
      ? [h(doc, 'div', { className: `text-columns${views.length > 1 ? ' side-by-side' : ''}` }, ...views.map((v, i) => column(doc, v, i, views.length, handlers)))]
      : [h(doc, 'p', { className: 'note', text: 'No text explanation to show.' })]),
  );
}
