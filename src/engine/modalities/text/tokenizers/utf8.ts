// UTF-8 decoding that remembers which bytes each character came from, so byte-level tokens (GPT-2's ByteLevel,
// SentencePiece's <0xNN> byte fallback) can be mapped to the characters they are part of.

export interface DecodedChar {
  /** One code point as a JS string (1 or 2 UTF-16 code units); U+FFFD for an invalid byte. */
  text: string;
  byteStart: number;
  byteEnd: number;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0; // continuation byte or invalid lead
}

/**
 * Decodes bytes into characters. `complete` is false when the bytes end inside a multi-byte sequence that later
 * bytes may finish (those trailing bytes are then left out of `chars`).
 */
export function decodeUtf8(bytes: ArrayLike<number>): { chars: DecodedChar[]; complete: boolean } {
  const chars: DecodedChar[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]);
    if (n === 0) {
      chars.push({ text: '\ufffd', byteStart: i, byteEnd: i + 1 });
      i++;
      continue;
    }
    if (i + n > bytes.length) {
      let valid = true;
      for (let k = i + 1; k < bytes.length; k++) valid &&= (bytes[k] & 0xc0) === 0x80;
      if (valid) return { chars, complete: false };
    }
    let cp = n === 1 ? bytes[i] : bytes[i] & (0xff >> (n + 1));
    let ok = true;
    for (let k = 1; k < n; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) {
      chars.push({ text: '\ufffd', byteStart: i, byteEnd: i + 1 });
      i++;
      continue;
    }
    chars.push({ text: String.fromCodePoint(cp), byteStart: i, byteEnd: i + n });
    i += n;
  }
  return { chars, complete: true };
}

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number[] {
  return Array.from(encoder.encode(text));
}

/** GPT-2's printable stand-ins for bytes (bytes_to_unicode), inverted: stand-in code point → byte. */
let byteLevelTable: Map<number, number> | undefined;
export function byteLevelDecoder(): Map<number, number> {
  if (byteLevelTable) return byteLevelTable;
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Map<number, number>();
  for (const b of printable) table.set(b, b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) table.set(256 + n++, b);
  }
  byteLevelTable = table;
  return table;
}
