// The model summary webview's DOM, rendered into the fake DOM: hostile names stay text, the node list pages and
// filters, unsupported ops are highlighted, and the buttons call their handlers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummaryView } from '../../src/extension/editors/modelSummaryView';
import type { ModelSummary } from '../../src/shared/types';
import { renderMessage, renderSummary, type SummaryHandlers } from '../../webview/modelSummary/render';
import { asDom, FakeDocument, FakeElement, FakeText } from './helpers/fakeDom';

const HOSTILE = '<img src=x onerror=alert(1)>';

function summary(nodes: number, overrides: Partial<ModelSummary> = {}): ModelSummary {
  return {
    path: '/models/big.onnx',
    format: 'onnx',
    inputs: [{ name: 'pixel_values', shape: [null, 3, 224, 224], dtype: 'float32' }],
    outputs: [{ name: 'logits', shape: [null, 1000], dtype: 'float32' }],
    layers: Array.from({ length: nodes }, (_, i) => ({ name: `/block${i}/${i % 3 ? 'Add' : 'Conv'}`, type: i % 3 ? 'Add' : 'Conv' })),
    parameterCount: 25557032,
    hash: 'h',
    opset: { 'ai.onnx': 17 },
    ...overrides,
  };
}

function render(s: ModelSummary, file = 'big.onnx') {
  const doc = new FakeDocument();
  const root = new FakeElement('main');
  const calls: string[] = [];
  const handlers: SummaryHandlers = { explain: () => calls.push('explain'), reload: () => calls.push('reload') };
  renderSummary(...asDom(doc, root), buildSummaryView(s, file), handlers);
  return { doc, root, calls };
}

const texts = (el: FakeElement): string[] => el.children.flatMap((c) => (c instanceof FakeText ? [c.data] : texts(c)));
const byId = (root: FakeElement, id: string) => root.find((e) => e.getAttribute('id') === id)[0];
const nodeRows = (root: FakeElement) =>
  root.find((e) => e.tagName === 'table' && e.className.includes('nodes')).flatMap((t) => t.find((e) => e.tagName === 'tr' && e.children[0] instanceof FakeElement && e.children[0].tagName === 'td'));

test('hostile node, op, tensor and file names render as text nodes, never as elements', () => {
  const s = summary(2, {
    inputs: [{ name: HOSTILE, shape: [1], dtype: 'float32' }],
    layers: [{ name: HOSTILE, type: '<script>alert(1)</script>' }, { name: 'ok', type: 'Relu' }],
    unsupportedOps: [{ opType: '<script>alert(1)</script>', node: HOSTILE, reason: '<b>why</b>' }],
    warnings: ['<iframe src=javascript:alert(1)>'],
  });
  const { doc, root } = render(s, `${HOSTILE}.onnx`);
  const allowed = new Set(['header', 'h1', 'h2', 'p', 'div', 'span', 'section', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td',
    'ul', 'li', 'label', 'input', 'button', 'vscode-button']);
  for (const tag of doc.created) assert.ok(allowed.has(tag), `unexpected element <${tag}>`);
  const all = texts(root);
  assert.ok(all.includes(HOSTILE), 'the node name is shown verbatim as text');
  assert.ok(all.includes(`${HOSTILE}.onnx`), 'the file name is shown verbatim as text');
  assert.ok(all.includes('<iframe src=javascript:alert(1)>'));
  // The reason goes into a title attribute value (not markup), which the DOM never parses.
  const badge = root.find((e) => e.className === 'badge' && e.getAttribute('title') !== null)[0];
  assert.equal(badge.getAttribute('title'), '<b>why</b>');
  for (const e of root.descendants()) for (const name of e.attributes.keys()) assert.doesNotMatch(name, /^on|^style$/i);
});

