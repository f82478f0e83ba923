// The CLI contract: JSON shape, readable output, exit codes (0 ok, 1 model/input error, 2 usage) and one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const model = join(root, 'samples/credit-risk/model.json');
const data = join(root, 'samples/credit-risk/data.csv');
const bad = (name: string) => join(root, 'test/fixtures/bad-models', name, 'model.json');
const tmp = mkdtempSync(join(tmpdir(), 'lens-cli-'));

function run(...args: string[]) {
  assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A model/input error: exit 1, one line on stderr, no stack trace. */
function assertOneLineError(r: ReturnType<typeof run>, pattern: RegExp) {
  assert.equal(r.code, 1, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
}

test('explain --json prints the documented object', () => {
  const r = run('explain', model, '--input', data, '--row', '2', '--method', 'integrated-gradients', '--steps', '32', '--json');
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out);
  assert.equal(e.model.path, model);
  assert.equal(e.model.format, 'tfjs-layers');
  assert.deepEqual(e.method.options.steps, 32);
  assert.equal(e.method.options.igMethod, 'gausslegendre');
  assert.equal(e.attributions.shape.length, 1);
  assert.equal(e.attributions.values.length, e.attributions.shape[0]);
  assert.equal(e.features.length, 8);
  assert.equal(e.features[0].name, 'income');
  assert.equal(typeof e.checks.convergenceDelta, 'number');
  assert.equal(e.prediction.scores.length, 3);
  assert.ok(Math.abs(e.prediction.scores.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5, 'softmax output');
  assert.equal(e.target.index, e.prediction.index);
  assert.equal(e.target.label, ['low', 'medium', 'high'][e.target.index]);
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(e.backend));
  assert.equal(typeof e.timings.loadMs, 'number');
  // The CSV row's feature values come with spans into the file.
  const text = readFileSync(data, 'utf8');
  const f = e.features[1];
  assert.equal(text.slice(f.span.offset, f.span.offset + f.span.length), String(f.value));
});

test('target by label, readable table, --out file and a JSON tensor input', () => {
  const r = run('explain', model, '--input', data, '--row', '0', '--method', 'saliency', '--target', 'high');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /target: +high \(index 2\)/);
  assert.match(r.out, /income/);
  const input = join(tmp, 'x.json');
  writeFileSync(input, JSON.stringify([50000, 0.3, 40, 10, 1, 20000, 5000, 5]));
  const out = join(tmp, 'res.json');
  const r2 = run('explain', model, '--input', input, '--method', 'occlusion', '--window', '2', '--stride', '2', '--out', out);
  assert.equal(r2.code, 0, r2.err);
  assert.equal(r2.out, '');
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).method.options.window, [2]);
});

test('info lists inputs, outputs, layers and the parameter count', () => {
  const r = run('info', model, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.format, 'tfjs-layers');
  assert.deepEqual(s.inputs[0].shape, [null, 8]);
  assert.ok(s.parameterCount > 0);
  assert.ok(s.layers.length >= 2);
});

test('bad models and inputs: exit 1 with a one-line reason naming the problem', () => {
  assertOneLineError(run('explain', bad('missing-shard'), '--input', data, '--method', 'saliency'), /missing-shard.*(missing|not found)/i);
  assertOneLineError(run('explain', bad('truncated-shard'), '--input', data, '--method', 'saliency'), /truncated-shard.*(bytes|size|truncated)/i);
  assertOneLineError(run('explain', bad('corrupt-json'), '--input', data, '--method', 'saliency'), /corrupt-json.*JSON/i);
  const short = join(tmp, 'short.json');
  writeFileSync(short, '[1, 2, 3]');
  assertOneLineError(run('explain', model, '--input', short, '--method', 'saliency'), /shape \[3\] but the model expects \[8\]/);
  assertOneLineError(run('explain', model, '--input', data, '--method', 'telepathy'), /unknown method 'telepathy'/);
  assertOneLineError(run('explain', model, '--input', data, '--method', 'saliency', '--target', '7'), /target 7 is out of range/);
  assertOneLineError(run('explain', model, '--input', data, '--method', 'saliency', '--target', 'huge'), /unknown target 'huge'; labels are: low, medium, high/);
});

test('usage errors exit 2', () => {
  assert.equal(run().code, 2);
  assert.equal(run('explain', model, '--input', data).code, 2);
  assert.equal(run('explain', model, '--input', data, '--method', 'saliency', '--steps', 'many').code, 2);
  assert.equal(run('explain', model, '--bogus').code, 2);
  assert.equal(run('frobnicate', model).code, 2);
  assert.equal(run('--help').code, 0);
});

test('text inputs: --out FILE.html writes the token heatmap report (text escaped); tokens print in reading order', () => {
  const textModel = join(root, 'test/fixtures/text/planted/model.json');
  const text = 'A wonderful film, but the <img src=x onerror=alert(1)> ending was dull';
  const report = join(tmp, 'tokens.html');
  const r = run('explain', textModel, '--text', text, '--method', 'layer-integrated-gradients', '--out', report, '--json');
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out) as { features: { text: string; start: number; end: number }[] };
  const html = readFileSync(report, 'utf8');
  assert.match(html, /Content-Security-Policy/);
  assert.ok(!html.includes('<img') && html.includes('&lt;') && html.includes('>onerror<'), 'markup in the text stays text');
  assert.ok(!/<script/i.test(html));
  // Every token the panel shows is in the report, in order.
  let at = 0;
  for (const f of e.features) {
    const i = html.indexOf(f.text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!), at);
    assert.ok(i >= 0, `token '${f.text}' is in the report after position ${at}`);
    at = i;
  }
  const table = run('explain', textModel, '--text', 'great plot but dull', '--method', 'occlusion');
  assert.equal(table.code, 0, table.err);
  const order = ['great', 'plot', 'but', 'dull'].map((w) => table.out.indexOf(`\n${w} `));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), `tokens in reading order:\n${table.out}`);
  const usage = run('explain', model, '--input', data, '--row', '1', '--method', 'saliency', '--out', join(tmp, 'x.html'));
  assert.equal(usage.code, 2, 'an HTML report needs a text input');
});
