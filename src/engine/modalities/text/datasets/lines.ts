// Line starts of a file and line/column lookups, with VS Code's rule: \r\n, \n and a lone \r each end a line.

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) {
      starts.push(i + 2);
      i++;
    } else if (c === 10 || c === 13) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 0-based line and column (UTF-16 code units) of an offset, by binary search over the line starts. */
export function positionAt(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - lineStarts[lo] };
}

/** Each line's text (without its line break) and where it starts. */
export function* linesOf(text: string, lineStarts: number[]): Generator<{ line: number; offset: number; text: string }> {
  for (let k = 0; k < lineStarts.length; k++) {
    const start = lineStarts[k];
    let end = k + 1 < lineStarts.length ? lineStarts[k + 1] : text.length;
    if (end > start && text.charCodeAt(end - 1) === 10) end--;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (k === lineStarts.length - 1 && start === text.length) return;
    yield { line: k, offset: start, text: text.slice(start, end) };
  }
}
