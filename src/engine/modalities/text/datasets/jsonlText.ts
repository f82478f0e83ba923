// Text examples from a JSON Lines file: one object per line, the text in a string field (a dotted path reaches
// nested objects). Offsets go through JSON string escapes back to the raw characters of the line.
import { LABEL_FIELDS, TEXT_FIELDS } from './fieldNames';
import { locateString } from './jsonLocate';
import { linesOf } from './lines';
import type { DatasetProblem, TextExample } from './types';

function get(obj: unknown, path: string[]): unknown {
  let v = obj;
  for (const key of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The text field when none is named: a usual name holding a string, else the object's only string field. */
function guessField(obj: Record<string, unknown>): string | undefined {
  const keys = Object.keys(obj);
  for (const name of TEXT_FIELDS) {
    const key = keys.find((k) => k.toLowerCase() === name);
    if (key !== undefined && typeof obj[key] === 'string') return key;
  }
  const strings = keys.filter((k) => typeof obj[k] === 'string' && !LABEL_FIELDS.includes(k.toLowerCase()));
  return strings.length === 1 ? strings[0] : undefined;
}

function labelOf(obj: Record<string, unknown>): string | undefined {
  const key = Object.keys(obj).find((k) => LABEL_FIELDS.includes(k.toLowerCase()));
  const v = key === undefined ? undefined : obj[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export function readJsonlExamples(
  file: string,
  lineStarts: number[],
  field: string | undefined,
): { examples: TextExample[]; problems: DatasetProblem[]; rows: number; field?: string } {
  const examples: TextExample[] = [];
  const problems: DatasetProblem[] = [];
  let path = field?.split('.');
  let row = 0;
  for (const line of linesOf(file, lineStarts)) {
    // A byte-order mark before the first line is not part of the JSON.
    const bom = line.offset === 0 && line.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    const raw = line.text.slice(bom);
    if (raw.trim() === '') continue;
    const index = row++;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      problems.push({ row: index, line: line.line, message: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      problems.push({ row: index, line: line.line, message: 'expected a JSON object' });
      continue;
    }
    const record = obj as Record<string, unknown>;
    if (!path) {
      const guessed = guessField(record);
      if (guessed === undefined) {
        problems.push({ row: index, line: line.line, message: `no text field (name it with "textField" in the model's lens.json; fields: ${Object.keys(record).join(', ')})` });
        continue;
      }
      path = [guessed];
    }
    if (typeof get(record, path) !== 'string') {
      problems.push({ row: index, line: line.line, message: `field '${path.join('.')}' is missing or not a string` });
      continue;
    }
    const located = locateString(raw, path)!;
    const base = line.offset + bom;
    const offsets = located.offsets.map((o) => o + base);
    const label = labelOf(record);
    examples.push({ row: index, line: line.line, text: located.value, offset: offsets[0], offsets, ...(label !== undefined ? { label } : {}) });
  }
  return { examples, problems, rows: row, field: path?.join('.') };
}
