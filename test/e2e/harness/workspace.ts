// The folder code-server opens: copies of the samples and of a few fixtures, so nothing in the repository is
// ever modified, plus a copy of the sample whose feature names hold markup.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/** Feature names the markup model uses instead of two sample columns; the panel must show them as text. */
export const MARKUP_NAMES: Record<string, string> = {
  income: '<img src=x onerror=alert(1)>',
  savings: '&lt;b&gt;savings&lt;/b&gt;',
};

export interface Workspace {
  root: string;
  /** samples/ is copied whole; these are samples/credit-risk's model and data. */
  sampleModel: string;
  sampleCsv: string;
  /** test/fixtures/bad-models/corrupt-json copied: model.json is not valid JSON. */
  corruptModel: string;
  /** test/fixtures/bad-models/missing-shard copied: a weight shard is missing. */
  missingShardModel: string;
  /** The sample with columns renamed to MARKUP_NAMES, in the CSV header and in model.lens.json. */
  markupModel: string;
  markupCsv: string;
}

function renameColumns(header: string, names: Record<string, string>): string {
  return header
    .split(',')
    .map((c) => names[c] ?? c)
    .join(',');
}

function writeMarkupCopy(sampleDir: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) cpSync(join(sampleDir, f), join(dir, f));
  const manifest = JSON.parse(readFileSync(join(sampleDir, 'model.lens.json'), 'utf8')) as { featureNames: string[] };
  const featureNames = manifest.featureNames.map((n) => MARKUP_NAMES[n] ?? n);
  for (const original of Object.keys(MARKUP_NAMES)) {
    if (!manifest.featureNames.includes(original)) throw new Error(`the sample manifest has no feature '${original}' to rename`);
  }
  writeFileSync(join(dir, 'model.lens.json'), JSON.stringify({ ...manifest, featureNames }, null, 2) + '\n');
  const [header, ...rows] = readFileSync(join(sampleDir, 'data.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'data.csv'), [renameColumns(header, MARKUP_NAMES), ...rows.slice(0, 20)].join('\n') + '\n');
}

export function createWorkspace(root: string): Workspace {
  mkdirSync(root, { recursive: true });
  cpSync(join(REPO_ROOT, 'samples'), join(root, 'samples'), { recursive: true });
  const sampleDir = join(root, 'samples', 'credit-risk');
  for (const name of ['corrupt-json', 'missing-shard']) {
    cpSync(join(REPO_ROOT, 'test', 'fixtures', 'bad-models', name), join(root, 'bad-models', name), { recursive: true });
  }
  const markupDir = join(root, 'markup');
  writeMarkupCopy(sampleDir, markupDir);
  return {
    root,
    sampleModel: join(sampleDir, 'model.json'),
    sampleCsv: join(sampleDir, 'data.csv'),
    corruptModel: join(root, 'bad-models', 'corrupt-json', 'model.json'),
    missingShardModel: join(root, 'bad-models', 'missing-shard', 'model.json'),
    markupModel: join(markupDir, 'model.json'),
    markupCsv: join(markupDir, 'data.csv'),
  };
}
