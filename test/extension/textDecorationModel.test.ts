// decorationModel: token ranges land on the exact characters of the dataset file (JSON escapes, CSV quotes,
// surrogate pairs), intensity buckets scale per example, and hovers show hostile token text literally.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../src/engine/backend';
import { explain } from '../../src/engine/explain';
import { ModelRegistry } from '../../src/engine/models/registry';
import { fileRange } from '../../src/engine/modalities/text/datasets/types';
import {
  BUCKETS,
  bucketOf,
  escapeMarkdown,
  exampleDecorations,
  hoverMarkdown,
  predictionTitle,
  TOP_K,
} from '../../src/extension/text/decorationModel';
import { documentExamples } from '../../src/extension/text/documentExamples';
import type { Explanation, InputSpec } from '../../src/shared/types';

const planted = resolve(__dirname, '../fixtures/text/planted/model.json');
const data = resolve(__dirname, '../fixtures/text/data');
const models = new ModelRegistry();
before(async () => {
  await initBackend('cpu');
});
after(() => models.clear());

const run = (input: InputSpec) => explain({ modelPath: planted, input, method: 'layer-integrated-gradients', options: { steps: 8 } }, models);

function assertOnFileCharacters(file: string, e: Explanation, expectedWords: string[]): void {
  const d = exampleDecorations(e);
  assert.ok(d.tokens.length > 0);
  const shown = d.tokens.map((t) => t.text.toLowerCase());
  for (const w of expectedWords) assert.ok(shown.includes(w), `${w} in ${shown.join(' ')}`);
  for (const t of d.tokens) {
    const feature = e.features.find((f) => f.start === t.start)!;
    // The decoration range is the feature's span into the file.
    assert.equal(feature.span?.offset, t.start);
    assert.equal(feature.span?.length, t.end - t.start);
    assert.ok(t.end <= file.length);
  }
}

test('JSONL with escapes and unicode: ranges cover the escaped file characters of each token', async () => {
  const path = resolve(data, 'reviews.jsonl');
  const file = readFileSync(path, 'utf8');
  const e = await run({ kind: 'dataset-file', path, row: 6 });
  assertOnFileCharacters(file, e, ['café', 'superb', 'really', 'great']);
  const d = exampleDecorations(e);
  const cafe = d.tokens.find((t) => t.text.toLowerCase() === 'café')!;
  assert.equal(file.slice(cafe.start, cafe.end), 'Caf\\u00e9');
  const superb = d.tokens.find((t) => t.text === 'superb')!;
  assert.equal(file.slice(superb.start, superb.end), 'superb');
  // Every token lies inside the JSON string of row 6, never in its keys.
  const line = file.split('\n')[6];
  const lineStart = file.indexOf(line);
  const textStart = lineStart + line.indexOf('"text": "') + '"text": "'.length;
  for (const t of d.tokens) assert.ok(t.start >= textStart && t.end <= lineStart + line.indexOf('", "label"'), t.text);
});

test('CSV with doubled quotes and a quoted line break: ranges are the file characters', async () => {
  const path = resolve(data, 'reviews.csv');
  const file = readFileSync(path, 'utf8');
  const { examples } = documentExamples(path, file);
  const quoted = examples.find((x) => x.text.startsWith('She said'))!;
  const e = await run({ kind: 'dataset-file', path, row: quoted.row });
  const d = exampleDecorations(e);
  const excellent = d.tokens.find((t) => t.text === 'excellent')!;
  assert.equal(file.slice(excellent.start, excellent.end), 'excellent');
  assert.equal(file.slice(excellent.start - 2, excellent.start), '""');
  const twoLines = examples.find((x) => x.text.startsWith('Two lines'))!;
  const e2 = await run({ kind: 'dataset-file', path, row: twoLines.row });
  const terrible = exampleDecorations(e2).tokens.find((t) => t.text === 'terrible')!;
  assert.equal(file.slice(terrible.start, terrible.end), 'terrible');
  const emoji = examples.find((x) => x.text.startsWith('Résumé'))!;
  const e3 = await run({ kind: 'dataset-file', path, row: emoji.row });
  const resume = exampleDecorations(e3).tokens.find((t) => t.text.toLowerCase() === 'résumé')!;
  assert.equal(file.slice(resume.start, resume.end), 'Résumé');
});

