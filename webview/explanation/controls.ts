// The panel's common controls: which method explains the input (replace, or add side by side), which target class
// to explain, exports, and a status line for reruns. Data goes in as text or attribute values only.
import type { MethodChoice } from '../../src/shared/panelProtocol';
import type { Explanation, MethodId } from '../../src/shared/types';
import { h } from '../shared/dom';
import { formatNumber } from './viewModel';

/** Targets offered in the picker: the highest scores, plus the current target and the predicted class. */
export const MAX_TARGETS_OFFERED = 10;

export interface ControlHandlers {
  rerun(method: MethodId, target: number | undefined, add: boolean, granularity?: 'token' | 'word'): void;
  exportFile(format: 'json' | 'html'): void;
}

export interface StatusView {
  busy: boolean;
  message?: string;
  error?: string;
}

export interface TargetChoice {
  index: number;
  text: string;
}

/** Top scores first; the current target and the predicted class are always offered. */
export function targetChoices(e: Explanation): TargetChoice[] {
  const scores = e.prediction.scores;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const picked = [...new Set([...order.slice(0, MAX_TARGETS_OFFERED), e.target.index, e.prediction.index])].filter((i) => i < scores.length);
  picked.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return picked.map((index) => {
    const label = e.prediction.labels?.[index] ?? (index === e.target.index ? e.target.label : undefined);
    return { index, text: `${label ?? `output ${index}`} · ${formatNumber(scores[index]!)}${index === e.prediction.index ? ' (predicted)' : ''}` };
  });
}

function select(doc: Document, id: string, label: string, options: { value: string; text: string; title?: string }[], selected: string): HTMLElement {
  return h(
    doc,
    'vscode-single-select',
    { attrs: { id, 'aria-label': label } },
    ...options.map((o) =>
      h(doc, 'vscode-option', { text: o.text, attrs: { value: o.value, ...(o.title ? { description: o.title } : {}), ...(o.value === selected ? { selected: '' } : {}) } }),
    ),
  );
}

function button(doc: Document, label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = h(doc, 'vscode-button', { text: label, attrs: { secondary: '', ...attrs } });
  b.addEventListener('click', onClick);
  return b;
}

const valueOf = (el: HTMLElement): string => String((el as unknown as { value?: unknown }).value ?? '');

export function renderControls(doc: Document, explanations: Explanation[], methods: MethodChoice[], status: StatusView, handlers: ControlHandlers): HTMLElement {
  const primary = explanations[0]!;
  const shown = new Set(explanations.map((e) => e.method.id));
  const nextMethod = methods.find((m) => !shown.has(m.id))?.id ?? primary.method.id;
  const methodSelect = select(
    doc,
    'method-select',
    'Method',
    methods.map((m) => ({ value: m.id, text: m.label, title: m.description })),
    nextMethod,
  );
  const targetSelect = select(
    doc,
    'target-select',
    'Target class',
    targetChoices(primary).map((t) => ({ value: String(t.index), text: t.text })),
    String(primary.target.index),
  );
  const method = () => (valueOf(methodSelect) || nextMethod) as MethodId;
  const target = () => {
    const raw = valueOf(targetSelect);
    const n = Number(raw);
    return raw !== '' && Number.isInteger(n) && n >= 0 ? n : primary.target.index;
  };
  // A new target re-explains with the primary method (a different target is a different question).
  targetSelect.addEventListener('change', () => handlers.rerun(primary.method.id, target(), false));
  const busy: Record<string, string> = status.busy ? { disabled: '' } : {};
  const methodRow = h(
    doc,
    'div',
    { className: 'control-row' },
    h(doc, 'label', { className: 'toolbar-label', text: 'Method', attrs: { for: 'method-select' } }),
    methodSelect,
    button(doc, 'Explain', () => handlers.rerun(method(), target(), false), { id: 'rerun-replace', title: 'Explain this input with the chosen method', ...busy }),
    button(doc, 'Add side by side', () => handlers.rerun(method(), target(), true), { id: 'rerun-add', title: 'Add the chosen method next to the current ones', ...busy }),
  );
  const targetRow = h(
    doc,
    'div',
    { className: 'control-row' },
    h(doc, 'label', { className: 'toolbar-label', text: 'Target', attrs: { for: 'target-select' } }),
    targetSelect,
    button(doc, 'Export JSON', () => handlers.exportFile('json'), { id: 'export-json' }),
    ...(explanations.every((e) => e.text) ? [button(doc, 'Export HTML', () => handlers.exportFile('html'), { id: 'export-html' })] : []),
  );
  // Text: sub-word tokens or whole words (scores summed); every column is explained again at the new granularity.
  const text = primary.text;
  const granularityRow = text
    ? (() => {
        const g = select(
          doc,
          'granularity-select',
          'Token granularity',
          [
            { value: 'token', text: 'Tokens (as the tokenizer splits them)' },
            { value: 'word', text: 'Words (sub-word scores summed)' },
          ],
          text.granularity,
        );
        g.addEventListener('change', () => {
          const value = valueOf(g);
          if ((value === 'token' || value === 'word') && value !== text.granularity) handlers.rerun(primary.method.id, primary.target.index, false, value);
        });
        return h(doc, 'div', { className: 'control-row' }, h(doc, 'label', { className: 'toolbar-label', text: 'Show', attrs: { for: 'granularity-select' } }), g);
      })()
    : undefined;
  const statusLine = h(doc, 'p', {
    className: `status${status.error ? ' error' : ''}${status.busy ? ' busy' : ''}`,
    text: status.error ?? status.message ?? '',
    attrs: { id: 'panel-status', role: status.error ? 'alert' : 'status' },
  });
  return h(doc, 'div', { className: 'controls', attrs: { role: 'group', 'aria-label': 'Explain with another method or target' } }, methodRow, targetRow, ...(granularityRow ? [granularityRow] : []), statusLine);
}
