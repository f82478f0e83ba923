// The panel's shared controls (method, target, granularity, exports), the side-by-side comparison table, and the
// host-side rules for the side-by-side set and for rebuilding a request from an explanation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explanationModality, inputOf, methodChoicesFor, MAX_SIDE_BY_SIDE, rerunRequest, withAdded } from '../../src/extension/panels/explanationSet';
import type { Explanation, MethodId } from '../../src/shared/types';
import { buildComparison, renderComparison } from '../../webview/explanation/comparison';
import { renderControls, targetChoices } from '../../webview/explanation/controls';
import { sampleExplanation } from './helpers/explanationFixture';
import { FakeDocument, type FakeElement } from './helpers/fakeDom';

const texts = JSON.parse(readFileSync(join(__dirname, 'fixtures/textExplanations.json'), 'utf8')) as Record<string, Explanation>;
const byId = (root: FakeElement, id: string) => root.find((e) => e.getAttribute('id') === id)[0]!;

function controls(explanations: Explanation[], busy = false) {
  const doc = new FakeDocument();
  const calls: unknown[][] = [];
  const methods = methodChoicesFor(explanations[0]!);
  const root = renderControls(doc as unknown as Document, explanations, methods, { busy }, {
    rerun: (...args) => calls.push(['rerun', ...args]),
    exportFile: (format) => calls.push(['export', format]),
  }) as unknown as FakeElement;
  return { root, calls, methods };
}

test('controls: the method picker offers the modality’s methods and preselects one not shown yet; buttons rerun', () => {
  const e = sampleExplanation();
  const { root, calls, methods } = controls([e]);
  assert.ok(methods.some((m) => m.id === 'kernel-shap') && !methods.some((m) => m.id === 'grad-cam'), 'tabular methods');
  const select = byId(root, 'method-select');
  const options = select.children as FakeElement[];
  assert.equal(options.length, methods.length);
  const selected = options.find((o) => o.attributes.has('selected'))!;
  assert.notEqual(selected.getAttribute('value'), e.method.id, 'a method not shown yet is preselected');
  byId(root, 'rerun-add').dispatch('click');
  byId(root, 'rerun-replace').dispatch('click');
  assert.deepEqual(calls, [
    ['rerun', selected.getAttribute('value'), e.target.index, true],
    ['rerun', selected.getAttribute('value'), e.target.index, false],
  ]);
  byId(root, 'export-json').dispatch('click');
  assert.deepEqual(calls.at(-1), ['export', 'json']);
  assert.equal(root.find((el) => el.getAttribute('id') === 'export-html').length, 0, 'HTML export is for text');
  assert.equal(root.find((el) => el.getAttribute('id') === 'granularity-select').length, 0);
});

test('controls: the target picker lists top scores with the predicted class marked; a change reruns the primary method', () => {
  const e = sampleExplanation({ prediction: { scores: Array.from({ length: 14 }, (_, i) => i / 100), index: 13, labels: Array.from({ length: 14 }, (_, i) => `c${i}`) }, target: { index: 0, label: 'c0' } });
  const choices = targetChoices(e);
  assert.equal(choices[0]!.index, 13);
  assert.match(choices[0]!.text, /^c13 · .*\(predicted\)$/);
  assert.ok(choices.some((c) => c.index === 0), 'the current target is offered even when its score is low');
  assert.equal(choices.length, 11);
  const { root, calls } = controls([e]);
  const target = byId(root, 'target-select') as FakeElement & { value?: string };
  target.value = '13';
  target.dispatch('change');
  assert.deepEqual(calls, [['rerun', e.method.id, 13, false]]);
});

test('controls: text explanations get HTML export and a token/word switch that reruns at the other granularity', () => {
  const e = texts.ligText!;
  const { root, calls, methods } = controls([e]);
  assert.ok(methods.every((m) => !['integrated-gradients', 'grad-cam'].includes(m.id)), 'text models get embedding and token methods');
  byId(root, 'export-html').dispatch('click');
  const g = byId(root, 'granularity-select') as FakeElement & { value?: string };
  g.value = e.text!.granularity;
  g.dispatch('change');
  g.value = e.text!.granularity === 'word' ? 'token' : 'word';
  g.dispatch('change');
  assert.deepEqual(calls, [['export', 'html'], ['rerun', e.method.id, e.target.index, false, g.value]]);
});

