// Character classes the tokenizers agree on, and a code-point walk that keeps combining marks with their base
// character, so a normalizer (lowercase, NFD, accent stripping) can be applied piece by piece while remembering
// which original characters each normalized character came from.

const MARK = /^\p{M}$/u;
const WHITESPACE = /^\s$/u;
const LETTER_OR_NUMBER = /^[\p{L}\p{N}\p{M}]$/u;

/** A base code point with the combining marks that follow it: [start, end) in UTF-16 code units. */
export interface Cluster {
  start: number;
  end: number;
  text: string;
}

export function* clusters(text: string): Generator<Cluster> {
  let i = 0;
  while (i < text.length) {
    const start = i;
    i += codePointLength(text, i);
    while (i < text.length && MARK.test(String.fromCodePoint(text.codePointAt(i)!))) i += codePointLength(text, i);
    yield { start, end: i, text: text.slice(start, i) };
  }
}

/** 2 for a surrogate pair, else 1. */
export function codePointLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
}

export const isWhitespace = (ch: string): boolean => WHITESPACE.test(ch);

export const isWordChar = (ch: string): boolean => LETTER_OR_NUMBER.test(ch);

/** BERT's punctuation: all ASCII non-alphanumerics that are not whitespace or control, and Unicode P*. */
export function isBertPunctuation(cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(String.fromCodePoint(cp));
}

/** BERT's "Chinese character": CJK Unified Ideographs blocks, each a word of its own. */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's control characters (removed by its clean-up): Cc and Cf, except tab and line breaks. */
export function isBertControl(cp: number): boolean {
  if (cp === 9 || cp === 10 || cp === 13) return false;
  return /^[\p{Cc}\p{Cf}]$/u.test(String.fromCodePoint(cp));
}

/** Lowercase, then drop accents (NFD and remove nonspacing marks), as BERT's uncased normalizer. */
export function foldCase(text: string, lowercase: boolean, stripAccents: boolean): string {
  let out = lowercase ? text.toLowerCase() : text;
  if (stripAccents) out = out.normalize('NFD').replace(/\p{Mn}/gu, '');
  return out;
}
