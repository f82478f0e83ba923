// `attribution-lens explain-dataset`: explains every example of a text dataset file (CSV/TSV column, JSONL field,
// TXT lines) and writes one JSON line per example, with per-token features {text, start, end, score} whose offsets
// point into the file. Malformed records are reported with their line and skipped; the rest is still explained.
// `--shard i/n` takes the i-th of n contiguous blocks of rows (0-based), so a scheduler (Kubernetes indexed jobs,
// Slurm arrays) can split a large file and the outputs concatenate in file order.
import type { ExplainRequest, MethodId, MethodOptions } from '../shared/types';
import type { ExplainHooks, ModelSource } from '../engine/explain';
import { explain } from '../engine/explain';
import { isEngineError } from '../engine/errors';
import { readTextDataset, type DatasetProblem, type TextExample } from '../engine/modalities/text/datasets';
import { UsageError } from './args';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4), got '${value}'`);
  return { index, count };
}

/** Rows [from, to) of shard i of n over `rows` rows: contiguous blocks whose sizes differ by at most one. */
export function shardRange(rows: number, shard: Shard): { from: number; to: number } {
  return { from: Math.floor((shard.index * rows) / shard.count), to: Math.floor(((shard.index + 1) * rows) / shard.count) };
}

export interface DatasetRun {
  modelPath: string;
  input: string;
  field?: string;
  method: MethodId;
  options: MethodOptions;
  target?: ExplainRequest['target'];
  shard?: Shard;
}

export interface TokenSummary {
  text: string;
  count: number;
  meanScore: number;
  meanAbsScore: number;
}

export interface DatasetSummary {
  file: string;
  format: string;
  field?: string;
  rows: number;
  shard?: Shard & { from: number; to: number };
  explained: number;
  /** Malformed records (skipped) and examples the engine could not explain, with their 0-based line. */
  skipped: { row?: number; line: number; message: string }[];
  /** Predicted label → count. */
  predictions: Record<string, number>;
  /** Share of examples whose prediction matches the file's label column/field, when it has one. */
  accuracy?: number;
  /** Tokens (lowercased) with the largest summed |score| over the explained examples. */
  topTokens: TokenSummary[];
}

/** The per-example JSON line: what a view needs to decorate the file. */
function exampleLine(e: Awaited<ReturnType<typeof explain>>, label: string | undefined) {
  return {
    row: e.input.row,
    line: e.text?.line,
    text: e.text?.text,
    ...(label !== undefined ? { label } : {}),
    prediction: { index: e.prediction.index, label: e.prediction.label, score: e.prediction.scores[e.prediction.index] },
    target: e.target,
    method: e.method.id,
    features: e.features.map((f) => ({ text: f.text, start: f.start, end: f.end, score: f.score })),
    checks: e.checks,
  };
}

export async function explainDataset(
  run: DatasetRun,
  models: ModelSource,
  write: (jsonLine: string) => void,
  warn: (message: string) => void,
  hooks: ExplainHooks = {},
): Promise<DatasetSummary> {
  const dataset = readTextDataset(run.input, run.field);
  const range = run.shard ? shardRange(dataset.rows, run.shard) : { from: 0, to: dataset.rows };
  const inRange = (row: number | undefined) => row !== undefined && row >= range.from && row < range.to;
  const summary: DatasetSummary = {
    file: dataset.path,
    format: dataset.format,
    ...(dataset.field !== undefined ? { field: dataset.field } : {}),
    rows: dataset.rows,
    ...(run.shard ? { shard: { ...run.shard, ...range } } : {}),
    explained: 0,
    skipped: [],
    predictions: {},
    topTokens: [],
  };
  const skip = (row: number | undefined, line: number, message: string) => {
    summary.skipped.push({ ...(row !== undefined ? { row } : {}), line, message });
    warn(`${dataset.path}:${line + 1}: ${message} (skipped)`);
    write(JSON.stringify({ ...(row !== undefined ? { row } : {}), line, error: message, skipped: true }));
  };

  // Rows in file order, malformed ones where they are.
  type Item = { row: number; example: TextExample } | { row: number; problem: DatasetProblem };
  const order: Item[] = [
    ...dataset.examples.filter((e) => inRange(e.row)).map((example) => ({ row: example.row, example })),
    ...dataset.problems.filter((p) => inRange(p.row)).map((problem) => ({ row: problem.row!, problem })),
  ];
  order.sort((a, b) => a.row - b.row);

  const tokens = new Map<string, { count: number; sum: number; sumAbs: number }>();
  let labelled = 0;
  let correct = 0;
  for (const [k, item] of order.entries()) {
    if ('problem' in item) {
      skip(item.problem.row, item.problem.line, item.problem.message);
      continue;
    }
    const example = item.example;
    try {
      const e = await explain(
        {
          modelPath: run.modelPath,
          input: { kind: 'dataset-file', path: dataset.path, row: example.row, ...(run.field !== undefined ? { field: run.field } : {}) },
          method: run.method,
          options: run.options,
          ...(run.target !== undefined ? { target: run.target } : {}),
        },
        models,
        hooks,
      );
      write(JSON.stringify(exampleLine(e, example.label)));
      summary.explained++;
      const predicted = e.prediction.label ?? String(e.prediction.index);
      summary.predictions[predicted] = (summary.predictions[predicted] ?? 0) + 1;
      if (example.label !== undefined) {
        labelled++;
        if (example.label === predicted || example.label === String(e.prediction.index)) correct++;
      }
      for (const f of e.features) {
        const key = (f.text ?? f.name).toLowerCase();
        const t = tokens.get(key) ?? { count: 0, sum: 0, sumAbs: 0 };
        t.count++;
        t.sum += f.score;
        t.sumAbs += Math.abs(f.score);
        tokens.set(key, t);
      }
    } catch (err) {
      // One bad example (e.g. text the tokenizer rejects) does not stop the file; a broken model or method does.
      if (!isEngineError(err) || err.code !== 'INPUT_INVALID') throw err;
      skip(example.row, example.line, err.message);
    }
    hooks.progress?.((k + 1) / order.length);
  }
  if (labelled) summary.accuracy = correct / labelled;
  summary.topTokens = [...tokens.entries()]
    .sort((a, b) => b[1].sumAbs - a[1].sumAbs)
    .slice(0, 15)
    .map(([text, t]) => ({ text, count: t.count, meanScore: t.sum / t.count, meanAbsScore: t.sumAbs / t.count }));
  return summary;
}

export function formatDatasetSummary(s: DatasetSummary): string {
  const lines = [
    `file:        ${s.file} (${s.format}${s.field ? `, field '${s.field}'` : ''})`,
    s.shard ? `shard:       ${s.shard.index}/${s.shard.count} (rows ${s.shard.from}–${s.shard.to - 1} of ${s.rows})` : `rows:        ${s.rows}`,
    `explained:   ${s.explained}`,
    `skipped:     ${s.skipped.length}${s.skipped.length ? ` (lines ${s.skipped.map((p) => p.line + 1).join(', ')})` : ''}`,
    `predictions: ${Object.entries(s.predictions).map(([l, n]) => `${l} ${n}`).join(', ') || '—'}`,
    ...(s.accuracy !== undefined ? [`accuracy:    ${(100 * s.accuracy).toFixed(1)} % (against the file's labels)`] : []),
  ];
  if (s.topTokens.length) {
    lines.push('', 'most influential tokens (summed |score| over the file; mean |score|, mean score, count):');
    for (const t of s.topTokens) lines.push(`  ${t.text.padEnd(16)} ${t.meanAbsScore.toFixed(4).padStart(9)} ${t.meanScore.toFixed(4).padStart(9)} ${String(t.count).padStart(6)}`);
  }
  return lines.join('\n');
}
