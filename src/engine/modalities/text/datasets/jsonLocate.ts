// Finds where a string value sits inside a JSON text and decodes it while recording, for every UTF-16 code unit of
// the decoded string, the offset of the raw characters it was written with (escapes such as \n, \" and \u00e9
// take several raw characters; a surrogate pair written as two \uXXXX escapes gives two code units, one each).
// The text is assumed to be valid JSON (JSON.parse has accepted it).

export interface LocatedString {
  value: string;
  /** Raw offset of each code unit of `value`, plus the offset of the closing quote. */
  offsets: Int32Array;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function skipWhitespace(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

/** Decodes the string whose opening quote is at `i`; returns it with its offsets and the index after the closing quote. */
export function decodeString(s: string, i: number): { located: LocatedString; next: number } {
  let value = '';
  const offsets: number[] = [];
  let k = i + 1;
  while (k < s.length && s[k] !== '"') {
    if (s[k] !== '\\') {
      value += s[k];
      offsets.push(k);
      k++;
      continue;
    }
    const e = s[k + 1];
    if (e === 'u') {
      value += String.fromCharCode(parseInt(s.slice(k + 2, k + 6), 16));
      offsets.push(k);
      k += 6;
    } else {
      value += SIMPLE_ESCAPES[e] ?? e;
      offsets.push(k);
      k += 2;
    }
  }
  offsets.push(k);
  return { located: { value, offsets: Int32Array.from(offsets) }, next: k + 1 };
}

/** Index after the JSON value starting at `i` (after whitespace). */
function skipValue(s: string, i: number): number {
  i = skipWhitespace(s, i);
  const c = s[i];
  if (c === '"') return decodeString(s, i).next;
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    i = skipWhitespace(s, i + 1);
    if (s[i] === close) return i + 1;
    for (;;) {
      if (c === '{') {
        i = decodeString(s, skipWhitespace(s, i)).next;
        i = skipWhitespace(s, i) + 1; // ':'
      }
      i = skipWhitespace(s, skipValue(s, i));
      if (s[i] === ',') {
        i = skipWhitespace(s, i + 1);
        continue;
      }
      return i + 1; // closing bracket
    }
  }
  while (i < s.length && !/[\s,\]}]/.test(s[i])) i++; // number, true, false, null
  return i;
}

/**
 * The string at `path` (keys of nested objects) in the JSON object text `s`, or undefined when the path does not
 * lead to a string. With duplicate keys the last one counts, as in JSON.parse.
 */
export function locateString(s: string, path: string[]): LocatedString | undefined {
  let found: LocatedString | undefined;
  let i = skipWhitespace(s, 0);
  if (s[i] !== '{') return undefined;
  i = skipWhitespace(s, i + 1);
  if (s[i] === '}') return undefined;
  for (;;) {
    const key = decodeString(s, i);
    i = skipWhitespace(s, key.next) + 1; // ':'
    const start = skipWhitespace(s, i);
    const end = skipValue(s, start);
    if (key.located.value === path[0]) {
      if (path.length === 1) found = s[start] === '"' ? decodeString(s, start).located : undefined;
      else {
        const inner = s[start] === '{' ? locateString(s.slice(start, end), path.slice(1)) : undefined;
        found = inner ? { value: inner.value, offsets: inner.offsets.map((o) => o + start) } : undefined;
      }
    }
    i = skipWhitespace(s, end);
    if (s[i] !== ',') return found;
    i = skipWhitespace(s, i + 1);
  }
}
