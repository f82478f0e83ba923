// Reads a text dataset file (CSV/TSV text column, JSONL text field, TXT line per example) into examples that
// remember where their characters are in the file. Malformed records are listed with their line and skipped.
import { extname } from 'node:path';
import { EngineError } from '../../../errors';
import { FileCache, readTextFile } from '../fileCache';
import { readCsvExamples } from './csvText';
import { readJsonlExamples } from './jsonlText';
import { lineStartsOf } from './lines';
import { readTxtExamples } from './txtText';
import type { DatasetFormat, TextDataset, TextExample } from './types';

const FORMATS: Record<string, DatasetFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.txt': 'txt' };

export function datasetFormat(path: string): DatasetFormat | undefined {
  return FORMATS[extname(path).toLowerCase()];
}

export function parseTextDataset(path: string, field?: string): TextDataset {
  const format = datasetFormat(path);
  if (!format) {
    throw new EngineError('INPUT_INVALID', `not a text dataset: expected a .csv, .tsv, .jsonl or .txt file`, path);
  }
  const file = readTextFile(path);
  const lineStarts = lineStartsOf(file);
  if (format === 'csv' || format === 'tsv') {
    const r = readCsvExamples(file, path, format === 'tsv', field);
    return { path, format, field: r.field, examples: r.examples, problems: r.problems, rows: r.rows, lineStarts };
  }
  if (format === 'jsonl') {
    const r = readJsonlExamples(file, lineStarts, field);
    return { path, format, field: r.field, examples: r.examples, problems: r.problems, rows: r.rows, lineStarts };
  }
  if (field !== undefined) throw new EngineError('INPUT_INVALID', 'a .txt dataset has no fields: each line is one example', path);
  const r = readTxtExamples(file, lineStarts);
  return { path, format, examples: r.examples, problems: [], rows: r.rows, lineStarts };
}

const cache = new Map<string, FileCache<TextDataset>>();

/** The parsed dataset, reused while the file is unchanged (explaining a file row by row parses it once). */
export function readTextDataset(path: string, field?: string): TextDataset {
  const key = field ?? '';
  let perField = cache.get(key);
  if (!perField) {
    perField = new FileCache(4, (p) => parseTextDataset(p, field));
    cache.set(key, perField);
  }
  return perField.get(path);
}

/** The example at a row, or an error that names the line when that row is malformed. */
export function exampleAt(dataset: TextDataset, row: number): TextExample {
  if (!Number.isInteger(row) || row < 0 || row >= dataset.rows) {
    throw new EngineError('INPUT_INVALID', `row ${row} is out of range (the file has ${dataset.rows} examples, numbered from 0)`, dataset.path);
  }
  const example = findByRow(dataset.examples, row);
  if (example) return example;
  const problem = dataset.problems.find((p) => p.row === row);
  throw new EngineError('INPUT_INVALID', `row ${row} (line ${(problem?.line ?? 0) + 1}) is malformed: ${problem?.message ?? 'skipped'}`, dataset.path);
}

function findByRow(examples: TextExample[], row: number): TextExample | undefined {
  let lo = 0;
  let hi = examples.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (examples[mid].row === row) return examples[mid];
    if (examples[mid].row < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export type { DatasetFormat, DatasetProblem, TextDataset, TextExample } from './types';
export { fileRange } from './types';
