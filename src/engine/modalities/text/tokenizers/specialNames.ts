// Which vocabulary entries are padding, unknown and mask tokens, when a manifest does not say: the spellings used by
// BERT, Keras, SentencePiece and fairseq vocabularies, in order of preference.

const PAD = ['[PAD]', '<pad>', '<PAD>'];
const UNK = ['[UNK]', '<unk>', '<UNK>', '<oov>', '<OOV>', '[OOV]'];
const MASK = ['[MASK]', '<mask>', '<MASK>'];

export interface NamedSpecials {
  pad?: string;
  unk?: string;
  mask?: string;
}

/** The spelling of each special token found in `has`; explicit names (from the manifest) win. */
export function findSpecials(has: (token: string) => boolean, given: NamedSpecials = {}): NamedSpecials {
  const pick = (explicit: string | undefined, names: string[]) => explicit ?? names.find(has);
  return { pad: pick(given.pad, PAD), unk: pick(given.unk, UNK), mask: pick(given.mask, MASK) };
}