test('the header shows the file, format, parameters, node count and opset; the Explain button calls its handler', () => {
  const { root, calls } = render(summary(5));
  const all = texts(root);
  assert.ok(all.includes('big.onnx'));
  assert.ok(all.includes('ONNX · 25,557,032 parameters · 5 nodes · opset ai.onnx 17'), all.join('|'));
  assert.ok(all.includes('[?, 3, 224, 224]') && all.includes('pixel_values') && all.includes('logits'));
  byId(root, 'explain').dispatch('click');
  byId(root, 'reload').dispatch('click');
  assert.deepEqual(calls, ['explain', 'reload']);
});

test('a large graph renders only one page of nodes; the pager moves through them', () => {
  const { root, doc } = render(summary(10_000));
  assert.equal(nodeRows(root).length, 100);
  assert.ok(doc.created.filter((t) => t === 'tr').length < 200, 'rows are created per page, not per node');
  assert.ok(texts(root).includes('Nodes 1–100 of 10,000'));
  const next = root.find((e) => e.tagName === 'vscode-button' && e.textContent === 'Next')[0];
  next.dispatch('click');
  assert.ok(texts(root).includes('Nodes 101–200 of 10,000'));
  assert.equal(nodeRows(root)[0].children[1].textContent, '/block100/Add');
  const prev = root.find((e) => e.tagName === 'vscode-button' && e.textContent === 'Previous')[0];
  assert.equal(prev.getAttribute('disabled'), null);
});

test('typing in the search box filters the nodes and keeps the search box itself', () => {
  const { root } = render(summary(300));
  const search = byId(root, 'node-search');
  search.dispatch('input', { value: 'BLOCK29/' });
  assert.deepEqual(nodeRows(root).map((r) => r.children[1].textContent), ['/block29/Add']);
  assert.ok(texts(root).includes('Nodes 1–1 of 1 (filtered from 300)'));
  assert.equal(byId(root, 'node-search'), search, 'the input element is not replaced');
  search.dispatch('input', { value: 'nothing-matches' });
  assert.ok(texts(root).includes('No nodes match.'));
  assert.equal(nodeRows(root).length, 0);
});

test('unsupported ops are highlighted, and a checkbox shows only them; clicking an op filters by it', () => {
  const s = summary(6, { unsupportedOps: [{ opType: 'Conv', node: '/block3/Conv', reason: 'no gradient' }] });
  const { root } = render(s);
  assert.ok(root.find((e) => e.className.includes('unsupported-notice')).length === 1);
  const hist = root.find((e) => e.tagName === 'table' && e.className.includes('histogram'))[0];
  const convRow = hist.find((e) => e.tagName === 'tr' && e.textContent.startsWith('Conv'))[0];
  assert.equal(convRow.className, 'unsupported');
  const unsupportedNodeRows = nodeRows(root).filter((r) => r.className === 'unsupported');
  assert.deepEqual(unsupportedNodeRows.map((r) => r.children[1].textContent), ['/block3/Conv']);
  byId(root, 'unsupported-only').dispatch('change', { checked: true });
  assert.deepEqual(nodeRows(root).map((r) => r.children[1].textContent), ['/block3/Conv']);
  byId(root, 'unsupported-only').dispatch('change', { checked: false });
  const addLink = hist.find((e) => e.tagName === 'button' && e.textContent === 'Add')[0];
  addLink.dispatch('click');
  assert.equal(nodeRows(root).length, 4);
  assert.ok(nodeRows(root).every((r) => r.children[2].textContent === 'Add'));
});

test('an error names the file as text and offers a retry', () => {
  const doc = new FakeDocument();
  const root = new FakeElement('main');
  const calls: string[] = [];
  renderMessage(...asDom(doc, root), `Cannot show ${HOSTILE}.onnx`, `${HOSTILE}.onnx: not an ONNX model`, { explain: () => {}, reload: () => calls.push('reload') }, true);
  assert.ok(texts(root).includes(`${HOSTILE}.onnx: not an ONNX model`));
  assert.ok(!doc.created.includes('img'));
  assert.equal(root.find((e) => e.getAttribute('role') === 'alert').length, 1);
  byId(root, 'reload').dispatch('click');
  assert.deepEqual(calls, ['reload']);
});
