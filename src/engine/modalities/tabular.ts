// Turns a tabular or raw-tensor input (a CSV row, a JSON tensor) into numbers the model takes,
// with a name and a source span per feature so views can link back to the file.
import { readFileSync, statSync } from 'node:fs';
import type { InputSpec, SourceSpan, TensorData } from '../../shared/types';
import { EngineError } from '../errors';
import { parseCsv, type CsvRow, type CsvTable } from './csv';
import { lineColumnAt } from './textPosition';

/** Larger input files are refused rather than read whole into memory. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;
/** Rows kept as reference inputs (gradient-shap baselines). */
const MAX_REFERENCE_ROWS = 200;
/** Columns that name the label rather than a feature, when the model does not name its features. */
const LABEL_COLUMNS = new Set(['label', 'labels', 'target', 'class', 'y', 'outcome']);

export interface PreparedData {
  /** Flat values in the model's input layout. */
  values: number[];
  shape: number[];
  featureNames?: string[];
  /** Raw text of each feature (CSV). */
  rawValues?: string[];
  spans?: SourceSpan[];
  /** Per-feature mean over the file's rows (CSV). */
  mean?: number[];
  /** Other rows of the same file, flat, usable as reference inputs. */
  referenceRows?: number[][];
  source: string;
  row?: number;
}

export interface InputExpectations {
  inputShape: number[];
  featureNames?: string[];
}

function readTextFile(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new EngineError('INPUT_INVALID', 'input file not found', path);
  }
  if (size > MAX_INPUT_BYTES) {
    throw new EngineError('INPUT_INVALID', `input file is too large (${(size / 2 ** 20).toFixed(0)} MB; limit 256 MB)`, path);
  }
  return readFileSync(path, 'utf8');
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Flattens a nested JSON array, checking that it is rectangular and numeric; returns values and shape. */
export function flattenNested(data: unknown, where: string): TensorData {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number, path: string) => {
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node)) {
        throw new EngineError('INPUT_INVALID', `${where}: element ${path || '[]'} is not a finite number`);
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new EngineError('INPUT_INVALID', `${where}: ragged array at ${path || 'top level'} (expected ${shape[depth]} elements)`);
    }
    node.forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { shape, values };
}

function checkShape(data: TensorData, expect: number[], where: string): TensorData {
  const same = data.shape.length === expect.length && data.shape.every((d, i) => d === expect[i]);
  if (same) return data;
  // A flat list of the right length is accepted for any layout.
  if (data.shape.length === 1 && data.values.length === product(expect)) return { shape: expect, values: data.values };
  throw new EngineError(
    'INPUT_INVALID',
    `${where}: input has shape [${data.shape.join(', ')}] but the model expects [${expect.join(', ')}] (without the batch dimension)`,
  );
}

function tensorInput(data: TensorData | number[] | unknown[], expect: InputExpectations): PreparedData {
  const td = Array.isArray(data) ? flattenNested(data, 'input') : data;
  if (!Array.isArray(data) && td.values.length !== product(td.shape)) {
    throw new EngineError('INPUT_INVALID', `input: ${td.values.length} values do not fill shape [${td.shape.join(', ')}]`);
  }
  const checked = checkShape(td, expect.inputShape, 'input');
  return { ...checked, featureNames: expect.featureNames, source: 'input' };
}

function jsonInput(path: string, expect: InputExpectations): PreparedData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextFile(path));
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError('INPUT_INVALID', `not valid JSON (${(e as Error).message})`, path);
  }
  // Accept {"input": [...]} as well as a bare array.
  const data = Array.isArray(parsed) ? parsed : (parsed as { input?: unknown })?.input;
  if (!Array.isArray(data)) throw new EngineError('INPUT_INVALID', 'expected a nested array of numbers (or {"input": [...]})', path);
  const checked = checkShape(flattenNested(data, path), expect.inputShape, path);
  return { ...checked, featureNames: expect.featureNames, source: path };
}

