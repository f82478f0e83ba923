// Which field of a dataset holds the text: the user's choice for the file, else the model manifest's "textField",
// else the readers' guess (a column named text, review, sentence, …). The lenses and the engine are given the same
// field, so the rows and offsets they use agree. vscode-free.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseCsv } from '../../engine/modalities/csv';
import { datasetFormat } from '../../engine/modalities/text/datasets';

/** The manifest's "textField" for a model, if it names one. */
export function manifestTextField(modelPath: string | undefined): string | undefined {
  if (!modelPath) return undefined;
  const dir = dirname(modelPath);
  for (const candidate of [join(dir, `${basename(modelPath, extname(modelPath))}.lens.json`), join(dir, 'lens.json')]) {
    if (!existsSync(candidate)) continue;
    try {
      const json = JSON.parse(readFileSync(candidate, 'utf8')) as { textField?: unknown };
      return typeof json.textField === 'string' && json.textField ? json.textField : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Field names a user can choose from: CSV/TSV header columns, or the string fields of the first JSONL records. */
export function fieldNames(fileName: string, text: string): string[] {
  const format = datasetFormat(fileName);
  if (format === 'csv' || format === 'tsv') {
    const firstLines = text.split(/\r?\n/, 2).join('\n');
    return parseCsv(firstLines, format === 'tsv' ? '\t' : undefined).header.map((h) => h.value.trim()).filter(Boolean);
  }
  if (format === 'jsonl') {
    const names = new Set<string>();
    for (const line of text.split(/\r?\n/).slice(0, 50)) {
      try {
        const record: unknown = JSON.parse(line);
        if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
          for (const [k, v] of Object.entries(record)) if (typeof v === 'string') names.add(k);
        }
      } catch {
        // Malformed lines are reported by the reader when the file is explained.
      }
    }
    return [...names];
  }
  return [];
}

export function chosenField(userChoice: string | undefined, modelPath: string | undefined): string | undefined {
  return userChoice ?? manifestTextField(modelPath);
}
