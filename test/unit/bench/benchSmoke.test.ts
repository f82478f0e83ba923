// The benchmark suite's pure parts: statistics, formatting, flags, the model list, and the tables built from
// measurements. No timing is asserted; the measurements here are hand-written inputs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KernelReport } from '../../../bench/kernels';
import {
  buildMarkdownTable,
  buildTable,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  median,
  minimum,
  parseFlags,
  selected,
  timeRatio,
} from '../../../bench/lib';
import type { WorkerResult } from '../../../bench/modelWorker';
import { engineMethod, MAIN_METHODS, methodOptions, MODELS, NOT_RUN, REPO } from '../../../bench/models';
import { memoryTable, modelTable, targets, torchTable, type ModelRun } from '../../../bench/tables';

test('median: odd and even counts, unsorted input, empty', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  const input = [3, 1, 2];
  median(input);
  assert.deepEqual(input, [3, 1, 2], 'median must not sort its argument in place');
  assert.equal(minimum([3, 1, 2]), 1);
});

test('formatting: units, precision and unknown values', () => {
  assert.equal(formatMs(0.4213), '0.42 ms');
  assert.equal(formatMs(0.0026), '2.6 µs');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(431.2), '431 ms');
  assert.equal(formatMs(2310), '2.31 s');
  assert.equal(formatMs(undefined), '—');
  assert.equal(formatMs(NaN), '—');
  assert.equal(formatBytes(512 * 1024), '512.0 KiB');
  assert.equal(formatBytes(3.5 * 1024 * 1024), '3.5 MiB');
  assert.equal(formatRatio(5.31), '5.31×');
  assert.equal(formatRatio(12.34), '12.3×');
  assert.equal(formatRatio(1234), '1234×');
  assert.equal(formatRatio(undefined), '—');
  assert.equal(formatRatio(0), '—');
  assert.equal(formatRate(1000 / 65.9), '15.2');
  assert.equal(formatRate(Infinity), '—');
});

test('timeRatio is ours over the reference and refuses missing or zero times', () => {
  assert.equal(timeRatio(50, 100), 0.5);
  assert.equal(timeRatio(undefined, 100), undefined);
  assert.equal(timeRatio(50, 0), undefined);
});

test('buildTable pads columns to the widest cell and right-aligns numbers', () => {
  const out = buildTable([{ title: 'name' }, { title: 'ms', align: 'right' }], [['a', '1.5'], ['long name', '12.25']]);
  assert.deepEqual(out.split('\n'), ['name          ms', '---------  -----', 'a            1.5', 'long name  12.25']);
  assert.throws(() => buildTable([{ title: 'a' }], [['1', '2']]), /2 cells/);
  const md = buildMarkdownTable([{ title: 'a|b' }, { title: 'n', align: 'right' }], [['x|y', '1']]);
  assert.deepEqual(md.split('\n'), ['| a\\|b | n |', '|---|---:|', '| x\\|y | 1 |']);
});

test('parseFlags: --quick, --only (both spellings), --json, errors', () => {
  const f = parseFlags(['--quick', '--only', 'cnn', '--json=out.json', '--no-stock']);
  assert.equal(f.quick, true);
  assert.equal(f.noStock, true);
  assert.equal(f.json, 'out.json');
  assert.ok(f.only?.test('CNN-tfjs'), 'the pattern is case-insensitive');
  assert.equal(parseFlags([]).quick, false);
  assert.throws(() => parseFlags(['--only']), /needs a value/);
  assert.throws(() => parseFlags(['--fast']), /unknown flag/);
  assert.ok(selected(undefined, 'anything'));
  assert.ok(selected(/mobilenet/i, 'mobilenet-tfjs', 'saliency'));
  assert.ok(!selected(/mobilenet/i, 'cnn-tfjs', 'saliency'));
});

