import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { flattenNested, prepareData } from '../../../src/engine/modalities/tabular';

const dir = mkdtempSync(join(tmpdir(), 'lens-tabular-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function rejects(fn: () => unknown, code: string, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof EngineError && e.code === code && pattern.test(e.message));
}

test('a CSV row selects feature columns, keeps spans into the file and the dataset mean', () => {
  const text = 'b,label,a\r\n1,"x",2\r\n3,y,"4"\r\n';
  const p = file('d.csv', text);
  const d = prepareData({ kind: 'csv-file', path: p, row: 1 }, { inputShape: [2], featureNames: ['a', 'b'] });
  assert.deepEqual(d.values, [4, 3]);
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.deepEqual(d.mean, [3, 2]);
  assert.deepEqual(d.referenceRows, [[2, 1]]);
  assert.deepEqual(d.spans!.map((s) => text.slice(s.offset, s.offset + s.length)), ['"4"', '3']);
  assert.deepEqual(d.spans!.map((s) => [s.line, s.column]), [[2, 4], [2, 0]]);
});

test('without feature names a label column is dropped when that makes the size fit', () => {
  const p = file('l.csv', 'f1,f2,label\n1,2,0\n');
  assert.deepEqual(prepareData({ kind: 'csv-file', path: p, row: 0 }, { inputShape: [2] }).values, [1, 2]);
  rejects(() => prepareData({ kind: 'csv-file', path: p, row: 0 }, { inputShape: [5] }), 'INPUT_INVALID', /3 columns but the model expects 5 features/);
});

test('bad CSV inputs name the file, line and column', () => {
  const p = file('bad.csv', 'a,b\n1,oops\n1\n');
  rejects(() => prepareData({ kind: 'csv-file', path: p, row: 0 }, { inputShape: [2] }), 'INPUT_INVALID', /bad\.csv.*line 2, column 'b': 'oops' is not a number/);
  rejects(() => prepareData({ kind: 'csv-file', path: p, row: 1 }, { inputShape: [2] }), 'INPUT_INVALID', /line 3: expected 2 fields, found 1/);
  rejects(() => prepareData({ kind: 'csv-file', path: p, row: 9 }, { inputShape: [2] }), 'INPUT_INVALID', /row 9 is out of range \(the file has 2 data rows/);
  rejects(() => prepareData({ kind: 'csv-file', path: p, row: 0 }, { inputShape: [2], featureNames: ['a', 'zz'] }), 'INPUT_INVALID', /missing feature column.*zz/);
  rejects(() => prepareData({ kind: 'csv-file', path: join(dir, 'nope.csv'), row: 0 }, { inputShape: [2] }), 'INPUT_INVALID', /nope\.csv.*not found/);
});

test('JSON tensors: nested, flat or wrapped; wrong shapes and ragged arrays are refused', () => {
  const nested = file('n.json', '[[1,2],[3,4],[5,6]]');
  assert.deepEqual(prepareData({ kind: 'json-file', path: nested }, { inputShape: [3, 2] }).values, [1, 2, 3, 4, 5, 6]);
  const flat = file('f.json', '{"input": [1,2,3,4,5,6]}');
  assert.deepEqual(prepareData({ kind: 'json-file', path: flat }, { inputShape: [3, 2] }).shape, [3, 2]);
  rejects(() => prepareData({ kind: 'json-file', path: nested }, { inputShape: [8] }), 'INPUT_INVALID', /shape \[3, 2\] but the model expects \[8\]/);
  rejects(() => prepareData({ kind: 'json-file', path: file('r.json', '[[1,2],[3]]') }, { inputShape: [2, 2] }), 'INPUT_INVALID', /ragged array at \[1\]/);
  rejects(() => prepareData({ kind: 'json-file', path: file('c.json', '[1, 2') }, { inputShape: [2] }), 'INPUT_INVALID', /c\.json.*not valid JSON/);
  rejects(() => prepareData({ kind: 'tensor', data: [1, 'a'] }, { inputShape: [2] }), 'INPUT_INVALID', /element \[1\] is not a finite number/);
});

test('flattenNested reports shape in row-major order', () => {
  assert.deepEqual(flattenNested([[[1], [2]], [[3], [4]]], 'x'), { shape: [2, 2, 1], values: [1, 2, 3, 4] });
});
