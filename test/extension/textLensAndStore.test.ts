// Lens placement for dataset documents (CSV records with quoted line breaks, JSONL, TXT, the lens cap), edit
// invalidation of stored results, and the dataset summary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { ExampleDecorations, TokenDecoration } from '../../src/extension/text/decorationModel';
import { datasetSummary } from '../../src/extension/text/datasetSummary';
import { documentExamples, examplesForLenses } from '../../src/extension/text/documentExamples';
import { applyChanges, ExplanationStore, type ExampleResult } from '../../src/extension/text/explanationStore';
import { lensSpecs } from '../../src/extension/text/lensSpecs';
import { findTextModel, isTextModel } from '../../src/extension/text/textModelLocator';

const data = resolve(__dirname, '../fixtures/text/data');

test('CSV lenses sit on the line where each record starts, also after a quoted line break', () => {
  const text = 'text,label\n"one ""quoted""\nstill one",a\ntwo,b\n"three\r\n\r\nlines",c\nfour,d\n';
  const specs = lensSpecs('x.csv', text, [], []);
  assert.deepEqual(specs.map((s) => [s.row, s.line, s.title]), [
    [0, 1, 'Explain'], [1, 3, 'Explain'], [2, 4, 'Explain'], [3, 7, 'Explain'],
  ]);
  assert.equal(specs[0].start, text.indexOf('one'));
  assert.equal(specs[2].start, text.indexOf('three'));
  const file = readFileSync(resolve(data, 'reviews.csv'), 'utf8');
  const lines = file.split(/\r\n|\n/);
  const twoLines = lensSpecs('reviews.csv', file, [], []).find((s) => s.start === file.indexOf('Two lines'))!;
  assert.equal(lines[twoLines.line], '"Two lines:');
  const next = lensSpecs('reviews.csv', file, [], []).find((s) => s.row === twoLines.row + 1)!;
  assert.equal(next.line, twoLines.line + 2);
});

test('JSONL lenses: one per well-formed line (blank and malformed lines get none); TXT one per non-blank line', () => {
  const text = '{"text":"a \\"b\\""}\n\n{"text": 1\n{"label":"x","text":"c"}\n';
  assert.deepEqual(lensSpecs('d.jsonl', text, [], []).map((s) => [s.row, s.line, s.start]), [
    [0, 0, text.indexOf('a \\"')],
    [2, 3, text.indexOf('"c"') + 1],
  ]);
  const file = readFileSync(resolve(data, 'reviews.jsonl'), 'utf8');
  assert.deepEqual(lensSpecs('reviews.jsonl', file, [], []).map((s) => s.line), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(lensSpecs('notes.txt', 'first\n\nsecond\n', [], []).map((s) => [s.row, s.line]), [[0, 0], [1, 2]]);
  assert.deepEqual(lensSpecs('empty.csv', '', [], []), []);
  assert.deepEqual(lensSpecs('model.json', '{}', [], []), []);
});

test('huge files: the lens cap keeps the visible examples first, then the first ones, in file order', () => {
  const text = 'text\n' + Array.from({ length: 1000 }, (_, i) => `example ${i}`).join('\n') + '\n';
  const { examples } = documentExamples('big.csv', text);
  assert.equal(examples.length, 1000);
  const capped = examplesForLenses(examples, [{ startLine: 501, endLine: 510 }], 20);
  assert.deepEqual(capped.map((e) => e.row), [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 500 + i)]);
  assert.equal(lensSpecs('big.csv', text, [], [], 50).length, 50);
  assert.equal(examplesForLenses(examples.slice(0, 5), [], 20).length, 5);
});

function token(start: number, end: number, score = 1): TokenDecoration {
  return { start, end, text: 'w', score, sign: score > 0 ? 'positive' : 'negative', bucket: 5, hover: '' };
}
function result(row: number, start: number, end: number, title = `r${row}`): ExampleResult {
  const tokens = [token(start, start + 2), token(end - 2, end, -0.5)];
  const decorations: ExampleDecorations = { tokens, top: [tokens[0]], maxAbs: 1 };
  return { row, start, end, label: row % 2 ? 'negative' : 'positive', title, decorations };
}