test('the model list: fixtures exist, main methods as the issue names them, Grad-CAM only with convolutions', () => {
  assert.deepEqual([...MAIN_METHODS], ['saliency', 'integrated-gradients', 'smoothgrad', 'occlusion', 'grad-cam', 'lrp']);
  assert.deepEqual(NOT_RUN, {}, 'every main method runs (LRP included)');
  for (const m of MODELS) assert.ok(existsSync(join(REPO, m.path)), `${m.id}: ${m.path} is missing`);
  const ids = MODELS.map((m) => m.id);
  for (const id of ['mlp-tfjs', 'cnn-tfjs', 'cnn1d-onnx', 'mobilenet-tfjs']) assert.ok(ids.includes(id), id);
  assert.equal(MODELS.find((m) => m.id === 'mlp-tfjs')!.hasConv, false);
  assert.equal(MODELS.find((m) => m.id === 'cnn-tfjs')!.hasConv, true);
  const cnn = MODELS.find((m) => m.id === 'cnn-tfjs')!;
  assert.deepEqual(methodOptions('integrated-gradients', cnn), { steps: 50, igMethod: 'gausslegendre' });
  assert.deepEqual(methodOptions('smoothgrad', cnn), { samples: 20 });
  assert.deepEqual(methodOptions('occlusion', cnn), cnn.occlusion);
  // Fixture JSON inputs have the model's input shape.
  const cnn1d = MODELS.find((m) => m.id === 'cnn1d-onnx')!.input();
  assert.equal(cnn1d.kind, 'tensor');
  const data = (cnn1d as { data: { shape: number[]; values: number[] } }).data;
  assert.deepEqual(data.shape, [4, 32]);
  assert.equal(data.values.length, 128);
});

const worker = (stock: boolean, ig: number | { error: string }, saliency = 10): WorkerResult => ({
  model: 'cnn-tfjs',
  stock,
  backend: 'wasm',
  threads: 1,
  simd: true,
  maxRssBytes: 200 * 1024 * 1024,
  methods: [
    { method: 'saliency', medianMs: saliency, minMs: saliency, samplesMs: [saliency, saliency, saliency], tfPeakBytes: 1024 * 1024, scores: [0.9, 0.1] },
    typeof ig === 'number'
      ? { method: 'integrated-gradients', medianMs: ig, minMs: ig * 0.9, attributeMs: ig - 10, samplesMs: [ig], tfPeakBytes: 20 * 1024 * 1024, scores: [0.9, 0.1] }
      : { method: 'integrated-gradients', error: ig.error },
  ],
});

const cnnCase = MODELS.find((m) => m.id === 'cnn-tfjs')!;

test('modelTable: speed-up over stock, examples/s, failures of the stock run shown as such', () => {
  const run: ModelRun = { model: cnnCase, ours: { result: worker(false, 50), wallMs: 1 }, stock: { result: worker(true, { error: 'memory access out of bounds' }, 40), wallMs: 1 } };
  const t = modelTable([run]);
  const row = (method: string) => t.rows.find((r) => r[2] === method)!;
  const col = (name: string) => t.columns.findIndex((c) => c.title === name);
  assert.equal(row('saliency')[col('speed-up')], '4.00×');
  assert.equal(row('saliency')[col('ex/s')], '100');
  assert.equal(row('saliency')[col('peak RSS')], '200.0 MiB');
  assert.equal(row('saliency')[col('backend')], 'wasm simd 1t');
  assert.match(row('integrated-gradients')[col('stock median')], /^fails: memory access out of bounds/);
  assert.equal(row('integrated-gradients')[col('speed-up')], '—');
  // Methods not run (here smoothgrad, occlusion, grad-cam, lrp) get no invented row.
  for (const m of ['smoothgrad', 'lrp']) assert.equal(t.rows.find((r) => r[2] === m), undefined);
  for (const r of t.rows) assert.equal(r.length, t.columns.length);
});

test('modelTable names the engine method a main method ran as (text models: IG at the embedding layer)', () => {
  const tiny = MODELS.find((m) => m.id === 'tinybert-onnx')!;
  assert.equal(engineMethod('integrated-gradients', tiny), 'layer-integrated-gradients');
  assert.equal(engineMethod('integrated-gradients', cnnCase), 'integrated-gradients');
  const result = worker(false, 50);
  result.methods[1].ranAs = 'layer-integrated-gradients';
  const t = modelTable([{ model: tiny, ours: { result, wallMs: 1 } }]);
  assert.ok(t.rows.some((r) => r[2] === 'integrated-gradients (as layer-integrated-gradients)'));
  // Distinct run inputs, none equal to the warm-up input: repeated text would be answered by the engine's cache.
  const texts = tiny.runInputs!().map((i) => (i as { text: string }).text);
  assert.equal(new Set(texts).size, texts.length);
  assert.ok(!texts.includes((tiny.input() as { text: string }).text));
});

