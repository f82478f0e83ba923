// The model summary editor's view-model on the summary the engine reads from a real ONNX fixture.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildSummaryView,
  filterNodes,
  formatCount,
  formatShape,
  NODES_PER_PAGE,
  opHistogram,
  paginate,
  parseSummaryWebviewMessage,
  type NodeRow,
} from '../../src/extension/editors/modelSummaryView';
import { readModelSummary } from '../../src/engine/models';
import type { ModelSummary } from '../../src/shared/types';

const CNN2D = join(__dirname, '../fixtures/onnx/cnn2d.onnx');
let cached: Promise<ModelSummary> | undefined;
const cnn2d = () => (cached ??= readModelSummary(CNN2D));

/** The real summary with /Pad marked unsupported, as the engine reports ops it cannot import. */
async function withUnsupportedPad(): Promise<ModelSummary> {
  const s = await cnn2d();
  return { ...s, unsupportedOps: [{ opType: 'Pad', node: '/Pad', reason: 'reflect mode is not differentiable' }] };
}

test('the histogram counts every node of the real cnn2d.onnx by op type, largest first', async () => {
  const s = await cnn2d();
  const h = opHistogram(s);
  assert.deepEqual(h.slice(0, 3), [
    { opType: 'Conv', count: 3, unsupported: false },
    { opType: 'BatchNormalization', count: 2, unsupported: false },
    { opType: 'Relu', count: 2, unsupported: false },
  ]);
  assert.equal(h.reduce((n, o) => n + o.count, 0), s.layers.length);
  assert.equal(s.layers.length, 16);
  // Every other op of this graph appears once, alphabetically.
  const rest = h.slice(3);
  assert.ok(rest.every((o) => o.count === 1));
  assert.deepEqual(rest.map((o) => o.opType), [...rest.map((o) => o.opType)].sort());
});

test('the view shows inputs/outputs with shapes, opset, parameter count and node order', async () => {
  const v = buildSummaryView(await cnn2d(), 'cnn2d.onnx');
  assert.equal(v.format, 'ONNX');
  assert.equal(v.parameterCount, '772');
  assert.deepEqual(v.opset, ['ai.onnx 13']);
  assert.deepEqual(v.inputs, [{ name: 'x', shape: '[?, 3, 12, 12]', dtype: 'float32' }]);
  assert.deepEqual(v.outputs, [{ name: 'y', shape: '[?, 4]', dtype: 'float32' }]);
  assert.deepEqual(v.nodes[0], { index: 0, name: '/c1/Conv', opType: 'Conv', outputShape: undefined, parameterCount: 168, unsupported: undefined });
  assert.equal(v.nodes[15].name, '/Softmax');
  assert.equal(v.unsupportedCount, 0);
  assert.ok(v.nodes.every((n) => n.unsupported === undefined));
});

test('unsupported ops are flagged in the histogram and on their node, with the reason', async () => {
  const v = buildSummaryView(await withUnsupportedPad(), 'cnn2d.onnx');
  assert.deepEqual(v.histogram.filter((o) => o.unsupported).map((o) => o.opType), ['Pad']);
  const flagged = v.nodes.filter((n) => n.unsupported !== undefined);
  assert.deepEqual(flagged.map((n) => [n.name, n.unsupported]), [['/Pad', 'reflect mode is not differentiable']]);
  assert.equal(v.unsupportedCount, 1);
  assert.deepEqual(filterNodes(v.nodes, { query: '', unsupportedOnly: true }).map((n) => n.name), ['/Pad']);
});

test('the search filter matches node names and op types, case-insensitively', async () => {
  const v = buildSummaryView(await cnn2d(), 'cnn2d.onnx');
  assert.deepEqual(filterNodes(v.nodes, { query: 'relu', unsupportedOnly: false }).map((n) => n.name), ['/Relu', '/Relu_1']);
  assert.deepEqual(filterNodes(v.nodes, { query: '/c2/', unsupportedOnly: false }).map((n) => n.name), ['/c2/Conv']);
  assert.deepEqual(filterNodes(v.nodes, { query: 'batchnorm', unsupportedOnly: false }).map((n) => n.index), [2, 6]);
  assert.equal(filterNodes(v.nodes, { query: '  ', unsupportedOnly: false }).length, 16);
  assert.equal(filterNodes(v.nodes, { query: 'no-such-node', unsupportedOnly: false }).length, 0);
});

test('pagination slices the filtered nodes and clamps the page', () => {
  const rows: NodeRow[] = Array.from({ length: 250 }, (_, i) => ({ index: i, name: `n${i}`, opType: 'Add' }));
  const first = paginate(rows, 0);
  assert.equal(NODES_PER_PAGE, 100);
  assert.deepEqual([first.rows.length, first.page, first.pageCount, first.total, first.start], [100, 0, 3, 250, 0]);
  const last = paginate(rows, 2);
  assert.deepEqual([last.rows.length, last.rows[0].name, last.start], [50, 'n200', 200]);
  assert.equal(paginate(rows, 99).page, 2);
  assert.equal(paginate(rows, -3).page, 0);
  assert.equal(paginate(rows, Number.NaN).page, 0);
  const empty = paginate([], 4);
  assert.deepEqual([empty.rows.length, empty.page, empty.pageCount, empty.total], [0, 0, 1, 0]);
  assert.deepEqual(paginate(rows, 1, 40).rows.map((r) => r.index).slice(0, 2), [40, 41]);
});

test('formatting helpers and the webview message parser', () => {
  assert.equal(formatShape([null, 3, 224, 224]), '[?, 3, 224, 224]');
  assert.equal(formatShape([]), '[]');
  assert.equal(formatCount(25557032), '25,557,032');
  assert.equal(formatCount(999), '999');
  assert.deepEqual(parseSummaryWebviewMessage({ type: 'explain', extra: 1 }), { type: 'explain' });
  assert.deepEqual(parseSummaryWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.equal(parseSummaryWebviewMessage({ type: 'run', command: 'x' }), undefined);
  assert.equal(parseSummaryWebviewMessage('explain'), undefined);
  assert.equal(parseSummaryWebviewMessage(null), undefined);
});
