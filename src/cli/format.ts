// Readable (non-JSON) CLI output.
import type { Explanation, ModelSummary } from '../shared/types';

const fmt = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;

function bar(score: number, max: number, width = 20): string {
  const n = max > 0 ? Math.round((Math.abs(score) / max) * width) : 0;
  return (score >= 0 ? '+' : '-').repeat(n).padEnd(width);
}

export function formatSummary(s: ModelSummary): string {
  const lines = [
    `model:      ${s.path}`,
    `format:     ${s.format}`,
    `parameters: ${s.parameterCount.toLocaleString('en-US')}`,
    ...s.inputs.map((t) => `input:      ${t.name} ${shape(t.shape)} ${t.dtype}`),
    ...s.outputs.map((t) => `output:     ${t.name} ${shape(t.shape)} ${t.dtype}`),
    ...(s.modality ? [`modality:   ${s.modality} (from the ${s.modalitySource === 'shape' ? 'input shape' : s.modalitySource})`] : []),
    ...(s.labels ? [`labels:     ${s.labels.join(', ')}`] : []),
    `layers (${s.layers.length}):`,
    ...s.layers.map((l) => `  ${l.name.padEnd(32)} ${l.type.padEnd(22)} ${l.outputShape ? shape(l.outputShape) : ''}`.trimEnd()),
  ];
  return lines.join('\n');
}

export function formatExplanation(e: Explanation, top = 20): string {
  const label = (i: number) => e.prediction.labels?.[i] ?? String(i);
  const lines = [
    `model:      ${e.model.path} (${e.model.format})`,
    `input:      ${e.input.source}${e.input.row !== undefined ? ` row ${e.input.row}` : ''} ${shape(e.input.shape)}`,
    `method:     ${e.method.id} ${JSON.stringify(e.method.options)}`,
    `backend:    ${e.backend}   load ${e.timings.loadMs.toFixed(0)} ms, attribute ${e.timings.attributeMs.toFixed(0)} ms`,
    `prediction: ${label(e.prediction.index)} (${e.prediction.scores.map((s, i) => `${label(i)}=${fmt(s)}`).join(', ')})`,
    `target:     ${label(e.target.index)} (index ${e.target.index})`,
    `checks:     ${Object.entries(e.checks).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`).join(', ')}`,
    '',
  ];
  for (const note of e.notes ?? []) lines.splice(lines.length - 1, 0, `note:       ${note}`);
  if (e.text && e.features.length) {
    lines.push(...textFeatureLines(e, top));
  } else if (e.features.length) {
    const sorted = [...e.features].sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, top);
    const max = Math.max(...sorted.map((f) => Math.abs(f.score)));
    const w = Math.max(7, ...sorted.map((f) => f.name.length));
    lines.push(`${'feature'.padEnd(w)}  ${'value'.padStart(12)}  ${'score'.padStart(11)}`);
    for (const f of sorted) {
      lines.push(`${f.name.padEnd(w)}  ${String(f.value ?? '').padStart(12)}  ${fmt(f.score).padStart(11)}  ${bar(f.score, max)}`);
    }
    if (e.features.length > top) lines.push(`… ${e.features.length - top} more (use --json for all)`);
  } else {
    const v = e.attributions.values;
    const order = v.map((_, i) => i).sort((a, b) => Math.abs(v[b]) - Math.abs(v[a])).slice(0, 10);
    // reduce, not Math.min(...v): spreading an image's 150k values overflows the call stack.
    const min = v.reduce((a, b) => Math.min(a, b), Infinity);
    const max = v.reduce((a, b) => Math.max(a, b), -Infinity);
    lines.push(`attributions ${shape(e.attributions.shape)}: sum ${fmt(v.reduce((a, b) => a + b, 0))}, min ${fmt(min)}, max ${fmt(max)}`);
    lines.push('largest |score| at flat index: ' + order.map((i) => `${i}=${fmt(v[i])}`).join(', '));
  }
  return lines.join('\n');
}

/** Text: the tokens in reading order (a sentence reads better than a ranking), the strongest ones marked. */
function textFeatureLines(e: Explanation, top: number): string[] {
  const strongest = new Set(
    e.features
      .map((f, i) => [Math.abs(f.score), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, top)
      .map(([, i]) => i),
  );
  const max = Math.max(...e.features.map((f) => Math.abs(f.score)));
  const w = Math.max(5, ...e.features.map((f) => (f.text ?? f.name).length));
  const lines = [`${'token'.padEnd(w)}  ${'span'.padStart(11)}  ${'score'.padStart(11)}   (in text order; * = among the ${Math.min(top, e.features.length)} largest |score|)`];
  for (const [i, f] of e.features.entries()) {
    const span = f.start !== undefined && f.end !== undefined ? `${f.start}-${f.end}` : '';
    lines.push(`${(f.text ?? f.name).padEnd(w)}  ${span.padStart(11)}  ${fmt(f.score).padStart(11)} ${strongest.has(i) ? '*' : ' '} ${bar(f.score, max)}`);
  }
  return lines;
}
