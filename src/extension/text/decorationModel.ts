// Turns a text explanation into what the editor draws: one range per token/word (file offsets), an intensity
// bucket scaled to the example's strongest attribution, the strongest few for the overview ruler, and hover text.
// vscode-free so it can be tested directly; datasetDecorations.ts maps it onto decoration types.
import type { Explanation } from '../../shared/types';

/** Number of intensity buckets per sign (one pre-made decoration type each). */
export const BUCKETS = 5;
export const TOP_K = 5;

export interface TokenDecoration {
  /** [start, end) in the document, UTF-16 code units. */
  start: number;
  end: number;
  text: string;
  score: number;
  sign: 'positive' | 'negative';
  /** 1 … BUCKETS: |score| relative to the example's largest |score|. */
  bucket: number;
  /** Markdown for the hover, every user/model-provided string escaped. */
  hover: string;
}

export interface ExampleDecorations {
  tokens: TokenDecoration[];
  /** The TOP_K tokens with the largest |score|, strongest first: marked in the overview ruler. */
  top: TokenDecoration[];
  /** Largest |score| of the example, the scale of the buckets. */
  maxAbs: number;
}

/**
 * Maps an offset range of the explained text to document offsets. `dataset-file` explanations already carry file
 * offsets (identity); a `text` explanation of an unsaved document maps through the example's offsets.
 */
export type ToDocumentRange = (start: number, end: number) => { start: number; end: number };

const identity: ToDocumentRange = (start, end) => ({ start, end });

/** 1 … buckets for a non-zero |score|; 0 means "not drawn". */
export function bucketOf(absScore: number, maxAbs: number, buckets = BUCKETS): number {
  if (!(maxAbs > 0) || !(absScore > 0)) return 0;
  return Math.min(buckets, Math.max(1, Math.ceil((absScore / maxAbs) * buckets - 1e-9)));
}

export function exampleDecorations(explanation: Explanation, toDocument: ToDocumentRange = identity): ExampleDecorations {
  const located = explanation.features.filter(
    (f) => typeof f.start === 'number' && typeof f.end === 'number' && f.end > f.start && Number.isFinite(f.score),
  );
  const maxAbs = located.reduce((m, f) => Math.max(m, Math.abs(f.score)), 0);
  const tokens: TokenDecoration[] = [];
  for (const f of located) {
    const bucket = bucketOf(Math.abs(f.score), maxAbs);
    if (bucket === 0) continue;
    const range = toDocument(f.start as number, f.end as number);
    const text = f.text ?? f.name;
    tokens.push({
      ...range,
      text,
      score: f.score,
      sign: f.score > 0 ? 'positive' : 'negative',
      bucket,
      hover: hoverMarkdown(text, f.score, explanation),
    });
  }
  const top = [...tokens].sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, TOP_K);
  return { tokens, top, maxAbs };
}

export function hoverMarkdown(token: string, score: number, explanation: Explanation): string {
  const target = explanation.target.label ?? `output ${explanation.target.index}`;
  const direction = score > 0 ? 'for' : 'against';
  return [
    `**${escapeMarkdown(token)}**`,
    '',
    `attribution ${formatScore(score)} ${direction} *${escapeMarkdown(target)}*`,
    '',
    `method: ${escapeMarkdown(explanation.method.id)}`,
  ].join('\n');
}

/** "positive 87.1%" for the lens above an explained example. */
export function predictionTitle(explanation: Explanation): string {
  const p = explanation.prediction;
  const label = p.label ?? p.labels?.[p.index] ?? `output ${p.index}`;
  const score = p.scores[p.index];
  const value = looksLikeProbabilities(p.scores) ? `${(score * 100).toFixed(1)}%` : `score ${formatScore(score)}`;
  return `${label} ${value}`;
}

function looksLikeProbabilities(scores: number[]): boolean {
  const sum = scores.reduce((s, v) => s + v, 0);
  return scores.every((v) => v >= 0 && v <= 1) && (scores.length === 1 || Math.abs(sum - 1) < 1e-3);
}

function formatScore(v: number): string {
  const s = Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
  return v > 0 ? `+${s}` : s;
}

/**
 * Text shown literally in a MarkdownString: HTML-significant characters become entities (so `<img onerror=…>` or
 * `</script>` is never markup), markdown punctuation is backslash-escaped, and line breaks become visible symbols.
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\r\n|\r|\n/g, '⏎')
    .replace(/\t/g, '⇥');
}
