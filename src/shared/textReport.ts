// A standalone HTML report of text explanations: the model, the input, the prediction and, per method, the text
// colored by token attributions (scores in title attributes) with a table of the tokens. No scripts; the CSP allows
// inline styles only. Built on the panel's segment builder (textView.ts), so report and panel always agree.
// Every piece of data goes through escapeHtml.
import type { TextPrefs } from './panelProtocol';
import type { Explanation } from './types';
import { buildTextViews, type TextView, type TokenSegment } from '../../webview/explanation/text/textView';
import { formatNumber, modelTitle } from '../../webview/explanation/viewModel';

export interface TextReportOptions {
  title?: string;
  /** Color scale, as in the panel (default per-method). */
  scale?: TextPrefs['scale'];
}

/** The panel's default chart colors (VS Code's charts.red / charts.blue); fills are at most 60% opaque. */
const POSITIVE_RGB = '241, 76, 76';
const NEGATIVE_RGB = '55, 148, 255';
const MAX_ALPHA = 0.6;

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Inline background of a token: the sign's color at an opacity proportional to |score| / scale. */
export function tokenBackground(s: Pick<TokenSegment, 'sign' | 'intensity'>): string | undefined {
  if ((s.sign !== 'positive' && s.sign !== 'negative') || !(s.intensity > 0)) return undefined;
  const alpha = Number((Math.min(1, s.intensity) * MAX_ALPHA).toFixed(3));
  return `rgba(${s.sign === 'positive' ? POSITIVE_RGB : NEGATIVE_RGB}, ${alpha})`;
}

const STYLE = `
:root { color-scheme: light dark; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 72em; padding: 0 16px; color: #222; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #1e1e1e; } .muted, .note { color: #aaa; } table.tokens th, table.tokens td, .text { border-color: #555; } }
h1 { font-size: 1.5em; margin: 0 0 8px; }
h2 { font-size: 1.15em; margin: 24px 0 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 16px; }
dl.meta dt { color: #777; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.muted, .note { color: #666; }
.number { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-variant-numeric: tabular-nums; }
.text { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; padding: 8px; border: 1px solid #ccc; border-radius: 2px; }
.tok { border-radius: 2px; }
.tok.invalid { text-decoration: underline wavy #cca700; }
.truncated { opacity: 0.55; text-decoration: line-through; }
.legend { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; font-size: 0.9em; margin: 0 0 6px; }
.legend .tok { display: inline-block; min-width: 1.6em; padding: 0 4px; text-align: center; }
.legend .tok:empty::before { content: '\\00a0'; }
table.tokens { border-collapse: collapse; margin-top: 8px; font-size: 0.95em; }
table.tokens th, table.tokens td { border-bottom: 1px solid #ddd; padding: 2px 12px 2px 4px; text-align: left; vertical-align: top; }
table.tokens td.number, table.tokens th.number { text-align: right; }
ul.classes { margin: 0; padding-left: 1.2em; }
details { margin-top: 8px; }
footer { margin-top: 32px; font-size: 0.9em; }
@media print { .text, table.tokens { break-inside: auto; } .tok { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`;

function tokenSpan(s: TokenSegment): string {
  const background = tokenBackground(s);
  const style = background ? ` style="background-color: ${background}"` : '';
  return `<span class="tok ${s.sign}"${style} title="${escapeHtml(s.tooltip)}">${escapeHtml(s.text)}</span>`;
}

function coloredText(view: TextView): string {
  return view.segments
    .map((s) => {
      if (s.kind === 'token') return tokenSpan(s);
      if (s.kind === 'truncated') return `<span class="truncated" title="cut off: the model did not see this part">${escapeHtml(s.text)}</span>`;
      return escapeHtml(s.text);
    })
    .join('');
}

function legend(view: TextView): string {
  const sample = (sign: 'positive' | 'negative' | 'zero', intensity: number, label: string) => {
    const background = tokenBackground({ sign, intensity });
    return `<span class="tok ${sign}"${background ? ` style="background-color: ${background}"` : ''}>${escapeHtml(label)}</span>`;
  };
  const full = view.scale > 0 ? view.scaleText : '0';
  return (
    `<p class="legend"><span class="number">${escapeHtml(view.scale > 0 ? `−${full}` : '0')}</span>` +
    sample('negative', 1, 'lowers') +
    sample('negative', 0.4, '') +
    sample('zero', 0, '0') +
    sample('positive', 0.4, '') +
    sample('positive', 1, 'raises') +
    `<span class="number">${escapeHtml(view.scale > 0 ? `+${full}` : '0')}</span>` +
    `<span class="muted">&nbsp;(red raises the target score, blue lowers it)</span></p>`
  );
}

