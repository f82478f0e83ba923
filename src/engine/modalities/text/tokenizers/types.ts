// What every tokenizer returns: token ids with the characters of the original text each token stands for.
// Offsets are UTF-16 code units of the text given to encode() (what JS strings and VS Code positions use).

export interface Token {
  id: number;
  /** The vocabulary entry, e.g. 'movie', '##able', 'Ġworld', '[CLS]'. */
  token: string;
  /**
   * [start, end) in the original text. Absent for tokens the text does not contain: template specials
   * ([CLS], [SEP]), padding, and pieces that stand for whitespace only.
   */
  start?: number;
  end?: number;
  /** Special tokens ([CLS], [SEP], [PAD], …) are fed to the model but kept out of the display. */
  special: boolean;
  /** Segment (token type) id, for tokenizers that define them; 0 when absent. */
  typeId?: number;
}

/** Ids of the tokens the text pipeline needs besides the text's own: padding and baselines. */
export interface SpecialIds {
  pad: number;
  mask?: number;
  unk?: number;
}

export type TokenizerKind = 'word-level' | 'wordpiece' | 'huggingface';

export interface TextTokenizer {
  readonly kind: TokenizerKind;
  /** The vocabulary or tokenizer file it was read from. */
  readonly source: string;
  readonly specialIds: SpecialIds;
  /** Tokens of the text in model order, with the special tokens the model expects (e.g. [CLS] … [SEP]). */
  encode(text: string): Token[];
}
