// The CLI on text models: `explain --text` and `explain --input file --row N` print per-token features
// {text, start, end, score}; `explain-dataset` writes one JSON line per example, reports malformed rows with their
// line and skips them, and splits work by --shard. Exit codes: 0 ok, 1 model/input error, 2 usage error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const fixtures = join(root, 'test/fixtures/text');
const model = join(fixtures, 'planted/model.json');
const data = (name: string) => join(fixtures, 'data', name);
const tmp = mkdtempSync(join(tmpdir(), 'lens-text-cli-'));

function run(...args: string[]) {
  assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof run>, code: number, pattern: RegExp) {
  assert.equal(r.code, code, r.err);
  const first = r.err.trim().split('\n')[0];
  assert.match(first, /^error: /);
  assert.match(first, pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
}

test('explain --text --json: per-token features with offsets into the given text', () => {
  const text = 'Great film, but the ending was dull.';
  const r = run('explain', model, '--text', text, '--method', 'layer-integrated-gradients', '--steps', '32', '--json');
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out);
  assert.equal(e.method.id, 'layer-integrated-gradients');
  assert.deepEqual(e.method.options.baseline, { kind: 'pad' });
  assert.equal(e.prediction.labels.length, 2);
  assert.ok(e.features.length > 5);
  for (const f of e.features) {
    assert.deepEqual(Object.keys(f).filter((k) => ['text', 'start', 'end', 'score'].includes(k)).sort(), ['end', 'score', 'start', 'text']);
    assert.equal(text.slice(f.start, f.end), f.text);
    assert.equal(typeof f.score, 'number');
  }
  assert.equal(e.text.text, text);
  assert.equal(typeof e.checks.convergenceDelta, 'number');
});

test('explain --input file.jsonl --row N: offsets into the file; --baseline mask, --granularity word, readable output', () => {
  const path = data('reviews.jsonl');
  const file = readFileSync(path, 'utf8');
  const r = run('explain', model, '--input', path, '--row', '7', '--method', 'occlusion', '--baseline', 'mask', '--granularity', 'word', '--json');
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out);
  assert.deepEqual(e.method.options.baseline, { kind: 'mask' });
  assert.equal(e.text.granularity, 'word');
  for (const f of e.features) assert.equal(JSON.parse(`"${file.slice(f.start, f.end)}"`), f.text);
  assert.ok(e.features.some((f: { text: string }) => f.text === 'awful'));
  const table = run('explain', model, '--input', data('reviews.txt'), '--row', '4', '--method', 'layer-gradient-x-activation');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /method: +layer-gradient-x-activation/);
  assert.match(table.out, /superb/);
});

test('explain on text: exit 1 for input errors, 2 for usage errors', () => {
  assertOneLineError(run('explain', model, '--input', data('malformed.jsonl'), '--row', '1', '--method', 'occlusion'), 1, /row 1 \(line 2\) is malformed: not valid JSON/);
  assertOneLineError(run('explain', model, '--input', data('reviews.jsonl'), '--row', '99', '--method', 'occlusion'), 1, /row 99 is out of range/);
  assertOneLineError(run('explain', model, '--text', 'great', '--method', 'saliency'), 1, /'saliency' does not apply to token ids/);
  const tabular = join(root, 'test/fixtures/tabular/linear/model.json');
  assertOneLineError(run('explain', tabular, '--text', 'great', '--method', 'occlusion'), 1, /text input needs a text model/);
  assertOneLineError(run('explain', model, '--text', 'great', '--input', data('reviews.txt'), '--method', 'occlusion'), 2, /either --text or --input/);
  assertOneLineError(run('explain', model, '--text', 'great', '--method', 'occlusion', '--baseline', 'blank'), 2, /--baseline must be/);
  assertOneLineError(run('explain-dataset', model, '--method', 'occlusion'), 2, /explain-dataset needs --input/);
  assertOneLineError(run('explain-dataset', model, '--input', data('reviews.txt'), '--shard', '3/3'), 2, /--shard must be i\/n with 0 ≤ i < n/);
});

test('explain-dataset: one line per example, malformed rows reported with their line and skipped, the rest explained', () => {
  const out = join(tmp, 'malformed-results.jsonl');
  const r = run('explain-dataset', model, '--input', data('malformed.jsonl'), '--out', out, '--steps', '16');
  assert.equal(r.code, 0, r.err);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.row, l.line, l.skipped ?? false]), [[0, 0, false], [1, 1, true], [2, 2, false], [3, 3, true], [4, 4, true], [5, 5, false]]);
  assert.match(lines[1].error, /not valid JSON/);
  const file = readFileSync(data('malformed.jsonl'), 'utf8');
  for (const l of lines.filter((x) => !x.skipped)) {
    assert.ok(['negative', 'positive'].includes(l.prediction.label));
    for (const f of l.features) assert.equal(file.slice(f.start, f.end), f.text);
  }
  // Warnings name the file and line (1-based, as editors show them); the summary goes to stdout.
  assert.match(r.err, /warning: .*malformed\.jsonl:2: not valid JSON .*\(skipped\)/);
  assert.match(r.err, /malformed\.jsonl:4: expected a JSON object/);
  assert.match(r.err, /malformed\.jsonl:5: field 'text' is missing or not a string/);
  assert.match(r.out, /explained: +3/);
  assert.match(r.out, /skipped: +3 \(lines 2, 4, 5\)/);
  // A ragged CSV row too.
  const csv = run('explain-dataset', model, '--input', data('ragged.csv'), '--method', 'feature-ablation', '--json');
  assert.equal(csv.code, 0, csv.err);
  const csvLines = csv.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(csvLines.map((l) => l.skipped ?? false), [false, true, false]);
  assert.equal(csvLines[1].line, 2);
  const summary = JSON.parse(csv.err.trim().split('\n').pop()!);
  assert.deepEqual(summary.skipped, [{ row: 1, line: 2, message: 'expected 2 fields, found 3' }]);
  assert.equal(summary.explained, 2);
});

test('explain-dataset --shard i/n: contiguous blocks that together cover every row once, in order', () => {
  const rows = (shard: string) => {
    const r = run('explain-dataset', model, '--input', data('reviews.jsonl'), '--method', 'occlusion', '--shard', shard, '--json');
    assert.equal(r.code, 0, r.err);
    return r.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).row as number);
  };
  const parts = ['0/3', '1/3', '2/3'].map(rows);
  assert.deepEqual(parts.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(parts.every((p) => p.length === 3));
  // Every row malformed: nothing explained is an input error.
  const bad = join(tmp, 'all-bad.jsonl');
  writeFileSync(bad, '{oops\n[1]\n');
  const r = run('explain-dataset', model, '--input', bad, '--method', 'occlusion');
  assert.equal(r.code, 1);
});
