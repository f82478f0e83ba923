// Text examples from a CSV/TSV column, mapped back to the file through quoting ("" inside quoted fields).
import { EngineError } from '../../../errors';
import { parseCsv, sniffDelimiter, type CsvField } from '../../csv';
import { LABEL_FIELDS, TEXT_FIELDS } from './fieldNames';
import type { DatasetProblem, TextExample } from './types';

/** File offsets of each character of a field's value (plus its end), or undefined when the field is not quoted. */
export function csvFieldOffsets(file: string, field: CsvField): Int32Array | undefined {
  if (file[field.offset] !== '"') return undefined;
  const end = field.offset + field.length;
  const offsets: number[] = [];
  let k = field.offset + 1;
  let closed = false;
  // Where the value's last character ends: at the closing quote, or after text kept behind it.
  let valueEnd = k;
  while (k < end) {
    if (!closed && file[k] === '"') {
      if (k + 1 < end && file[k + 1] === '"') {
        offsets.push(k);
        k += 2;
        valueEnd = k;
        continue;
      }
      closed = true;
      valueEnd = k;
      k++;
      continue;
    }
    offsets.push(k);
    k++;
    valueEnd = k;
  }
  offsets.push(valueEnd);
  if (offsets.length !== field.value.length + 1) {
    throw new EngineError('INTERNAL', `CSV field at offset ${field.offset} decodes to ${offsets.length - 1} characters, expected ${field.value.length}`);
  }
  return Int32Array.from(offsets);
}

function pickColumn(names: string[], wanted: string | undefined, candidates: string[], path: string): number {
  if (wanted !== undefined) {
    const exact = names.indexOf(wanted);
    const index = exact >= 0 ? exact : names.findIndex((n) => n.toLowerCase() === wanted.toLowerCase());
    if (index < 0) throw new EngineError('INPUT_INVALID', `no column '${wanted}' (columns: ${names.join(', ')})`, path);
    return index;
  }
  const lower = names.map((n) => n.toLowerCase());
  for (const c of candidates) {
    const i = lower.indexOf(c);
    if (i >= 0) return i;
  }
  return -1;
}

export function readCsvExamples(
  file: string,
  path: string,
  tab: boolean,
  field: string | undefined,
): { examples: TextExample[]; problems: DatasetProblem[]; rows: number; field: string } {
  const table = parseCsv(file, tab ? '\t' : sniffDelimiter(file));
  if (!table.header.length) throw new EngineError('INPUT_INVALID', 'the file is empty', path);
  const names = table.header.map((h) => h.value.trim());
  let column = pickColumn(names, field, TEXT_FIELDS, path);
  if (column < 0) column = names.length === 1 ? 0 : names.findIndex((n) => !LABEL_FIELDS.includes(n.toLowerCase()));
  if (column < 0) throw new EngineError('INPUT_INVALID', `cannot tell which column holds the text (columns: ${names.join(', ')})`, path);
  const labelColumn = pickColumn(names, undefined, LABEL_FIELDS, path);

  const problems: DatasetProblem[] = [];
  const examples: TextExample[] = [];
  for (const row of table.rows) {
    if (row.fields.length !== table.header.length) {
      problems.push({ row: row.index, line: row.line, message: `expected ${table.header.length} fields, found ${row.fields.length}` });
      continue;
    }
    const f = row.fields[column];
    const offsets = csvFieldOffsets(file, f);
    examples.push({
      row: row.index,
      line: row.line,
      text: f.value,
      offset: offsets ? offsets[0] : f.offset,
      ...(offsets ? { offsets } : {}),
      ...(labelColumn >= 0 && labelColumn !== column ? { label: row.fields[labelColumn].value.trim() } : {}),
    });
  }
  // Unterminated quotes swallow the rest of the file; parseCsv reports them without a row.
  for (const e of table.errors) {
    if (!problems.some((p) => p.line === e.line)) problems.push({ line: e.line, message: e.message, row: table.rows.length });
  }
  const unterminated = table.errors.filter((e) => e.message.startsWith('unterminated')).length;
  return { examples, problems, rows: table.rows.length + unterminated, field: names[column] };
}
