// Text datasets: every example's characters, and every token's span, map back to the exact characters of the file,
// through CSV quoting ("" escapes, line breaks inside quotes), JSON string escapes (\n, \", \uXXXX, surrogate
// pairs), unicode and CRLF line endings; malformed records are reported with their line and skipped.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { exampleAt, fileRange, parseTextDataset, type TextDataset } from '../../../src/engine/modalities/text/datasets';
import { decodeString, locateString } from '../../../src/engine/modalities/text/datasets/jsonLocate';
import { lineStartsOf, positionAt } from '../../../src/engine/modalities/text/datasets/lines';
import { loadTokenizer } from '../../../src/engine/modalities/text/tokenizers/load';
import { mulberry32 } from '../../fixtures/tabular/prng';

const fixtures = resolve(__dirname, '../../fixtures/text');
const tmp = mkdtempSync(join(tmpdir(), 'lens-text-'));
const write = (name: string, content: string) => {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
};

/** What the raw file characters of a range mean as text, by the file's own quoting rules. */
function decodeRaw(format: TextDataset['format'], raw: string): string {
  if (format === 'jsonl') return JSON.parse(`"${raw}"`);
  if (format === 'csv' || format === 'tsv') return raw.replace(/""/g, '"');
  return raw;
}

const tokenizers = [
  loadTokenizer({ path: join(fixtures, 'planted/vocab.json') }),
  loadTokenizer({ path: join(fixtures, 'tiny-bert/tokenizer.json') }),
];

/** For every example, every substring that a token covers decodes from the file to the same characters. */
function assertSpansMapToFile(dataset: TextDataset): number {
  const file = readFileSync(dataset.path, 'utf8');
  let checked = 0;
  for (const ex of dataset.examples) {
    const whole = fileRange(ex, 0, ex.text.length);
    assert.equal(decodeRaw(dataset.format, file.slice(whole.start, whole.end)), ex.text, `row ${ex.row}: whole text`);
    assert.equal(positionAt(dataset.lineStarts, ex.offset).line, ex.line, `row ${ex.row}: starts on its line`);
    for (const tokenizer of tokenizers) {
      for (const t of tokenizer.encode(ex.text)) {
        if (t.start === undefined) continue;
        const r = fileRange(ex, t.start, t.end!);
        assert.equal(
          decodeRaw(dataset.format, file.slice(r.start, r.end)),
          ex.text.slice(t.start, t.end),
          `${dataset.format} row ${ex.row}, token ${t.token}: file ${JSON.stringify(file.slice(r.start, r.end))}`,
        );
        checked++;
      }
    }
  }
  return checked;
}

test('JSON strings: decoded values and the raw offset of every code unit, through every escape', () => {
  const raw = String.raw`"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00😀中"`;
  const { located, next } = decodeString(raw, 0);
  assert.equal(located.value, JSON.parse(raw));
  assert.equal(next, raw.length);
  for (let i = 0; i < located.value.length; i++) {
    const piece = raw.slice(located.offsets[i], located.offsets[i + 1]);
    assert.equal(JSON.parse(`"${piece}"`), located.value[i], `unit ${i}: ${piece}`);
  }
  // Nested paths and duplicate keys (the last one counts, as in JSON.parse).
  const obj = String.raw` { "a": [1, {"text": "no"}], "text": "first", "meta": {"text": "in\u00e9ner"}, "text": "last \"one\"" } `;
  assert.equal(locateString(obj, ['text'])?.value, 'last "one"');
  assert.equal(locateString(obj, ['meta', 'text'])?.value, 'inéner');
  assert.equal(locateString(obj, ['a']), undefined);
  const inner = locateString(obj, ['meta', 'text'])!;
  assert.equal(obj.slice(inner.offsets[0], inner.offsets[inner.value.length]), String.raw`in\u00e9ner`);
});

test('JSON strings: random texts written with random escapes decode and map back unit by unit', () => {
  const random = mulberry32(99);
  const alphabet = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', 'é', '中', '😀', '\u0001', '\u2028'];
  const escapeUnit = (ch: string): string => {
    const code = ch.charCodeAt(0);
    const r = random();
    if (ch === '"' || ch === '\\') return '\\' + ch;
    if (code < 0x20) return '\\u' + code.toString(16).padStart(4, '0');
    if (r < 0.3) return '\\u' + code.toString(16).padStart(4, '0');
    if (ch === '/' && r < 0.6) return '\\/';
    return ch;
  };
  for (let k = 0; k < 200; k++) {
    let value = '';
    for (let n = Math.floor(random() * 12); n > 0; n--) value += alphabet[Math.floor(random() * alphabet.length)];
    const units = Array.from({ length: value.length }, (_, i) => value[i]);
    const raw = `{"id": ${k}, "text": "${units.map(escapeUnit).join('')}"}`;
    assert.equal(JSON.parse(raw).text, value);
    const located = locateString(raw, ['text'])!;
    assert.equal(located.value, value);
    for (let i = 0; i < value.length; i++) {
      assert.equal(JSON.parse(`"${raw.slice(located.offsets[i], located.offsets[i + 1])}"`), value[i]);
    }
  }
});

