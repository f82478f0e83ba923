import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv, rowAtLine, sniffDelimiter } from '../../../src/engine/modalities/csv';
import { lineColumnAt } from '../../../src/engine/modalities/textPosition';

/** Every field's span must cut exactly its raw text out of the file. */
function assertSpans(text: string, expectedRaw: string[][]) {
  const table = parseCsv(text);
  const raw = table.rows.map((r) => r.fields.map((f) => text.slice(f.offset, f.offset + f.length)));
  assert.deepEqual(raw, expectedRaw);
  return table;
}

test('plain fields, LF and CRLF line endings', () => {
  for (const nl of ['\n', '\r\n']) {
    const text = ['a,b,c', '1,2,3', '4,5,6'].join(nl) + nl;
    const t = assertSpans(text, [['1', '2', '3'], ['4', '5', '6']]);
    assert.deepEqual(t.header.map((h) => h.value), ['a', 'b', 'c']);
    assert.deepEqual(t.rows.map((r) => r.line), [1, 2]);
    assert.equal(t.errors.length, 0);
  }
});

test('quoted fields with delimiters, escaped quotes and newlines keep exact spans', () => {
  const text = 'name,text,n\r\n"Smith, J","she said ""hi""\r\nthen left",3\r\nx,"é 🙂 中文",4\r\n';
  const t = assertSpans(text, [
    ['"Smith, J"', '"she said ""hi""\r\nthen left"', '3'],
    ['x', '"é 🙂 中文"', '4'],
  ]);
  assert.equal(t.rows[0].fields[1].value, 'she said "hi"\r\nthen left');
  assert.equal(t.rows[1].fields[1].value, 'é 🙂 中文');
  assert.deepEqual([t.rows[0].line, t.rows[0].endLine, t.rows[1].line], [1, 2, 3]);
  assert.equal(rowAtLine(t, 2)?.index, 0);
  assert.equal(rowAtLine(t, 3)?.index, 1);
  assert.equal(rowAtLine(t, 0), undefined);
});

test('BOM, blank lines, no trailing newline, TSV sniffing', () => {
  const text = '\ufeffa\tb\n\n1\t2\n3\t4';
  assert.equal(sniffDelimiter(text), '\t');
  const t = assertSpans(text, [['1', '2'], ['3', '4']]);
  assert.deepEqual(t.rows.map((r) => r.line), [2, 3]);
});

test('ragged and unterminated rows are reported with their line', () => {
  const text = 'a,b\n1,2\n3\n4,5\n"open,6\n';
  const t = parseCsv(text);
  assert.deepEqual(t.errors.map((e) => e.line), [2, 4]);
  assert.match(t.errors[0].message, /expected 2 fields, found 1/);
  assert.match(t.errors[1].message, /unterminated/);
  // The ragged row keeps its index so row numbers match the file.
  assert.deepEqual(t.rows.map((r) => r.fields.length), [2, 1, 2]);
});

test('lineColumnAt counts CRLF, LF and lone CR as one line break each', () => {
  const text = 'ab\r\ncd\ne\rf';
  assert.deepEqual(lineColumnAt(text, text.indexOf('c')), { line: 1, column: 0 });
  assert.deepEqual(lineColumnAt(text, text.indexOf('e')), { line: 2, column: 0 });
  assert.deepEqual(lineColumnAt(text, text.indexOf('f')), { line: 3, column: 0 });
  assert.deepEqual(lineColumnAt(text, 1), { line: 0, column: 1 });
});
