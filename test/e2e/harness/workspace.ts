// The folder code-server opens: copies of the samples and of a few fixtures, so nothing in the repository is
// ever modified, plus a copy of the sample whose feature names hold markup, the planted text model with two text
// datasets beside it (and a third holding markup), two ONNX models for the summary editor, and the planted image
// model with two of its test images.
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
  /** test/fixtures/text/planted (model.json, weights, lens.json, vocab.json) copied to text/planted/. */
  textModel: string;
  /** text/reviews.csv: test/fixtures/text/data/reviews.csv (a `text` column, 10 rows); its model is found in planted/. */
  textCsv: string;
  /** text/many.jsonl: the planted model's test split repeated, TEXT_MANY_COPIES × 300 rows, to have time to cancel. */
  textManyJsonl: string;
  /** text/markup.csv: a `text` column whose rows hold HTML (MARKUP_TEXT_ROWS); the panel must show them as text. */
  textMarkupCsv: string;
  /** test/fixtures/image/planted (model.json, weights.bin, model.lens.json) copied to image/planted-cnn/. */
  imageModel: string;
  /** image/000.png (a red object) and image/002.png (a blue one): test/fixtures/image/test images of that model. */
  images: string[];
  /** onnx/mlp.onnx and onnx/cnn2d.onnx: test/fixtures/onnx models, opened by the model summary editor. */
  onnxMlp: string;
  onnxCnn: string;
}

/** The rows of text/markup.csv (after its `text,label` header), on lines 2, 3, …: HTML a page must never parse. */
export const MARKUP_TEXT_ROWS = ['<img src=x onerror=alert(1)> great film', 'a <b>bold</b> &amp; <script>alert(2)</script> movie'];

/** The images of test/fixtures/image/test staged in image/ (each a 32×32 PNG the planted model classifies). */
export const IMAGE_FILES = ['000.png', '002.png'];

/** Copies of the planted test split in text/many.jsonl: 2,400 examples take far longer to explain than to cancel. */
export const TEXT_MANY_COPIES = 8;

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
  const fixtures = join(REPO_ROOT, 'test', 'fixtures');
  const textDir = join(root, 'text');
  const plantedDir = join(textDir, 'planted');
  mkdirSync(plantedDir, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'lens.json', 'vocab.json']) cpSync(join(fixtures, 'text', 'planted', f), join(plantedDir, f));
  cpSync(join(fixtures, 'text', 'data', 'reviews.csv'), join(textDir, 'reviews.csv'));
  const split = readFileSync(join(fixtures, 'text', 'planted', 'test-split.jsonl'), 'utf8').trimEnd() + '\n';
  writeFileSync(join(textDir, 'many.jsonl'), split.repeat(TEXT_MANY_COPIES));
  writeFileSync(join(textDir, 'markup.csv'), ['text,label', ...MARKUP_TEXT_ROWS.map((t) => `${t},negative`)].join('\n') + '\n');
  const imageDir = join(root, 'image');
  const imageModelDir = join(imageDir, 'planted-cnn');
  mkdirSync(imageModelDir, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'model.lens.json']) cpSync(join(fixtures, 'image', 'planted', f), join(imageModelDir, f));
  for (const f of IMAGE_FILES) cpSync(join(fixtures, 'image', 'test', f), join(imageDir, f));
  const onnxDir = join(root, 'onnx');
  mkdirSync(onnxDir, { recursive: true });
  for (const f of ['mlp.onnx', 'cnn2d.onnx']) cpSync(join(fixtures, 'onnx', f), join(onnxDir, f));
  return {
    root,
    sampleModel: join(sampleDir, 'model.json'),
    sampleCsv: join(sampleDir, 'data.csv'),
    corruptModel: join(root, 'bad-models', 'corrupt-json', 'model.json'),
    missingShardModel: join(root, 'bad-models', 'missing-shard', 'model.json'),
    markupModel: join(markupDir, 'model.json'),
    markupCsv: join(markupDir, 'data.csv'),
    textModel: join(plantedDir, 'model.json'),
    textCsv: join(textDir, 'reviews.csv'),
    textManyJsonl: join(textDir, 'many.jsonl'),
    textMarkupCsv: join(textDir, 'markup.csv'),
    imageModel: join(imageModelDir, 'model.json'),
    images: IMAGE_FILES.map((f) => join(imageDir, f)),
    onnxMlp: join(onnxDir, 'mlp.onnx'),
    onnxCnn: join(onnxDir, 'cnn2d.onnx'),
  };
}