function tokenTable(view: TextView): string {
  const rows = view.segments
    .filter((s): s is TokenSegment => s.kind === 'token')
    .map(
      (s, i) =>
        `<tr><td class="number">${i + 1}</td><td>${escapeHtml(s.text)}</td><td>${escapeHtml(s.vocab.join(' '))}</td>` +
        `<td class="number">${escapeHtml(s.positions.join(', '))}</td><td class="number">${escapeHtml(s.start)}–${escapeHtml(s.end)}</td>` +
        `<td class="number">${escapeHtml(s.scoreText)}</td></tr>`,
    )
    .join('\n');
  if (!rows) return '<p class="note">No tokens to list.</p>';
  return (
    '<table class="tokens"><thead><tr><th class="number">#</th><th>Text</th><th>Vocabulary</th><th class="number">Position</th>' +
    '<th class="number">Characters</th><th class="number">Score</th></tr></thead>\n<tbody>\n' +
    rows +
    '\n</tbody></table>'
  );
}

function methodSection(e: Explanation, view: TextView, index: number): string {
  const options = Object.entries(e.method.options)
    .map(([k, v]) => (k === 'baseline' && v && typeof v === 'object' ? `baseline ${(v as { kind: unknown }).kind}` : typeof v === 'object' || v === undefined ? '' : `${k} ${v}`))
    .filter(Boolean)
    .join(', ');
  const top = view.topTokens.map((s) => `${escapeHtml(s.text)} <span class="number">${escapeHtml(s.scoreText)}</span>`).join(' · ');
  const notes = [...view.notes, ...(e.notes ?? [])].map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  return [
    `<section id="method-${index}">`,
    `<h2>${escapeHtml(e.method.id)}</h2>`,
    `<p class="muted">target ${escapeHtml(view.targetText)} (output ${escapeHtml(e.target.index)})${options ? ` · ${escapeHtml(options)}` : ''}</p>`,
    legend(view),
    `<div class="text">${coloredText(view)}</div>`,
    notes,
    top ? `<p>Strongest tokens: ${top}</p>` : '',
    `<details><summary>Tokens and scores</summary>\n${tokenTable(view)}\n</details>`,
    '</section>',
  ]
    .filter(Boolean)
    .join('\n');
}

function inputText(e: Explanation): string {
  const t = e.text;
  if (t?.file !== undefined) {
    const where = t.line !== undefined ? `${t.file}:${t.line + 1}` : t.file;
    return t.row !== undefined ? `${where} (example ${t.row})` : where;
  }
  if (e.input.source === 'text') return 'text given directly';
  return e.input.row !== undefined ? `${e.input.source} (row ${e.input.row})` : e.input.source;
}

function predictionList(e: Explanation): string {
  const labelOf = (i: number) => e.prediction.labels?.[i] ?? (i === e.prediction.index ? e.prediction.label : undefined) ?? `output ${i}`;
  const items = e.prediction.scores.slice(0, 50).map((score, i) => {
    const marks = [i === e.prediction.index ? 'predicted' : '', i === e.target.index ? 'target' : ''].filter(Boolean).join(', ');
    const text = `${escapeHtml(labelOf(i))}: <span class="number">${escapeHtml(formatNumber(score))}</span>${marks ? ` <span class="muted">(${escapeHtml(marks)})</span>` : ''}`;
    return `<li>${i === e.prediction.index ? `<strong>${text}</strong>` : text}</li>`;
  });
  const more = e.prediction.scores.length > 50 ? `<li class="muted">… ${e.prediction.scores.length - 50} more outputs</li>` : '';
  return `<ul class="classes">${items.join('')}${more}</ul>`;
}

/** A standalone HTML file (no scripts) with the token heatmaps of `explanations` (one model and input). */
export function textReportHtml(explanations: Explanation[], options: TextReportOptions = {}): string {
  const first = explanations[0];
  const title = options.title ?? (first ? `Attribution Lens · ${modelTitle(first.model.path)}` : 'Attribution Lens');
  const views = buildTextViews(explanations, { scale: options.scale ?? 'per-method' });
  const meta = first
    ? [
        `<dl class="meta">`,
        `<dt>Model</dt><dd>${escapeHtml(first.model.path)} <span class="muted">(${escapeHtml(first.model.format)})</span></dd>`,
        `<dt>Input</dt><dd>${escapeHtml(inputText(first))}</dd>`,
        `<dt>Prediction</dt><dd>${predictionList(first)}</dd>`,
        `<dt>Color scale</dt><dd>${options.scale === 'shared' && views.length > 1 ? `shared: full color at |score| ${escapeHtml(views[0].scaleText)}` : 'per method: each method’s own largest |score| gets full color'}</dd>`,
        `</dl>`,
      ].join('\n')
    : '<p class="note">No explanations.</p>';
  const sections = explanations.map((e, i) => methodSection(e, views[i], i)).join('\n');
  const footer = first
    ? `<footer class="muted">Attribution Lens · ${escapeHtml(first.model.format)} · backend ${escapeHtml(first.backend)} · model hash ${escapeHtml(first.model.hash.slice(0, 12))}</footer>`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    meta,
    sections,
    footer,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
