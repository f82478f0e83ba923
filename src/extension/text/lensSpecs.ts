// Where the "Explain" lenses of a dataset document go and what they say. vscode-free: datasetCodeLens.ts turns
// these into CodeLens objects.
import { documentExamples, exampleRange, examplesForLenses, MAX_LENSES } from './documentExamples';
import type { ExampleResult } from './explanationStore';

export interface LensSpec {
  /** 0-based line where the example's record starts (a CSV record with quoted line breaks spans several). */
  line: number;
  row: number;
  /** Document offset of the example's first character: how results are matched after rows renumber. */
  start: number;
  title: string;
}

export function lensSpecs(
  fileName: string,
  text: string,
  visible: { startLine: number; endLine: number }[],
  results: readonly ExampleResult[],
  cap = MAX_LENSES,
  field?: string,
): LensSpec[] {
  const { examples } = documentExamples(fileName, text, field);
  const byStart = new Map(results.map((r) => [r.start, r]));
  return examplesForLenses(examples, visible, cap).map((e) => {
    const start = exampleRange(e).start;
    const result = byStart.get(start);
    return { line: e.line, row: e.row, start, title: result ? `$(sparkle) ${result.title} · Explain again` : 'Explain' };
  });
}
