// Text examples from a plain text file: every non-blank line is one example, taken verbatim.
import { linesOf } from './lines';
import type { TextExample } from './types';

export function readTxtExamples(file: string, lineStarts: number[]): { examples: TextExample[]; rows: number } {
  const examples: TextExample[] = [];
  for (const line of linesOf(file, lineStarts)) {
    const bom = line.offset === 0 && line.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    const text = line.text.slice(bom);
    if (text.trim() === '') continue;
    examples.push({ row: examples.length, line: line.line, text, offset: line.offset + bom });
  }
  return { examples, rows: examples.length };
}
