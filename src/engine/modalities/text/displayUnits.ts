// What a view shows for a text: tokens that stand for characters of the text (special tokens and padding keep their
// positions in the model input but are not shown), optionally merged into words. Tokens that share the same
// characters (an unknown token's gap, the byte pieces of one emoji) are shown once, their scores summed.
import { isCjk, isWordChar } from './unicode';
import type { Token } from './tokenizers/types';

export interface DisplayUnit {
  /** Positions in the model's token sequence. */
  positions: number[];
  /** [start, end) in the text. */
  start: number;
  end: number;
}

/** A word continues across two adjacent tokens when both sides of the junction are letters/digits (not CJK). */
function continuesWord(text: string, prevEnd: number, nextStart: number): boolean {
  if (prevEnd !== nextStart || prevEnd === 0) return false;
  const before = String.fromCodePoint(text.codePointAt(prevEnd - 1 - (/[\udc00-\udfff]/.test(text[prevEnd - 1]) ? 1 : 0))!);
  const after = String.fromCodePoint(text.codePointAt(nextStart)!);
  return isWordChar(before) && isWordChar(after) && !isCjk(before.codePointAt(0)!) && !isCjk(after.codePointAt(0)!);
}

export function displayUnits(tokens: Token[], text: string, granularity: 'token' | 'word'): DisplayUnit[] {
  const units: DisplayUnit[] = [];
  tokens.forEach((t, position) => {
    if (t.start === undefined || t.end === undefined) return;
    const last = units[units.length - 1];
    if (last && last.start === t.start && last.end === t.end) {
      last.positions.push(position);
      return;
    }
    if (last && granularity === 'word' && t.start >= last.end && continuesWord(text, last.end, t.start)) {
      last.positions.push(position);
      last.end = t.end;
      return;
    }
    units.push({ positions: [position], start: t.start, end: t.end });
  });
  return units;
}

/**
 * Group id per token position for ablation-style methods: one group per display unit. Every other position
 * (frame, padding) equals its baseline, so ablating it changes nothing: they share one last group.
 */
export function unitGroups(units: DisplayUnit[], length: number): number[] {
  const groups = new Array<number>(length).fill(units.length);
  units.forEach((u, k) => u.positions.forEach((p) => (groups[p] = k)));
  return groups;
}