test('edits drop only results whose example text they touch; later results move, earlier ones stay', () => {
  const results = [result(0, 10, 20), result(1, 30, 40), result(2, 50, 60)];
  const typed = applyChanges(results, [{ rangeOffset: 35, rangeLength: 0, text: 'abc' }]);
  assert.deepEqual(typed.dropped.map((r) => r.row), [1]);
  assert.deepEqual(typed.kept.map((r) => [r.row, r.start, r.end]), [[0, 10, 20], [2, 53, 63]]);
  const moved = typed.kept[1].decorations;
  assert.deepEqual(moved.tokens.map((t) => [t.start, t.end]), [[53, 55], [61, 63]]);
  assert.equal(moved.top[0], moved.tokens[0]);
  // Typing right after the last character, or deleting the character before the first, changes the text.
  assert.deepEqual(applyChanges(results, [{ rangeOffset: 20, rangeLength: 0, text: 'x' }]).dropped.map((r) => r.row), [0]);
  assert.deepEqual(applyChanges(results, [{ rangeOffset: 9, rangeLength: 1, text: '' }]).dropped.map((r) => r.row), [0]);
  // An edit between examples (a quote or comma of the record) drops nothing and shifts the later ones.
  const between = applyChanges(results, [{ rangeOffset: 25, rangeLength: 2, text: '' }]);
  assert.deepEqual(between.dropped, []);
  assert.deepEqual(between.kept.map((r) => r.start), [10, 28, 48]);
  // Several edits in one event are applied against the old offsets (last first).
  const multi = applyChanges(results, [
    { rangeOffset: 5, rangeLength: 0, text: 'xxxx' },
    { rangeOffset: 55, rangeLength: 1, text: '' },
  ]);
  assert.deepEqual(multi.dropped.map((r) => r.row), [2]);
  assert.deepEqual(multi.kept.map((r) => [r.row, r.start]), [[0, 14], [1, 34]]);
  // Replacing the whole document drops everything.
  assert.equal(applyChanges(results, [{ rangeOffset: 0, rangeLength: 100, text: 'new' }]).kept.length, 0);
});

test('the store keys results by document and example start; lenses pick up titles after rows renumber', () => {
  const store = new ExplanationStore();
  const text = 'text,label\nalpha beta,a\ngamma,b\n';
  const gamma = text.indexOf('gamma');
  store.set('file:///d.csv', result(1, gamma, gamma + 5, 'positive 90.0%'));
  store.set('file:///d.csv', result(1, gamma, gamma + 5, 'negative 60.0%'));
  assert.equal(store.get('file:///d.csv').length, 1);
  assert.equal(store.at('file:///d.csv', gamma)?.title, 'negative 60.0%');
  assert.deepEqual(lensSpecs('d.csv', text, [], store.get('file:///d.csv')).map((s) => s.title), ['Explain', '$(sparkle) negative 60.0% · Explain again']);
  // A new record inserted above: the result moves with its text and its lens is now row 2.
  const inserted = 'new one,c\n';
  const at = text.indexOf('alpha');
  assert.ok(store.edit('file:///d.csv', [{ rangeOffset: at, rangeLength: 0, text: inserted }]));
  const edited = text.slice(0, at) + inserted + text.slice(at);
  const specs = lensSpecs('d.csv', edited, [], store.get('file:///d.csv'));
  assert.deepEqual(specs.map((s) => [s.row, s.title.startsWith('$(sparkle)')]), [[0, false], [1, false], [2, true]]);
  assert.equal(store.get('file:///other.csv').length, 0);
  store.clear();
  assert.deepEqual(store.documents(), []);
});

test('summary: predicted label counts and the tokens that add up most for and against each label', () => {
  const mk = (row: number, label: string, words: [string, number][]): ExampleResult => {
    const tokens = words.map(([text, score], i) => ({ ...token(i * 10, i * 10 + 3, score), text }));
    return { row, start: 0, end: 50, label, title: label, decorations: { tokens, top: tokens, maxAbs: 1 } };
  };
  const lines = datasetSummary('reviews.csv', [
    mk(0, 'positive', [['Great', 0.5], ['dull', -0.25]]),
    mk(1, 'positive', [['great', 0.25], ['film', 0.1]]),
    mk(2, 'negative', [['boring', 0.75]]),
  ], 1);
  assert.deepEqual(lines, [
    'reviews.csv: 3 example(s) explained, 1 failed',
    '  predicted positive: 2',
    '    for positive: "great" +0.750, "film" +0.100',
    '    against positive: "dull" -0.250',
    '  predicted negative: 1',
    '    for negative: "boring" +0.750',
  ]);
});

test('a text model is found next to the data folder; a tabular model is not a text model', () => {
  const model = findTextModel(resolve(data, 'reviews.csv'));
  assert.equal(model, resolve(__dirname, '../fixtures/text/planted/model.json'));
  assert.ok(isTextModel(model!));
  assert.equal(isTextModel(resolve(__dirname, '../fixtures/tabular/linear/model.json')), false);
});
