// Turns a text Explanation into the segments a token heatmap shows: the whole text in order, split into plain gaps
// (characters no token covers), colored tokens (or words, when features merge several positions) and the part a
// truncated input cut off. Pure and DOM-free: the panel (tokenHeatmap.ts) and the standalone HTML report
// (src/shared/textReport.ts) both build on it, so they always agree.
//
// Offsets: token offsets (`text.tokens[].start/end`) are into `text.text`; feature offsets may point into a file
// (dataset inputs), so features are tied to the text through their token `positions`, never through their offsets.
import type { TextPrefs } from '../../../src/shared/panelProtocol';
import type { ExplainedToken, Explanation } from '../../../src/shared/types';
import { formatNumber, formatSigned } from '../viewModel';

/** Strongest tokens listed under each heatmap. */
export const TOP_TOKENS = 5;

/** `invalid`: the score is NaN or infinite; the token is shown without color. */
export type TokenSign = 'positive' | 'negative' | 'zero' | 'invalid';

/** Text no token covers (spaces, characters the tokenizer dropped). */
export interface GapSegment {
  kind: 'gap';
  text: string;
  start: number;
  end: number;
}

/** The part of a truncated text after the last token the model saw. */
export interface TruncatedSegment {
  kind: 'truncated';
  text: string;
  start: number;
  end: number;
}

/** One token, or one word when a feature merges several positions. Offsets are UTF-16 code units into the text. */
export interface TokenSegment {
  kind: 'token';
  text: string;
  start: number;
  end: number;
  score: number;
  scoreText: string;
  /** |score| / scale, in [0, 1]; 0 for non-finite scores or a zero scale. */
  intensity: number;
  sign: TokenSign;
  /** Index into explanation.features, when a feature covers this token. */
  featureIndex?: number;
  /** The feature has a source span, so a click can reveal it in the file. */
  revealable: boolean;
  /** Model positions covered (several for merged words). */
  positions: number[];
  /** Vocabulary entries of those positions ('un', '##believ', …). */
  vocab: string[];
  /** "token · score · target label · method". */
  tooltip: string;
}

export type TextSegment = GapSegment | TruncatedSegment | TokenSegment;

export interface TextView {
  methodId: string;
  /** Label of the explained output, e.g. "positive", or "output 3". */
  targetText: string;
  text: string;
  /** Cover `text` exactly, in order: concatenating their texts gives `text` back. */
  segments: TextSegment[];
  /** |score| that gets full color. */
  scale: number;
  scaleText: string;
  /** This explanation's own max |score| over the shown tokens. */
  maxAbs: number;
  /** Up to TOP_TOKENS token segments, strongest |score| first (finite, non-zero scores only). */
  topTokens: TokenSegment[];
  /** Things worth telling the reader: truncation, non-finite scores, tokens that could not be placed. */
  notes: string[];
  truncated: boolean;
}

/** A token or merged word before it is cut into the text. */
interface Unit {
  start: number;
  end: number;
  score: number;
  featureIndex?: number;
  positions: number[];
  vocab: string[];
}

interface Units {
  units: Unit[];
  /** Non-special tokens without a usable place in the text. */
  unplaced: number;
}

export function targetText(e: Explanation): string {
  return e.target.label ?? e.prediction.labels?.[e.target.index] ?? `output ${e.target.index}`;
}

const isRange = (start: unknown, end: unknown, length: number): start is number =>
  Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (end as number) <= length && (start as number) < (end as number);

/** Which feature covers each model position. */
function featuresByPosition(e: Explanation, tokens: ExplainedToken[], text: string): Map<number, number> {
  const map = new Map<number, number>();
  e.features.forEach((f, i) => {
    for (const p of f.positions ?? []) if (Number.isInteger(p) && !map.has(p)) map.set(p, i);
  });
  if (map.size || !e.features.length) return map;
  // Older results without positions: tie features to tokens by their offsets when those are into the given text,
  // else by order when there is exactly one feature per shown token.
  const shown = tokens.filter((t) => !t.special);
  if (e.input.source === 'text') {
    for (const t of shown) {
      const i = e.features.findIndex((f) => f.start === t.start && f.end === t.end && (f.text === undefined || f.text === text.slice(t.start, t.end)));
      if (i >= 0) map.set(t.position, i);
    }
  } else if (shown.length === e.features.length) {
    shown.forEach((t, i) => map.set(t.position, i));
  }
  return map;
}

function textUnits(e: Explanation): Units {
  const text = e.text?.text ?? '';
  const tokens = [...(e.text?.tokens ?? [])].sort((a, b) => a.position - b.position);
  const featureOf = featuresByPosition(e, tokens, text);
  const units: Unit[] = [];
  const merged = new Map<number, Unit>();
  let unplaced = 0;
  for (const t of tokens) {
    if (t.special) continue;
    const placed = isRange(t.start, t.end, text.length);
    const fi = featureOf.get(t.position);
    if (fi === undefined) {
      if (placed) units.push({ start: t.start!, end: t.end!, score: t.score, positions: [t.position], vocab: [t.token] });
      else unplaced++;
      continue;
    }
    const unit = merged.get(fi);
    if (!placed) {
      if (!unit) unplaced++;
      continue;
    }
    if (unit) {
      unit.start = Math.min(unit.start, t.start!);
      unit.end = Math.max(unit.end, t.end!);
      unit.positions.push(t.position);
      unit.vocab.push(t.token);
    } else {
      const u: Unit = { start: t.start!, end: t.end!, score: e.features[fi].score, featureIndex: fi, positions: [t.position], vocab: [t.token] };
      merged.set(fi, u);
      units.push(u);
    }
  }
  units.sort((a, b) => a.start - b.start || b.end - a.end);
  return { units, unplaced };
}

