// Finds the characters of the original text behind each token, for tokenizers that only return token strings
// (the Hugging Face JS tokenizers give no offsets). Both sides are brought to a common form:
//  - the text: each character (with its combining marks) goes through the tokenizer's normalizer on its own
//    (lowercasing, accent stripping, NFKC …), remembering the original characters every normalized one came from;
//  - the tokens: their surface form (continuation prefixes removed, byte-level stand-ins turned back into bytes and
//    decoded; tokens holding part of a multi-byte character are grouped until the character is complete).
// Whitespace (and SentencePiece's '▁') is left out of both, then tokens are matched in order. A token that cannot
// be matched ([UNK], pieces a pre-tokenizer dropped) takes the characters between its matched neighbours.
import { clusters, foldCase } from '../unicode';
import { decodeUtf8 } from './utf8';

export type Surface =
  /** Added/special token: matched literally against the original text when it is written there, else no span. */
  | { kind: 'special'; content: string }
  /** The unknown token: its characters are whatever lies between its neighbours. */
  | { kind: 'unknown' }
  /** The token's text as UTF-8 bytes (possibly part of a character). */
  | { kind: 'bytes'; bytes: number[] };

export interface Span {
  start: number;
  end: number;
}

interface ComparisonText {
  /** Normalized text without whitespace. */
  flat: string;
  /** Original [start, end) of each UTF-16 unit of `flat`. */
  origStart: number[];
  origEnd: number[];
}

function comparisonText(text: string, normalize: (s: string) => string, isSpace: (ch: string) => boolean): ComparisonText {
  let flat = '';
  const origStart: number[] = [];
  const origEnd: number[] = [];
  for (const c of clusters(text)) {
    let normalized: string;
    try {
      normalized = normalize(c.text);
    } catch {
      normalized = c.text;
    }
    for (const ch of normalized) {
      if (isSpace(ch)) continue;
      flat += ch;
      for (let k = 0; k < ch.length; k++) {
        origStart.push(c.start);
        origEnd.push(c.end);
      }
    }
  }
  return { flat, origStart, origEnd };
}

/** Tokens whose bytes together form whole characters, and the compact (whitespace-free) string they spell. */
interface Group {
  tokens: number[];
  /** Compact string. */
  text: string;
  /** For each token of the group: [from, to) indices into `text` (empty when the token is whitespace only). */
  ranges: [number, number][];
}

function groupBytes(indices: number[], surfaces: Surface[], isSpace: (ch: string) => boolean): Group {
  const bytes: number[] = [];
  const tokenBytes: [number, number][] = [];
  for (const t of indices) {
    const b = (surfaces[t] as { bytes: number[] }).bytes;
    tokenBytes.push([bytes.length, bytes.length + b.length]);
    bytes.push(...b);
  }
  const { chars } = decodeUtf8(bytes);
  let text = '';
  const charRange: [number, number][] = [];
  for (const ch of chars) {
    if (isSpace(ch.text)) {
      charRange.push([text.length, text.length]);
      continue;
    }
    charRange.push([text.length, text.length + ch.text.length]);
    text += ch.text;
  }
  // A token owns every character one of its bytes belongs to.
  const ranges = tokenBytes.map(([b0, b1]): [number, number] => {
    let from = Infinity;
    let to = -Infinity;
    chars.forEach((ch, k) => {
      if (ch.byteStart < b1 && ch.byteEnd > b0 && charRange[k][1] > charRange[k][0]) {
        from = Math.min(from, charRange[k][0]);
        to = Math.max(to, charRange[k][1]);
      }
    });
    return from < to ? [from, to] : [0, 0];
  });
  return { tokens: indices, text, ranges };
}

const looseEqual = (a: string, b: string) => a === b || foldCase(a, true, true) === foldCase(b, true, true);

/** Does `g` appear in `flat` at `pos` (exactly, or up to case and accents, unit by unit)? */
function matchesAt(flat: string, g: string, pos: number): boolean {
  if (flat.startsWith(g, pos)) return true;
  if (pos + g.length > flat.length) return false;
  for (let k = 0; k < g.length; k++) if (!looseEqual(flat[pos + k], g[k])) return false;
  return true;
}

export interface AlignOptions {
  normalize: (s: string) => string;
  /** Characters that stand for spaces (whitespace always does). */
  isSpace?: (ch: string) => boolean;
}

/** Spans in `text` of each token (undefined where the token has no characters of its own). */
export function alignTokens(text: string, surfaces: Surface[], options: AlignOptions): (Span | undefined)[] {
  const isSpace = (ch: string) => /^\s+$/u.test(ch) || (options.isSpace?.(ch) ?? false);
  const cmp = comparisonText(text, options.normalize, isSpace);
  const spans: (Span | undefined)[] = new Array(surfaces.length).fill(undefined);
  const flatSpan = (a: number, b: number): Span | undefined => (a < b ? { start: cmp.origStart[a], end: cmp.origEnd[b - 1] } : undefined);
  let cursor = 0;
  let pending: number[] = [];
  const settlePending = (upTo: number) => {
    const span = flatSpan(cursor, upTo);
    for (const t of pending) spans[t] = span;
    pending = [];
  };
  const place = (group: Group, at: number) => {
    settlePending(at);
    group.tokens.forEach((t, k) => {
      const [from, to] = group.ranges[k];
      spans[t] = flatSpan(at + from, at + to);
    });
    cursor = at + group.text.length;
  };
  /** Original offset where the next unmatched text starts. */
  const originalCursor = () => (cursor > 0 ? cmp.origEnd[cursor - 1] : 0);

  let i = 0;
  while (i < surfaces.length) {
    const s = surfaces[i];
    if (s.kind === 'special') {
      let at = originalCursor();
      while (at < text.length && /\s/u.test(text[at])) at++;
      if (s.content && text.startsWith(s.content, at)) {
        let upTo = cursor;
        while (upTo < cmp.flat.length && cmp.origStart[upTo] < at) upTo++;
        settlePending(upTo);
        spans[i] = { start: at, end: at + s.content.length };
        cursor = upTo;
        while (cursor < cmp.flat.length && cmp.origStart[cursor] < at + s.content.length) cursor++;
      }
      i++;
      continue;
    }
    if (s.kind === 'unknown') {
      pending.push(i++);
      continue;
    }
    // Gather tokens until their bytes end on a character boundary.
    const members = [i];
    const bytes = [...s.bytes];
    while (!decodeUtf8(bytes).complete && i + members.length < surfaces.length && surfaces[i + members.length].kind === 'bytes') {
      const next = surfaces[i + members.length] as { bytes: number[] };
      bytes.push(...next.bytes);
      members.push(i + members.length);
    }
    i += members.length;
    const group = groupBytes(members, surfaces, isSpace);
    if (group.text === '') continue; // whitespace-only tokens have no characters to show
    if (matchesAt(cmp.flat, group.text, cursor)) {
      place(group, cursor);
      continue;
    }
    const ahead = cmp.flat.indexOf(group.text, cursor);
    if (ahead >= 0) place(group, ahead);
    else pending.push(...members);
  }
  settlePending(cmp.flat.length);
  return spans;
}