/** Chooses which CSV columns feed the model: named features, else all but a label column, else all. */
export function featureColumns(table: CsvTable, expect: InputExpectations, path: string): number[] {
  const names = table.header.map((h) => h.value.trim());
  const size = product(expect.inputShape);
  if (expect.featureNames?.length) {
    const missing = expect.featureNames.filter((f) => !names.includes(f));
    if (missing.length) {
      throw new EngineError('INPUT_INVALID', `missing feature column(s) the model needs: ${missing.join(', ')}`, path);
    }
    return expect.featureNames.map((f) => names.indexOf(f));
  }
  const all = names.map((_, i) => i);
  if (all.length === size) return all;
  const withoutLabel = all.filter((i) => !LABEL_COLUMNS.has(names[i].toLowerCase()));
  if (withoutLabel.length === size) return withoutLabel;
  throw new EngineError(
    'INPUT_INVALID',
    `${names.length} columns but the model expects ${size} features; list the feature columns as "featureNames" in the model's .lens.json`,
    path,
  );
}

function parseNumber(field: CsvField, path: string, line: number, column: string): number {
  const v = Number(field.value.trim());
  if (field.value.trim() === '' || !Number.isFinite(v)) {
    throw new EngineError('INPUT_INVALID', `line ${line + 1}, column '${column}': '${field.value}' is not a number`, path);
  }
  return v;
}
type CsvField = CsvRow['fields'][number];

function csvInput(path: string, rowIndex: number, expect: InputExpectations): PreparedData {
  const text = readTextFile(path);
  const table = parseCsv(text);
  if (!table.header.length) throw new EngineError('INPUT_INVALID', 'the CSV file is empty', path);
  if (expect.inputShape.length !== 1) {
    throw new EngineError('INPUT_INVALID', `a CSV row gives a flat vector, but the model expects shape [${expect.inputShape.join(', ')}]`, path);
  }
  const columns = featureColumns(table, expect, path);
  const names = columns.map((c) => table.header[c].value.trim());
  if (!Number.isInteger(rowIndex) || rowIndex < 0 || rowIndex >= table.rows.length) {
    throw new EngineError('INPUT_INVALID', `row ${rowIndex} is out of range (the file has ${table.rows.length} data rows, numbered from 0)`, path);
  }
  const row = table.rows[rowIndex];
  if (row.fields.length !== table.header.length) {
    throw new EngineError('INPUT_INVALID', `line ${row.line + 1}: expected ${table.header.length} fields, found ${row.fields.length}`, path);
  }
  const values = columns.map((c, k) => parseNumber(row.fields[c], path, row.line, names[k]));
  const spans = columns.map((c) => {
    const f = row.fields[c];
    return { file: path, offset: f.offset, length: f.length, ...lineColumnAt(text, f.offset) };
  });

  // Statistics over the other well-formed rows: the mean baseline and a reference set.
  const sums = new Array<number>(columns.length).fill(0);
  let count = 0;
  const referenceRows: number[][] = [];
  for (const r of table.rows) {
    if (r.fields.length !== table.header.length) continue;
    const vals = columns.map((c) => Number(r.fields[c].value.trim()));
    if (vals.some((v, k) => !Number.isFinite(v) || r.fields[columns[k]].value.trim() === '')) continue;
    vals.forEach((v, k) => (sums[k] += v));
    count++;
    if (referenceRows.length < MAX_REFERENCE_ROWS && r.index !== rowIndex) referenceRows.push(vals);
  }
  return {
    values,
    shape: [values.length],
    featureNames: names,
    rawValues: columns.map((c) => row.fields[c].value),
    spans,
    mean: sums.map((s) => s / Math.max(count, 1)),
    referenceRows,
    source: path,
    row: rowIndex,
  };
}

export function prepareData(spec: InputSpec, expect: InputExpectations): PreparedData {
  switch (spec.kind) {
    case 'tensor':
      return tensorInput(spec.data, expect);
    case 'json-file':
      return jsonInput(spec.path, expect);
    case 'csv-file':
      return csvInput(spec.path, spec.row, expect);
    default:
      throw new EngineError('INPUT_INVALID', `unknown input kind '${(spec as { kind: string }).kind}'`);
  }
}
