// Reads a tokenizer from a file: a Hugging Face tokenizer.json, a WordPiece vocab.txt, or a word-level JSON
// vocabulary (word → id). The kind comes from the spec or, when absent, from the file itself.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { EngineError } from '../../../errors';
import { FileCache, readTextFile } from '../fileCache';
import { Lru } from '../lru';
import { huggingFaceTokenizer } from './huggingFace';
import type { TextTokenizer, TokenizerKind } from './types';
import { parseWordVocabulary, wordLevelTokenizer, type WordLevelOptions } from './wordLevel';
import { parseVocabTxt, wordPieceTokenizer, type WordPieceOptions } from './wordPiece';

export interface TokenizerSpec extends WordLevelOptions, WordPieceOptions {
  type?: TokenizerKind;
  /** Absolute path of the tokenizer or vocabulary file. */
  path: string;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EngineError('MODEL_INVALID', `tokenizer file is not valid JSON (${(e as Error).message})`, file);
  }
}

/** tokenizer_config.json beside the tokenizer, when there is one (do_lower_case, special token names). */
function readTokenizerConfig(dir: string): Record<string, unknown> {
  const path = join(dir, 'tokenizer_config.json');
  if (!existsSync(path)) return {};
  const json = parseJson(readTextFile(path, 'tokenizer config'), path);
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
}

function kindOf(spec: TokenizerSpec, json: unknown): TokenizerKind {
  if (spec.type) return spec.type;
  if (extname(spec.path).toLowerCase() === '.txt') return 'wordpiece';
  if (json && typeof json === 'object' && 'model' in json) return 'huggingface';
  return 'word-level';
}

export function loadTokenizer(spec: TokenizerSpec): TextTokenizer {
  const text = readTextFile(spec.path, 'tokenizer file');
  const isTxt = extname(spec.path).toLowerCase() === '.txt';
  const json = isTxt ? undefined : parseJson(text, spec.path);
  const kind = kindOf(spec, json);
  const config = readTokenizerConfig(dirname(spec.path));
  switch (kind) {
    case 'huggingface':
      if (json === undefined) throw new EngineError('MODEL_INVALID', `a Hugging Face tokenizer is a tokenizer.json, not ${basename(spec.path)}`, spec.path);
      return huggingFaceTokenizer(json, spec.path, config);
    case 'wordpiece': {
      if (!isTxt) throw new EngineError('MODEL_INVALID', 'a WordPiece vocabulary is a vocab.txt with one token per line', spec.path);
      const lowercase = spec.lowercase ?? (typeof config.do_lower_case === 'boolean' ? config.do_lower_case : true);
      const stripAccents = spec.stripAccents ?? (typeof config.strip_accents === 'boolean' ? config.strip_accents : undefined);
      return wordPieceTokenizer(parseVocabTxt(text, spec.path), spec.path, { ...spec, lowercase, ...(stripAccents !== undefined ? { stripAccents } : {}) });
    }
    case 'word-level':
      if (json === undefined) throw new EngineError('MODEL_INVALID', 'a word-level vocabulary is a JSON object of word → id', spec.path);
      return wordLevelTokenizer(parseWordVocabulary(json, spec.path), spec.path, spec);
    default:
      throw new EngineError('MODEL_INVALID', `unknown tokenizer type '${kind as string}' (word-level, wordpiece or huggingface)`, spec.path);
  }
}

const cache = new Lru<string, FileCache<TextTokenizer>>(16);

/** The tokenizer for this spec, reused while its file is unchanged. */
export function cachedTokenizer(spec: TokenizerSpec): TextTokenizer {
  const key = JSON.stringify(spec);
  let entry = cache.get(key);
  if (!entry) {
    entry = new FileCache(1, () => loadTokenizer(spec));
    cache.set(key, entry);
  }
  return entry.get(spec.path);
}
