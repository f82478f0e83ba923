// Examples read from a text dataset file, each with the file offsets of its characters so that token spans can be
// mapped back to the exact characters of the file (through CSV quoting and JSON escapes).

export type DatasetFormat = 'csv' | 'tsv' | 'jsonl' | 'txt';

export interface TextExample {
  /** 0-based record index (CSV: data rows after the header; JSONL/TXT: non-blank lines), malformed records included. */
  row: number;
  /** 0-based line where the record starts. */
  line: number;
  text: string;
  /**
   * File offset (UTF-16 code units) of each code unit of `text`, plus one entry for the end: characters written
   * with escapes ("" in CSV, \n or \u00e9 in JSON) take several file characters. Absent when the text is a verbatim
   * slice of the file starting at `offset`.
   */
  offsets?: Int32Array;
  /** File offset of the text's first character. */
  offset: number;
  /** The gold label, when the record has a label column or field. */
  label?: string;
}

export interface DatasetProblem {
  row?: number;
  /** 0-based line. */
  line: number;
  message: string;
}

export interface TextDataset {
  path: string;
  format: DatasetFormat;
  /** The column or field that holds the text. */
  field?: string;
  /** Well-formed examples, by row. */
  examples: TextExample[];
  /** Malformed records, skipped, with their line. */
  problems: DatasetProblem[];
  /** Number of records (well-formed and malformed): rows are numbered 0 … rows − 1. */
  rows: number;
  /** Offsets where each line starts (\r\n, \n and lone \r end a line, as in VS Code). */
  lineStarts: number[];
}

/** File range [start, end) of text[from, to) of an example. */
export function fileRange(example: TextExample, from: number, to: number): { start: number; end: number } {
  if (!example.offsets) return { start: example.offset + from, end: example.offset + to };
  return { start: example.offsets[from], end: to > from ? example.offsets[to] : example.offsets[from] };
}
