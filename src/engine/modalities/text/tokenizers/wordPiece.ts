// BERT's tokenizer for a vocab.txt, written out so that every token keeps the original characters it came from:
// clean-up (control characters dropped), CJK ideographs as words of their own, whitespace and punctuation splits,
// optional lowercasing and accent stripping, then greedy longest-match-first WordPiece with '##' continuations.
// Special tokens written literally in the text ("[MASK]") are recognized, as Hugging Face tokenizers do.
import { EngineError } from '../../../errors';
import { clusters, foldCase, isBertControl, isBertPunctuation, isCjk } from '../unicode';
import { findSpecials, type NamedSpecials } from './specialNames';
import type { SpecialIds, TextTokenizer, Token } from './types';

export interface WordPieceOptions extends NamedSpecials {
  /** Uncased models (default true). */
  lowercase?: boolean;
  /** Defaults to `lowercase`, as BERT's normalizer. */
  stripAccents?: boolean;
  /** Continuation prefix (default '##'). */
  prefix?: string;
  /** Longer words become the unknown token (default 100). */
  maxCharsPerWord?: number;
  cls?: string;
  sep?: string;
}

/** One line per token; the id is the line number (a token listed twice keeps its last id, as Hugging Face's loader). */
export function parseVocabTxt(text: string, file: string): Map<string, number> {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (!lines.length) throw new EngineError('MODEL_INVALID', 'vocabulary is empty', file);
  return new Map(lines.map((token, id) => [token, id]));
}

/** A normalized character and the original characters it came from. */
interface Piece {
  text: string;
  start: number;
  end: number;
}

const isBertWhitespace = (cp: number) => cp === 32 || cp === 9 || cp === 10 || cp === 13 || /^\p{Zs}$/u.test(String.fromCodePoint(cp));

/** BERT's basic tokenizer over text[from, to): words as lists of normalized code points with their origins. */
function basicWords(text: string, from: number, to: number, lowercase: boolean, stripAccents: boolean): Piece[][] {
  const words: Piece[][] = [];
  let word: Piece[] = [];
  const flush = () => {
    if (word.length) words.push(word);
    word = [];
  };
  for (const c of clusters(text.slice(from, to))) {
    const start = from + c.start;
    const end = from + c.end;
    const cp = c.text.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isBertControl(cp)) continue;
    if (isBertWhitespace(cp)) {
      flush();
      continue;
    }
    if (isCjk(cp)) {
      flush();
      words.push([{ text: c.text, start, end }]);
      continue;
    }
    for (const ch of foldCase(c.text, lowercase, stripAccents)) {
      const p = ch.codePointAt(0)!;
      if (isBertPunctuation(p)) {
        flush();
        words.push([{ text: ch, start, end }]);
      } else if (!isBertControl(p)) {
        word.push({ text: ch, start, end });
      }
    }
  }
  flush();
  return words;
}

export function wordPieceTokenizer(vocab: Map<string, number>, file: string, options: WordPieceOptions = {}): TextTokenizer {
  const lowercase = options.lowercase ?? true;
  const stripAccents = options.stripAccents ?? lowercase;
  const prefix = options.prefix ?? '##';
  const maxChars = options.maxCharsPerWord ?? 100;
  const named = findSpecials((t) => vocab.has(t), options);
  const cls = options.cls ?? (vocab.has('[CLS]') ? '[CLS]' : undefined);
  const sep = options.sep ?? (vocab.has('[SEP]') ? '[SEP]' : undefined);
  const unk = named.unk;
  if (unk === undefined || !vocab.has(unk)) throw new EngineError('MODEL_INVALID', 'WordPiece vocabulary has no unknown token ([UNK])', file);
  if (named.pad !== undefined && !vocab.has(named.pad)) throw new EngineError('MODEL_INVALID', `pad token '${named.pad}' is not in the vocabulary`, file);
  const specialIds: SpecialIds = {
    pad: named.pad !== undefined ? vocab.get(named.pad)! : 0,
    unk: vocab.get(unk),
    ...(named.mask !== undefined && vocab.has(named.mask) ? { mask: vocab.get(named.mask) } : {}),
  };
  const literalSpecials = [named.pad, unk, named.mask, cls, sep].filter((t): t is string => t !== undefined && vocab.has(t));
  const special = (token: string, start?: number, end?: number): Token => ({
    id: vocab.get(token)!,
    token,
    special: true,
    ...(start !== undefined ? { start, end } : {}),
  });

  function wordPiece(word: Piece[], out: Token[]): void {
    const wordStart = word[0].start;
    const wordEnd = word[word.length - 1].end;
    if (word.length > maxChars) {
      out.push({ id: specialIds.unk!, token: unk!, start: wordStart, end: wordEnd, special: false });
      return;
    }
    const pieces: Token[] = [];
    let begin = 0;
    while (begin < word.length) {
      let end = word.length;
      let found: Token | undefined;
      while (begin < end) {
        const sub = (begin > 0 ? prefix : '') + word.slice(begin, end).map((p) => p.text).join('');
        const id = vocab.get(sub);
        if (id !== undefined) {
          found = { id, token: sub, start: word[begin].start, end: word[end - 1].end, special: false };
          break;
        }
        end--;
      }
      if (!found) {
        out.push({ id: specialIds.unk!, token: unk!, start: wordStart, end: wordEnd, special: false });
        return;
      }
      pieces.push(found);
      begin = end;
    }
    out.push(...pieces);
  }

  return {
    kind: 'wordpiece',
    source: file,
    specialIds,
    encode(text: string): Token[] {
      const tokens: Token[] = [];
      if (cls) tokens.push(special(cls));
      let from = 0;
      const emitUntil = (to: number) => {
        for (const word of basicWords(text, from, to, lowercase, stripAccents)) wordPiece(word, tokens);
      };
      for (let i = 0; i < text.length; i++) {
        if (text[i] !== '[' && text[i] !== '<') continue;
        const literal = literalSpecials.find((t) => text.startsWith(t, i));
        if (!literal) continue;
        emitUntil(i);
        tokens.push(special(literal, i, i + literal.length));
        from = i + literal.length;
        i = from - 1;
      }
      emitUntil(text.length);
      if (sep) tokens.push(special(sep));
      return tokens;
    },
  };
}
