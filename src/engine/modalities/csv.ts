// RFC 4180 CSV/TSV parsing that keeps where every field sits in the file, so views can reveal it.
// Offsets and lengths are in UTF-16 code units (what VS Code's positionAt expects) and cover the raw field text,
// quotes included.

export interface CsvField {
  /** The unquoted value. */
  value: string;
  offset: number;
  length: number;
}

export interface CsvRow {
  /** 0-based index among data rows (header excluded, malformed rows included so indices match the file). */
  index: number;
  /** 0-based line where the row starts. */
  line: number;
  /** 0-based line where the row ends (rows span lines inside quoted fields). */
  endLine: number;
  offset: number;
  fields: CsvField[];
}

export interface CsvProblem {
  /** 0-based line. */
  line: number;
  message: string;
}

export interface CsvTable {
  header: CsvField[];
  rows: CsvRow[];
  /** Rows that do not fit the header (ragged) or are unterminated; they stay in `rows` only when ragged. */
  errors: CsvProblem[];
}

/** Guess the delimiter from the header line: tab, semicolon or comma, whichever occurs most. */
export function sniffDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', '\t', ';'].map((d) => [d, firstLine.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Splits text into records; each record is a list of fields with their spans. */
function* records(
  text: string,
  delimiter: string,
): Generator<{ line: number; endLine: number; offset: number; fields: CsvField[]; unterminated?: boolean }> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  const n = text.length;
  while (i < n) {
    const recordLine = line;
    const recordOffset = i;
    const fields: CsvField[] = [];
    let unterminated = false;
    for (;;) {
      const start = i;
      let value = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          value += c;
          i++;
        }
        if (!closed) unterminated = true;
        // Characters between the closing quote and the delimiter are kept, as most readers do.
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
      } else {
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
      }
      fields.push({ value, offset: start, length: i - start });
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    const endLine = line;
    // End of record: consume one line break.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    const blank = fields.length === 1 && fields[0].length === 0;
    if (!blank) yield { line: recordLine, endLine, offset: recordOffset, fields, unterminated };
  }
}

export function parseCsv(text: string, delimiter = sniffDelimiter(text)): CsvTable {
  let header: CsvField[] | undefined;
  const rows: CsvRow[] = [];
  const errors: CsvProblem[] = [];
  for (const rec of records(text, delimiter)) {
    if (rec.unterminated) {
      errors.push({ line: rec.line, message: 'unterminated quoted field' });
      continue;
    }
    if (!header) {
      header = rec.fields;
      continue;
    }
    if (rec.fields.length !== header.length) {
      errors.push({ line: rec.line, message: `expected ${header.length} fields, found ${rec.fields.length}` });
    }
    rows.push({ index: rows.length, line: rec.line, endLine: rec.endLine, offset: rec.offset, fields: rec.fields });
  }
  return { header: header ?? [], rows, errors };
}

/** The data row that contains a 0-based line of the file (rows may span lines inside quotes). */
export function rowAtLine(table: CsvTable, line: number): CsvRow | undefined {
  return table.rows.find((row) => row.line <= line && line <= row.endLine);
}