test('torchTable and targets: ratio ours/PyTorch, same-model check, kernel and memory targets', () => {
  const runs: ModelRun[] = [{ model: cnnCase, ours: { result: worker(false, 50), wallMs: 1 }, wallMs: 1 } as unknown as ModelRun];
  const torch = [
    { model: 'cnn-tfjs', medianMs: 100, minMs: 90, perStepMs: 2, scores: [0.9, 0.1 + 1e-7] },
    { model: 'tinybert-onnx', skip: 'no PyTorch build' },
  ];
  const tt = torchTable(torch, runs);
  const cell = (row: string[], title: string) => row[tt.columns.findIndex((c) => c.title === title)];
  assert.equal(cell(tt.rows[0], 'ours explain()'), '50.0 ms');
  assert.equal(cell(tt.rows[0], 'ours attribute'), '40.0 ms');
  assert.equal(cell(tt.rows[0], 'attribute/torch'), '0.40×');
  assert.equal(cell(tt.rows[0], 'explain()/torch'), '0.50×');
  assert.equal(cell(tt.rows[0], 'ours per step'), '0.80 ms');
  assert.equal(cell(tt.rows[0], 'max |Δ score|'), '1.0e-7');
  assert.equal(cell(tt.rows[0], 'torch median/min'), '1.11×');
  for (const r of tt.rows) assert.equal(r.length, tt.columns.length);
  assert.match(tt.rows[1][1], /^skipped: no PyTorch build/);

  const kernels = {
    kernels: [
      { kernel: 'Conv2DBackpropInput', shape: 'a', reference: 'stock wasm', refMedianMs: 10, oursMedianMs: 1, refMinMs: 10, oursMinMs: 1, speedup: 10 },
      { kernel: 'MaxPoolGrad', shape: 'b', reference: 'stock wasm', refMedianMs: 2, oursMedianMs: 1, refMinMs: 2, oursMinMs: 1, speedup: 2 },
      { kernel: 'Conv2DBackpropFilter', shape: 'c', reference: 'cpu (wasm has none)', refMedianMs: 100, oursMedianMs: 1, refMinMs: 100, oursMinMs: 1, speedup: 100 },
    ],
  } as unknown as KernelReport;
  const memory = [
    { model: 'cnn-tfjs', steps: 10, tfPeakBytes: 8e6 },
    { model: 'cnn-tfjs', steps: 128, tfPeakBytes: 20e6, rssRiseBytes: 5e6 },
    { model: 'cnn-tfjs', steps: 512, tfPeakBytes: 20e6, rssRiseBytes: 4e6 },
    { model: 'cnn-tfjs', steps: 512, memoryBudgetMB: 16, tfPeakBytes: 15e6, rssRiseBytes: 10e6 },
  ];
  const t = targets(kernels, runs, torch, memory, { errors: [], activation: { totalMs: 45, requireMs: 37, activateMs: 8, engineModulesLoaded: 0, bundleBytes: 1, runs: 1 } });
  const find = (re: RegExp) => t.rows.find((r) => re.test(r[0]))!;
  assert.equal(find(/cnn-tfjs\) ≤ 1.0/)[2], 'yes');
  // A disturbed PyTorch run (median far above its minimum) gives no verdict.
  const noisy = targets(kernels, runs, [{ model: 'cnn-tfjs', medianMs: 100, minMs: 20, perStepMs: 2 }], memory, { errors: [] });
  assert.equal(noisy.rows.find((r) => /cnn-tfjs\) ≤ 1.0/.test(r[0]))![2], 'n/a');
  assert.match(noisy.rows.find((r) => /cnn-tfjs\) ≤ 1.0/.test(r[0]))![1], /noisy/);
  assert.equal(find(/cnn-onnx/)[2], 'n/a', 'not measured is not a pass');
  const k = find(/≥ 5×/);
  assert.equal(k[2], 'no');
  assert.match(k[1], /1\/2 cases ≥ 5×; below: MaxPoolGrad b 2.00×/, 'only stock-wasm cases count');
  assert.equal(find(/independent of steps/)[2], 'yes', '128 and 512 steps (≥ batch) take the same memory');
  assert.match(find(/independent of steps/)[1], /RSS rise/, 'native memory is shown');
  assert.equal(find(/memory budget/)[2], 'no', '15 MB of tensors + 10 MB of native memory is over a 16 MB budget');
  const growing = targets(kernels, runs, torch, [memory[1], { ...memory[2], rssRiseBytes: 20e6 }], { errors: [] });
  assert.equal(growing.rows.find((r) => /independent of steps/.test(r[0]))![2], 'no', 'memory that grows with the steps fails');
  assert.equal(find(/activation/)[2], 'yes');
  assert.equal(memoryTable(memory).rows.length, 4);
});