test('JSONL with CRLF, a byte-order mark, escapes and blank lines: spans map to the file; bad lines are skipped with their line', () => {
  const lines = [
    '\ufeff{"text": "Caf\\u00e9 was \\"superb\\", really great \\ud83d\\ude00", "label": "positive"}',
    '',
    '{"label": "negative", "text": "Awful\\nplot \\u4e2d\\u6587 and dull\\\\boring"}',
    '{"text": broken}',
    '   ',
    '{"meta": {"text": "nested"}, "stars": 4}',
    '{"text": "Ünïcödé ending 👍🏽 was wonderful"}',
  ];
  const path = write('crlf.jsonl', lines.join('\r\n') + '\r\n');
  const d = parseTextDataset(path);
  assert.equal(d.field, 'text');
  assert.equal(d.rows, 5);
  assert.deepEqual(d.examples.map((e) => [e.row, e.line, e.label]), [[0, 0, 'positive'], [1, 2, 'negative'], [4, 6, undefined]]);
  assert.deepEqual(d.problems.map((p) => [p.row, p.line]), [[2, 3], [3, 5]]);
  assert.match(d.problems[0].message, /^not valid JSON/);
  assert.match(d.problems[1].message, /field 'text' is missing or not a string/);
  assert.equal(d.examples[1].text, 'Awful\nplot 中文 and dull\\boring');
  assert.ok(assertSpansMapToFile(d) > 20);
  // A named nested field.
  const nested = parseTextDataset(path, 'meta.text');
  assert.deepEqual(nested.examples.map((e) => e.text), ['nested']);
  assert.ok(assertSpansMapToFile(nested) > 0);
});

test('CSV and TSV: quoted fields, escaped quotes, line breaks in quotes, CRLF; ragged rows are skipped with their line', () => {
  const csv = write(
    'q.csv',
    [
      'id,review,label',
      '1,"She said ""excellent"", I say ""boring""",negative',
      '2,"Two lines:\r\ngreat music, terrible actor",negative',
      '3,Résumé of the story: nice 🎬,positive',
      '4,too,many,fields',
      '5,"",neutral',
      '6,"trailing ""quote""",positive',
    ].join('\r\n') + '\r\n',
  );
  const d = parseTextDataset(csv);
  assert.equal(d.field, 'review');
  assert.deepEqual(d.examples.map((e) => [e.row, e.line, e.label]), [[0, 1, 'negative'], [1, 2, 'negative'], [2, 4, 'positive'], [4, 6, 'neutral'], [5, 7, 'positive']]);
  assert.deepEqual(d.problems, [{ row: 3, line: 5, message: 'expected 3 fields, found 4' }]);
  assert.equal(d.examples[0].text, 'She said "excellent", I say "boring"');
  assert.equal(d.examples[1].text, 'Two lines:\r\ngreat music, terrible actor');
  assert.ok(assertSpansMapToFile(d) > 20);
  const tsv = write('t.tsv', 'text\tlabel\n"tab\tinside, ""quoted"""\tx\nplain, with commas\ty\n');
  const t = parseTextDataset(tsv);
  assert.deepEqual(t.examples.map((e) => e.text), ['tab\tinside, "quoted"', 'plain, with commas']);
  assert.ok(assertSpansMapToFile(t) > 4);
  assert.throws(() => parseTextDataset(csv, 'nope'), (e: unknown) => e instanceof EngineError && /no column 'nope' \(columns: id, review, label\)/.test(e.message));
});

test('TXT: one example per non-blank line, verbatim, with lone CR, CRLF and LF line ends', () => {
  const path = write('lines.txt', '\ufeffFirst great line\r\n\r\nDéjà vu 最高 😀\rthird\nlast without newline');
  const d = parseTextDataset(path);
  assert.deepEqual(d.examples.map((e) => [e.row, e.line, e.text]), [
    [0, 0, 'First great line'],
    [1, 2, 'Déjà vu 最高 😀'],
    [2, 3, 'third'],
    [3, 4, 'last without newline'],
  ]);
  assert.ok(assertSpansMapToFile(d) > 8);
});

test('the committed datasets map back to the file, and rows name their line when malformed or out of range', () => {
  for (const name of ['reviews.jsonl', 'reviews.csv', 'reviews.txt', 'malformed.jsonl', 'ragged.csv']) {
    assert.ok(assertSpansMapToFile(parseTextDataset(join(fixtures, 'data', name))) > 0, name);
  }
  const malformed = parseTextDataset(join(fixtures, 'data/malformed.jsonl'));
  assert.deepEqual(malformed.problems.map((p) => p.line), [1, 3, 4]);
  assert.throws(() => exampleAt(malformed, 1), (e: unknown) => e instanceof EngineError && /row 1 \(line 2\) is malformed: not valid JSON/.test(e.message));
  assert.throws(() => exampleAt(malformed, 6), (e: unknown) => e instanceof EngineError && /row 6 is out of range \(the file has 6 examples/.test(e.message));
  const ragged = parseTextDataset(join(fixtures, 'data/ragged.csv'));
  assert.deepEqual(ragged.problems, [{ row: 1, line: 2, message: 'expected 2 fields, found 3' }]);
  assert.equal(exampleAt(ragged, 2).line, 3);
});

test('line starts follow VS Code: CRLF, LF and a lone CR each end a line', () => {
  const text = 'a\r\nb\nc\rd';
  assert.deepEqual(lineStartsOf(text), [0, 3, 5, 7]);
  assert.deepEqual(positionAt(lineStartsOf(text), 8), { line: 3, column: 1 });
  assert.deepEqual(positionAt(lineStartsOf(text), 4), { line: 1, column: 1 });
});
