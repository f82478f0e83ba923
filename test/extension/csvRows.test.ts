import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentRowChoice, isCsvPath, rowChoices, rowSummary } from '../../src/extension/csvRows';
import { parseCsv } from '../../src/engine/modalities/csv';

// Lines (0-based): 0 header, 1 row 0, 2–4 row 1 (a quoted field spans three lines), 5 blank, 6 row 2.
const text = [
  'name,age,note',
  'ann,41,plain',
  'bob,35,"first line',
  'second line, with comma',
  'third ""quoted"" line"',
  '',
  'cy,29,last',
].join('\r\n');

test('the cursor line maps to its data row, including every line of a multi-line quoted field', () => {
  const rowAt = (line: number) => currentRowChoice(text, line)?.row;
  assert.equal(rowAt(0), undefined, 'header line');
  assert.equal(rowAt(1), 0);
  assert.equal(rowAt(2), 1);
  assert.equal(rowAt(3), 1);
  assert.equal(rowAt(4), 1);
  assert.equal(rowAt(5), undefined, 'blank line');
  assert.equal(rowAt(6), 2);
  assert.equal(rowAt(99), undefined, 'past the end');
  assert.equal(currentRowChoice(text, 3)?.line, 2, 'the row starts on its first line');
});

test('row indices agree with the engine parser, including tab-separated files', () => {
  const tsv = 'a\tb\n1\t2\n3\t4\n';
  assert.equal(currentRowChoice(tsv, 2)?.row, 1);
  assert.equal(currentRowChoice(tsv, 2)?.summary, 'a=3 · b=4');
  const { choices, total } = rowChoices(text, 2);
  assert.equal(total, parseCsv(text).rows.length);
  assert.deepEqual(
    choices.map((c) => [c.row, c.line]),
    [
      [0, 1],
      [1, 2],
    ],
  );
});

test('row summaries name the first fields and collapse line breaks', () => {
  const table = parseCsv(text);
  assert.equal(rowSummary(table.header, table.rows[0]), 'name=ann · age=41 · note=plain');
  assert.equal(rowSummary(table.header, table.rows[1], 4, 16), 'name=bob · age=35 · note=first line seco…');
  assert.equal(rowSummary(table.header, table.rows[2], 2), 'name=cy · age=29 · …');
});

test('CSV and TSV paths are recognised by extension', () => {
  assert.ok(isCsvPath('/d/x.CSV'));
  assert.ok(isCsvPath('/d/x.tsv'));
  assert.ok(!isCsvPath('/d/x.json'));
  assert.ok(!isCsvPath('/d/csv'));
});
