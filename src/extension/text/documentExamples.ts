// Finds the examples of a dataset document (CSV/TSV text column, JSONL field, TXT lines) with the engine's own
// readers, so the rows and offsets the lenses use are the ones the engine explains. vscode-free.
import { datasetFormat } from '../../engine/modalities/text/datasets';
import { readCsvExamples } from '../../engine/modalities/text/datasets/csvText';
import { readJsonlExamples } from '../../engine/modalities/text/datasets/jsonlText';
import { lineStartsOf } from '../../engine/modalities/text/datasets/lines';
import { readTxtExamples } from '../../engine/modalities/text/datasets/txtText';
import type { TextExample } from '../../engine/modalities/text/datasets/types';

/** Lenses beyond this many would slow the editor down on huge files; the visible ones come first. */
export const MAX_LENSES = 300;

export interface DocumentExamples {
  examples: TextExample[];
  lineStarts: number[];
  /** The reader refused the document (e.g. an empty CSV); no lenses then. */
  error?: string;
}

export function isDatasetFile(fileName: string): boolean {
  return datasetFormat(fileName) !== undefined;
}

export function documentExamples(fileName: string, text: string, field?: string): DocumentExamples {
  const format = datasetFormat(fileName);
  const lineStarts = lineStartsOf(text);
  try {
    if (format === 'csv' || format === 'tsv') return { examples: readCsvExamples(text, fileName, format === 'tsv', field).examples, lineStarts };
    if (format === 'jsonl') return { examples: readJsonlExamples(text, lineStarts, field).examples, lineStarts };
    if (format === 'txt') return { examples: readTxtExamples(text, lineStarts).examples, lineStarts };
    return { examples: [], lineStarts, error: 'not a text dataset' };
  } catch (e) {
    return { examples: [], lineStarts, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Document range [start, end) of an example's text. */
export function exampleRange(example: TextExample): { start: number; end: number } {
  const n = example.text.length;
  return example.offsets ? { start: example.offsets[0], end: example.offsets[n] } : { start: example.offset, end: example.offset + n };
}

/**
 * The examples that get a lens: those starting in the visible lines first, then the rest in file order, at most
 * `cap`; returned in file order.
 */
export function examplesForLenses(examples: TextExample[], visible: { startLine: number; endLine: number }[], cap = MAX_LENSES): TextExample[] {
  if (examples.length <= cap) return examples;
  const inView = (e: TextExample) => visible.some((v) => e.line >= v.startLine && e.line <= v.endLine);
  const chosen = new Set<TextExample>(examples.filter(inView).slice(0, cap));
  for (const e of examples) {
    if (chosen.size >= cap) break;
    chosen.add(e);
  }
  return examples.filter((e) => chosen.has(e));
}
