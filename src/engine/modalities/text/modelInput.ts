// Turns a tokenizer's tokens into the model's input: cut to the model's length (keeping the [CLS]/[SEP] frame),
// padded, and laid out as the model takes it. A single-input model takes the ids, shape [L]. A model with several
// text inputs (ids, attention mask, token type ids, position ids) is seen by the engine as one packed input [R, L]
// whose rows are the roles in the order ids, mask, typeIds, positions (those the model takes, named by the manifest or
// inferred from the input names by the loader); its loader splits the rows back into the model's named inputs (see
// packedRoles and packedInputs.ts).
import { EngineError } from '../../errors';
import { INPUT_ROLES, type TextInputNames } from './textManifest';
import type { SpecialIds, Token } from './tokenizers/types';

export type InputRole = (typeof INPUT_ROLES)[number];

export interface TextLayout {
  roles: InputRole[];
  /** Sequence length L the model takes. */
  length: number;
  /** Most tokens fed before padding (the manifest's maxLength, at most L). */
  limit: number;
}

export interface ModelTokens {
  /** Exactly `length` tokens: the text's, then padding (special, without span). */
  tokens: Token[];
  ids: number[];
  mask: number[];
  typeIds: number[];
  /** 0 … length−1. */
  positions: number[];
  /** The tokenizer gave more tokens than fit. */
  truncated: boolean;
}

/** Rows of a packed multi-input text model, in order; a loader of such a model splits its input along them. */
export function packedRoles(inputs: TextInputNames | undefined): InputRole[] {
  return INPUT_ROLES.filter((r) => r === 'ids' || inputs?.[r] !== undefined);
}

export function textLayout(inputShape: number[], inputs: TextInputNames | undefined, maxLength: number | undefined, file: string): TextLayout {
  const limit = (length: number) => Math.min(length, maxLength ?? Infinity);
  if (inputShape.length === 1) return { roles: ['ids'], length: inputShape[0], limit: limit(inputShape[0]) };
  if (inputShape.length === 2) {
    const roles = packedRoles(inputs);
    if (roles.length !== inputShape[0]) {
      throw new EngineError(
        'MODEL_INVALID',
        `the model's input [${inputShape}] packs ${inputShape[0]} text inputs but the manifest's "inputs" names ${roles.length} (${roles.join(', ')})`,
        file,
      );
    }
    return { roles, length: inputShape[1], limit: limit(inputShape[1]) };
  }
  throw new EngineError('UNSUPPORTED', `a text model takes token ids of shape [length]; this one takes [${inputShape}]`, file);
}

/** A tokenizer's [CLS]-like prefix and [SEP]-like suffix: special tokens at the ends that the text does not contain. */
function frame(tokens: Token[]): { lead: number; trail: number } {
  const framing = (t: Token) => t.special && t.start === undefined;
  let lead = 0;
  while (lead < tokens.length && framing(tokens[lead])) lead++;
  let trail = 0;
  while (trail < tokens.length - lead && framing(tokens[tokens.length - 1 - trail])) trail++;
  return { lead, trail };
}

/** Cuts the tokens to `limit` (keeping the frame), pads them to `length`, with the attention mask and type ids. */
export function fitTokens(tokens: Token[], length: number, special: SpecialIds, limit = length, padToken = '[PAD]'): ModelTokens {
  let kept = tokens;
  const truncated = tokens.length > limit;
  if (truncated) {
    const { lead, trail } = frame(tokens);
    kept = lead + trail < limit ? [...tokens.slice(0, limit - trail), ...tokens.slice(tokens.length - trail)] : tokens.slice(0, limit);
  }
  const padding: Token[] = Array.from({ length: length - kept.length }, () => ({ id: special.pad, token: padToken, special: true }));
  const all = [...kept, ...padding];
  return {
    tokens: all,
    ids: all.map((t) => t.id),
    mask: all.map((_, i) => (i < kept.length ? 1 : 0)),
    typeIds: all.map((t) => t.typeId ?? 0),
    positions: all.map((_, i) => i),
    truncated,
  };
}

/** The packed input values (row-major [R, L], or [L] for one role). */
export function packValues(layout: TextLayout, fitted: ModelTokens, ids: number[] = fitted.ids): number[] {
  const rows: Record<InputRole, number[]> = { ids, mask: fitted.mask, typeIds: fitted.typeIds, positions: fitted.positions };
  return layout.roles.flatMap((r) => rows[r]);
}

/** Tokens that stand for characters of the text (everything but the frame and padding). */
export function isContent(t: Token): boolean {
  return !t.special || t.start !== undefined;
}
