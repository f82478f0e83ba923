// A Hugging Face tokenizer.json (WordPiece, BPE, Unigram, WordLevel) through @huggingface/tokenizers, which gives
// ids and token strings but no offsets; the characters behind each token are found by alignTokens.
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../../../errors';
import { alignTokens, type Surface } from './alignTokens';
import { findSpecials } from './specialNames';
import type { SpecialIds, TextTokenizer, Token } from './types';
import { byteLevelDecoder, utf8Bytes } from './utf8';

type Json = Record<string, unknown>;

/** True when this component (or one inside a Sequence) has the given type. */
function hasType(component: unknown, type: string): boolean {
  if (!component || typeof component !== 'object') return false;
  const c = component as Json;
  if (c.type === type) return true;
  const inner = (c.pretokenizers ?? c.decoders ?? c.normalizers ?? c.processors) as unknown;
  return Array.isArray(inner) && inner.some((x) => hasType(x, type));
}

interface AddedTokenLike {
  content: string;
  special: boolean;
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
const METASPACE = '\u2581';

/** How a token string reads in the text, for this tokenizer's model and decoder. */
function surfaceReader(json: Json, unkId: number | undefined, added: Map<number, AddedTokenLike>) {
  const model = (json.model ?? {}) as Json;
  const byteLevel = hasType(json.pre_tokenizer, 'ByteLevel') || hasType(json.decoder, 'ByteLevel');
  const prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : model.type === 'WordPiece' ? '##' : '';
  const suffix = typeof model.end_of_word_suffix === 'string' ? model.end_of_word_suffix : '';
  const table = byteLevel ? byteLevelDecoder() : undefined;
  return (id: number, token: string): Surface => {
    // The unknown token is usually an added special token too, but it stands for characters of the text.
    if (id === unkId) return { kind: 'unknown' };
    const a = added.get(id);
    if (a?.special) return { kind: 'special', content: a.content };
    if (a) return { kind: 'bytes', bytes: utf8Bytes(a.content) };
    const byte = BYTE_FALLBACK.exec(token);
    if (byte) return { kind: 'bytes', bytes: [parseInt(byte[1], 16)] };
    if (table) {
      const bytes: number[] = [];
      for (const ch of token) {
        const b = table.get(ch.codePointAt(0)!);
        if (b === undefined) bytes.push(...utf8Bytes(ch));
        else bytes.push(b);
      }
      return { kind: 'bytes', bytes };
    }
    let s = token;
    if (prefix && s.startsWith(prefix) && s.length > prefix.length) s = s.slice(prefix.length);
    if (suffix && s.endsWith(suffix)) s = s.slice(0, -suffix.length);
    return { kind: 'bytes', bytes: utf8Bytes(s) };
  };
}

export function huggingFaceTokenizer(json: unknown, file: string, config: Json = {}): TextTokenizer {
  if (!json || typeof json !== 'object' || !('model' in json)) {
    throw new EngineError('MODEL_INVALID', 'not a Hugging Face tokenizer.json (no "model" section)', file);
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (e) {
    throw new EngineError('MODEL_INVALID', `cannot read the tokenizer: ${(e as Error).message}`, file);
  }
  const j = json as Json;
  const model = j.model as Json;
  const added = new Map<number, AddedTokenLike>();
  for (const [id, t] of tokenizer.get_added_tokens_decoder()) added.set(id, { content: t.content, special: t.special });
  const unkName = typeof model.unk_token === 'string' ? model.unk_token : undefined;
  const unkId = unkName !== undefined ? tokenizer.token_to_id(unkName) : undefined;
  const vocab = tokenizer.get_vocab(true);
  const padding = (j.padding ?? {}) as Json;
  const named = findSpecials((t) => vocab.has(t), {
    ...(typeof padding.pad_token === 'string' ? { pad: padding.pad_token } : {}),
    ...(unkName ? { unk: unkName } : {}),
  });
  const specialIds: SpecialIds = {
    pad: named.pad !== undefined ? vocab.get(named.pad) ?? 0 : 0,
    ...(named.unk !== undefined && vocab.has(named.unk) ? { unk: vocab.get(named.unk) } : {}),
    ...(named.mask !== undefined && vocab.has(named.mask) ? { mask: vocab.get(named.mask) } : {}),
  };
  const surface = surfaceReader(j, unkId, added);
  const metaspace = JSON.stringify([j.normalizer, j.pre_tokenizer, j.decoder]).includes(METASPACE);
  const normalize = (s: string) => (tokenizer.normalizer ? tokenizer.normalizer.normalize(s) : s);

  return {
    kind: 'huggingface',
    source: file,
    specialIds,
    encode(text: string): Token[] {
      let encoding: { ids: number[]; tokens: string[]; token_type_ids?: number[] };
      try {
        encoding = tokenizer.encode(text, { return_token_type_ids: true });
      } catch (e) {
        throw new EngineError('INPUT_INVALID', `the tokenizer failed on the text: ${(e as Error).message}`, file);
      }
      const surfaces = encoding.ids.map((id, k) => surface(id, encoding.tokens[k]));
      const spans = alignTokens(text, surfaces, { normalize, isSpace: metaspace ? (ch) => ch === METASPACE : undefined });
      return encoding.ids.map((id, k) => ({
        id,
        token: encoding.tokens[k],
        special: id !== unkId && (added.get(id)?.special ?? false),
        ...(spans[k] ? { start: spans[k]!.start, end: spans[k]!.end } : {}),
        ...(encoding.token_type_ids ? { typeId: encoding.token_type_ids[k] } : {}),
      }));
    },
  };
}
