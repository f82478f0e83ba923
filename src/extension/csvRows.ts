// What the input pickers show for CSV files: the data row under the cursor and a short summary of each row.
// Row numbers are the engine's (0-based data rows, header excluded); lines are shown 1-based like the editor.
// Parsing uses the engine's own parser with the same delimiter sniffing, so row indices always agree. vscode-free.
import { parseCsv, rowAtLine, type CsvField, type CsvRow, type CsvTable } from '../engine/modalities/csv';

export function isCsvPath(path: string): boolean {
  return /\.(csv|tsv)$/i.test(path);
}

export interface RowChoice {
  row: number;
  /** 0-based first line of the row. */
  line: number;
  summary: string;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** "age=41 · income=52000 · …": the first fields of a row, named by the header. */
export function rowSummary(header: CsvField[], row: CsvRow, maxFields = 4, maxValueLength = 24): string {
  const parts = row.fields.slice(0, maxFields).map((f, i) => {
    const name = header[i]?.value.trim();
    const value = clip(f.value.replace(/\s+/g, ' ').trim(), maxValueLength);
    return name ? `${clip(name, maxValueLength)}=${value}` : value;
  });
  if (row.fields.length > maxFields) parts.push('…');
  return parts.join(' · ');
}

/** The data row containing a 0-based editor line, or undefined on the header or outside any row. */
export function rowChoiceAtLine(table: CsvTable, line: number): RowChoice | undefined {
  const row = rowAtLine(table, line);
  return row ? { row: row.index, line: row.line, summary: rowSummary(table.header, row) } : undefined;
}

export function currentRowChoice(text: string, line: number): RowChoice | undefined {
  return rowChoiceAtLine(parseCsv(text), line);
}

/** The rows for the row picker: at most `limit`, each with its summary. */
export function rowChoices(text: string, limit: number): { choices: RowChoice[]; total: number } {
  const table = parseCsv(text);
  const choices = table.rows.slice(0, limit).map((row) => ({ row: row.index, line: row.line, summary: rowSummary(table.header, row) }));
  return { choices, total: table.rows.length };
}