/** The largest finite |score| among the tokens a heatmap shows (0 when there is none). */
export function maxAbsTextScore(e: Explanation): number {
  let max = 0;
  for (const u of textUnits(e).units) if (Number.isFinite(u.score)) max = Math.max(max, Math.abs(u.score));
  return max;
}

function signOf(score: number): TokenSign {
  if (!Number.isFinite(score)) return 'invalid';
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'zero';
}

function tokenLabel(text: string, vocab: string[]): string {
  const shown = text.trim() || JSON.stringify(text);
  const differs = vocab.length > 1 || (vocab.length === 1 && vocab[0].toLowerCase() !== text.toLowerCase());
  return differs ? `${shown} (${vocab.join(' ')})` : shown;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The heatmap of one explanation. `scale` is the |score| that gets full color; by default the explanation's own
 * max |score| (per-method scale).
 */
export function buildTextView(e: Explanation, scale?: number): TextView {
  const text = e.text?.text ?? '';
  const truncated = e.text?.truncated === true;
  const target = targetText(e);
  const { units, unplaced } = textUnits(e);
  let maxAbs = 0;
  for (const u of units) if (Number.isFinite(u.score)) maxAbs = Math.max(maxAbs, Math.abs(u.score));
  const fullScale = scale !== undefined && Number.isFinite(scale) && scale > 0 ? scale : maxAbs;

  const segments: TextSegment[] = [];
  let cursor = 0;
  let overlapping = 0;
  let invalid = 0;
  for (const u of units) {
    const start = Math.max(u.start, cursor);
    if (start >= u.end) {
      overlapping++;
      continue;
    }
    if (start > u.start) overlapping++;
    if (start > cursor) segments.push({ kind: 'gap', text: text.slice(cursor, start), start: cursor, end: start });
    const piece = text.slice(start, u.end);
    const sign = signOf(u.score);
    if (sign === 'invalid') invalid++;
    const scoreText = sign === 'invalid' ? String(u.score) : formatSigned(u.score);
    const feature = u.featureIndex !== undefined ? e.features[u.featureIndex] : undefined;
    segments.push({
      kind: 'token',
      text: piece,
      start,
      end: u.end,
      score: u.score,
      scoreText,
      intensity: sign === 'invalid' || fullScale <= 0 ? 0 : Math.min(1, Math.abs(u.score) / fullScale),
      sign,
      ...(u.featureIndex !== undefined ? { featureIndex: u.featureIndex } : {}),
      revealable: feature?.span !== undefined,
      positions: u.positions,
      vocab: u.vocab,
      tooltip: `${tokenLabel(piece, u.vocab)} · ${scoreText} · ${target} · ${e.method.id}`,
    });
    cursor = u.end;
  }
  if (cursor < text.length) {
    segments.push({ kind: truncated ? 'truncated' : 'gap', text: text.slice(cursor), start: cursor, end: text.length });
  }

  const notes: string[] = [];
  if (!e.text) notes.push('This explanation has no text: it was not computed on a text input.');
  else if (!text.length) notes.push('The text is empty.');
  if (truncated) {
    notes.push(
      cursor < text.length
        ? 'The text is longer than the model’s input: the dimmed part after the last token was cut off and did not count.'
        : 'The text is longer than the model’s input: tokens after the last one shown were cut off and did not count.',
    );
  }
  if (invalid) notes.push(`${plural(invalid, 'token has', 'tokens have')} no finite score (NaN or infinite) and ${invalid === 1 ? 'is' : 'are'} shown without color.`);
  if (unplaced) notes.push(`${plural(unplaced, 'token has', 'tokens have')} no position in the text and ${unplaced === 1 ? 'is' : 'are'} not shown.`);
  if (overlapping) notes.push(`${plural(overlapping, 'token overlaps', 'tokens overlap')} an earlier one; shared characters take the earlier token’s color.`);

  const topTokens = segments
    .filter((s): s is TokenSegment => s.kind === 'token' && Number.isFinite(s.score) && s.score !== 0)
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.start - b.start)
    .slice(0, TOP_TOKENS);

  return {
    methodId: e.method.id,
    targetText: target,
    text,
    segments,
    scale: fullScale,
    scaleText: formatNumber(fullScale),
    maxAbs,
    topTokens,
    notes,
    truncated,
  };
}

/** Full-color |score| per explanation: each one's own max (per-method), or the largest of them all (shared). */
export function colorScales(explanations: Explanation[], scale: TextPrefs['scale']): number[] {
  const own = explanations.map(maxAbsTextScore);
  if (scale !== 'shared') return own;
  const shared = Math.max(0, ...own);
  return own.map(() => shared);
}

export function buildTextViews(explanations: Explanation[], prefs: Partial<TextPrefs> = {}): TextView[] {
  const scales = colorScales(explanations, prefs.scale ?? 'per-method');
  return explanations.map((e, i) => buildTextView(e, scales[i]));
}