test('controls: buttons are disabled while a rerun runs; the status line is an alert on error', () => {
  const { root } = controls([sampleExplanation()], true);
  assert.ok(byId(root, 'rerun-add').attributes.has('disabled'));
  const doc = new FakeDocument();
  const failed = renderControls(doc as unknown as Document, [sampleExplanation()], [], { busy: false, error: '<b>model.json</b>: bad' }, { rerun: () => {}, exportFile: () => {} }) as unknown as FakeElement;
  const status = byId(failed, 'panel-status');
  assert.equal(status.getAttribute('role'), 'alert');
  assert.equal(status.textContent, '<b>model.json</b>: bad');
  assert.equal(doc.created.filter((t) => t === 'b').length, 0, 'markup in an error stays text');
});

test('comparison: one row per feature by the primary’s |score|, one column per method, shares of each method’s max', () => {
  const a = sampleExplanation();
  const b = sampleExplanation({ method: { id: 'occlusion', options: {} }, features: a.features.map((f, i) => ({ ...f, score: [0, 2, -4][i]! })) });
  const view = buildComparison([a, b]);
  assert.deepEqual(view.methods, ['integrated-gradients', 'occlusion']);
  assert.deepEqual(view.rows.map((r) => r.name), ['age', 'debt', 'income']);
  assert.deepEqual(view.rows.map((r) => r.cells.map((c) => c.share)), [[1, 0], [0.4, -1], [-0.2, 0.5]]);
  const removed: number[] = [];
  const doc = new FakeDocument();
  const table = renderComparison(doc as unknown as Document, [a, { ...b, method: { id: '<img src=x>' as MethodId, options: {} } }], (i) => removed.push(i)) as unknown as FakeElement;
  const buttons = table.find((el) => el.className === 'remove-column');
  assert.equal(buttons.length, 1, 'the primary column cannot be removed');
  buttons[0]!.dispatch('click');
  assert.deepEqual(removed, [1]);
  assert.ok(!doc.created.includes('img'));
});

test('side-by-side set: same method and target replace, others add, a new input starts over, the primary stays', () => {
  const a = sampleExplanation();
  const b = sampleExplanation({ method: { id: 'occlusion', options: {} } });
  const b2 = sampleExplanation({ method: { id: 'occlusion', options: { window: [2] } } });
  assert.deepEqual(withAdded([a], b), [a, b]);
  assert.deepEqual(withAdded([a, b], b2), [a, b2]);
  const other = sampleExplanation({ input: { ...a.input, row: 5 } });
  assert.deepEqual(withAdded([a, b], other), [other]);
  let set = [a];
  const ids: MethodId[] = ['saliency', 'input-x-gradient', 'smoothgrad', 'vargrad', 'occlusion', 'feature-ablation', 'lime'];
  for (const id of ids) set = withAdded(set, sampleExplanation({ method: { id, options: {} } }));
  assert.equal(set.length, MAX_SIDE_BY_SIDE);
  assert.equal(set[0], a);
  assert.equal(set.at(-1)!.method.id, 'lime');
});

test('rerun requests: the input is named again from the explanation; method options are not carried to another method', () => {
  const a = sampleExplanation();
  assert.deepEqual(inputOf(a), { kind: 'csv-file', path: a.input.source, row: 0 });
  const r = rerunRequest(a, 'occlusion', undefined)!;
  assert.deepEqual(r.input, { kind: 'csv-file', path: a.input.source, row: 0 });
  assert.equal(r.target, a.target.index);
  assert.equal(r.options?.steps, undefined, 'IG steps do not go to occlusion');
  assert.deepEqual(r.options?.baseline, { kind: 'zero' });
  assert.equal(rerunRequest(a, 'integrated-gradients', 0)!.options?.steps, 50, 'the same method keeps its options');
  assert.equal(rerunRequest({ ...a, input: { source: 'input', shape: [3] } }, 'saliency', 0), undefined, 'an inline tensor cannot be named again');

  const t = texts.ligDatasetRow!;
  assert.equal(explanationModality(t), 'text');
  const tr = rerunRequest(t, 'occlusion', 1, undefined, 'word')!;
  assert.deepEqual(tr.input, { kind: 'dataset-file', path: t.text!.file, row: t.text!.row });
  assert.equal(tr.options?.granularity, 'word');
  assert.deepEqual(tr.options?.baseline, { kind: 'pad' });
  assert.deepEqual(inputOf(texts.ligText!), { kind: 'text', text: texts.ligText!.text!.text });
});