test('an unsaved document explained as text maps back through the example offsets', async () => {
  const path = resolve(data, 'reviews.jsonl');
  const file = readFileSync(path, 'utf8');
  const example = documentExamples(path, file).examples.find((x) => x.row === 7)!;
  const e = await run({ kind: 'text', text: example.text });
  const d = exampleDecorations(e, (s, t) => fileRange(example, s, t));
  const naive = d.tokens.find((t) => t.text === 'naïve')!;
  assert.equal(file.slice(naive.start, naive.end), 'na\\u00efve');
  const awful = d.tokens.find((t) => t.text === 'awful')!;
  assert.equal(file.slice(awful.start, awful.end), 'awful');
});

test('buckets scale to the example: the strongest token is in the top bucket, signs split, top-k by |score|', async () => {
  assert.equal(bucketOf(0, 1), 0);
  assert.equal(bucketOf(1, 0), 0);
  assert.equal(bucketOf(1, 1), BUCKETS);
  assert.equal(bucketOf(0.2, 1), 1);
  assert.equal(bucketOf(0.21, 1), 2);
  assert.equal(bucketOf(0.001, 1), 1);
  assert.equal(bucketOf(10, 20), Math.ceil(BUCKETS / 2));
  const path = resolve(data, 'reviews.jsonl');
  const e = await run({ kind: 'dataset-file', path, row: 1 });
  const d = exampleDecorations(e);
  const maxAbs = Math.max(...e.features.map((f) => Math.abs(f.score)));
  assert.equal(d.maxAbs, maxAbs);
  const strongest = d.tokens.reduce((a, b) => (Math.abs(b.score) > Math.abs(a.score) ? b : a));
  assert.equal(strongest.bucket, BUCKETS);
  for (const t of d.tokens) {
    assert.equal(t.sign, t.score > 0 ? 'positive' : 'negative');
    assert.equal(t.bucket, bucketOf(Math.abs(t.score), maxAbs));
  }
  assert.equal(d.top.length, Math.min(TOP_K, d.tokens.length));
  assert.equal(d.top[0], strongest);
  for (let i = 1; i < d.top.length; i++) assert.ok(Math.abs(d.top[i - 1].score) >= Math.abs(d.top[i].score));
  // Scaling is per example: doubling every score leaves the buckets as they were.
  const doubled = exampleDecorations({ ...e, features: e.features.map((f) => ({ ...f, score: f.score * 2 })) });
  assert.deepEqual(doubled.tokens.map((t) => t.bucket), d.tokens.map((t) => t.bucket));
  assert.match(predictionTitle(e), /^(negative|positive) \d+\.\d%$/);
});

test('hovers escape hostile token text, labels and markdown; score, target and method are shown', async () => {
  const e = await run({ kind: 'text', text: 'great film' });
  const hostile = '<img src=x onerror=alert(1)>';
  const md = hoverMarkdown(hostile, 0.25, { ...e, target: { index: 1, label: '</script><b>x</b>' } });
  assert.ok(!md.includes('<img'), md);
  assert.ok(!md.includes('</script>'), md);
  assert.ok(!md.includes('<b>'), md);
  assert.ok(md.includes('&lt;img src=x onerror=alert\\(1\\)&gt;'), md);
  assert.ok(md.includes('&lt;/script&gt;'), md);
  assert.match(md, /\+0\.2500 for/);
  assert.ok(md.includes('layer\\-integrated\\-gradients'), md);
  assert.equal(escapeMarkdown('[x](command:evil)'), '\\[x\\]\\(command:evil\\)');
  assert.equal(escapeMarkdown('a\nb'), 'a⏎b');
  assert.equal(escapeMarkdown('**b** & `c`'), '\\*\\*b\\*\\* &amp; \\`c\\`');
  // A token read from a file with that text keeps it literally in its hover.
  const d = exampleDecorations({ ...e, features: [{ name: hostile, text: hostile, start: 0, end: 5, score: -1 }] });
  assert.equal(d.tokens[0].sign, 'negative');
  assert.ok(d.tokens[0].hover.includes('&lt;img') && !d.tokens[0].hover.includes('<img'));
  assert.match(d.tokens[0].hover, /-1\.0000 against/);
});
