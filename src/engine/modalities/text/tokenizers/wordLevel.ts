// A plain word-level vocabulary (JSON word → id, as Keras' Tokenizer.word_index or a hand-made list) for TF.js text
// models: the text is split into words and punctuation marks by a pattern, each looked up (lowercased by default);
// words not in the vocabulary become the unknown token. Spans are the matched characters themselves.
import { EngineError } from '../../../errors';
import { findSpecials, type NamedSpecials } from './specialNames';
import type { SpecialIds, TextTokenizer, Token } from './types';

/** Words (letters, digits, marks, with inner apostrophes as in "don't") or single other non-space characters. */
export const DEFAULT_WORD_PATTERN = "[\\p{L}\\p{N}\\p{M}_]+(?:['’][\\p{L}\\p{N}\\p{M}_]+)*|[^\\s\\p{L}\\p{N}\\p{M}_]";

export interface WordLevelOptions extends NamedSpecials {
  /** Look words up lowercased (default true). */
  lowercase?: boolean;
  /** Regular expression (JavaScript, unicode mode) matching one token. */
  pattern?: string;
}

export function parseWordVocabulary(json: unknown, file: string): Map<string, number> {
  const table = json && typeof json === 'object' && !Array.isArray(json) && 'vocab' in json ? (json as { vocab: unknown }).vocab : json;
  if (Array.isArray(table)) {
    if (!table.every((w) => typeof w === 'string')) throw new EngineError('MODEL_INVALID', 'vocabulary list must hold strings', file);
    return new Map(table.map((w, i) => [w as string, i]));
  }
  if (!table || typeof table !== 'object') {
    throw new EngineError('MODEL_INVALID', 'vocabulary must be a JSON object of word → id (or a list of words)', file);
  }
  const vocab = new Map<string, number>();
  for (const [word, id] of Object.entries(table as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new EngineError('MODEL_INVALID', `vocabulary id of '${word}' must be a non-negative integer`, file);
    }
    vocab.set(word, id);
  }
  if (!vocab.size) throw new EngineError('MODEL_INVALID', 'vocabulary is empty', file);
  return vocab;
}

export function wordLevelTokenizer(vocab: Map<string, number>, file: string, options: WordLevelOptions = {}): TextTokenizer {
  const lowercase = options.lowercase ?? true;
  let pattern: RegExp;
  try {
    pattern = new RegExp(options.pattern ?? DEFAULT_WORD_PATTERN, 'gu');
  } catch (e) {
    throw new EngineError('MODEL_INVALID', `tokenizer pattern is not a valid regular expression (${(e as Error).message})`, file);
  }
  const named = findSpecials((t) => vocab.has(t), options);
  for (const [role, name] of Object.entries(options) as [string, unknown][]) {
    if (['pad', 'unk', 'mask'].includes(role) && typeof name === 'string' && !vocab.has(name)) {
      throw new EngineError('MODEL_INVALID', `${role} token '${name}' is not in the vocabulary`, file);
    }
  }
  // Keras reserves id 0 for padding and never assigns it to a word.
  const padId = named.pad !== undefined ? vocab.get(named.pad)! : 0;
  const specialIds: SpecialIds = {
    pad: padId,
    ...(named.unk !== undefined ? { unk: vocab.get(named.unk) } : {}),
    ...(named.mask !== undefined ? { mask: vocab.get(named.mask) } : {}),
  };
  const unkName = named.unk;
  return {
    kind: 'word-level',
    source: file,
    specialIds,
    encode(text: string): Token[] {
      const tokens: Token[] = [];
      for (const m of text.matchAll(pattern)) {
        if (m[0].length === 0) continue;
        const word = lowercase ? m[0].toLowerCase() : m[0];
        const id = vocab.get(word) ?? vocab.get(m[0]) ?? specialIds.unk;
        const start = m.index!;
        if (id === undefined) {
          throw new EngineError('INPUT_INVALID', `'${m[0]}' is not in the vocabulary and the vocabulary has no unknown token (e.g. "<unk>")`, file);
        }
        tokens.push({ id, token: id === specialIds.unk && !vocab.has(word) ? unkName! : word, start, end: start + m[0].length, special: false });
      }
      return tokens;
    },
  };
}
