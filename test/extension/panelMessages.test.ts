import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePanelMessage, parsePanelState } from '../../src/extension/panels/panelMessages';
import { sampleExplanation } from './helpers/explanationFixture';

test('webview messages are accepted only in their declared shapes', () => {
  assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parsePanelMessage({ type: 'reveal', featureIndex: 2, extra: 'x' }), { type: 'reveal', featureIndex: 2 });
  assert.deepEqual(parsePanelMessage({ type: 'copyJson' }), { type: 'copyJson' });
  assert.deepEqual(parsePanelMessage({ type: 'openInput' }), { type: 'openInput' });
  assert.deepEqual(parsePanelMessage({ type: 'reveal', featureIndex: 2, explanationIndex: 1 }), { type: 'reveal', featureIndex: 2, explanationIndex: 1 });
  assert.deepEqual(parsePanelMessage({ type: 'rerun', method: 'grad-cam', add: true, target: 3 }), { type: 'rerun', method: 'grad-cam', add: true, target: 3 });
  assert.deepEqual(parsePanelMessage({ type: 'remove', explanationIndex: 2 }), { type: 'remove', explanationIndex: 2 });
  assert.deepEqual(parsePanelMessage({ type: 'export', format: 'html' }), { type: 'export', format: 'html' });
  assert.deepEqual(parsePanelMessage({ type: 'exportPng', base64: 'iVBORw0KGgo=', suggestedName: 'a.png' }), { type: 'exportPng', base64: 'iVBORw0KGgo=', suggestedName: 'a.png' });
  for (const bad of [null, 'reveal', [], { type: 'reveal' }, { type: 'reveal', featureIndex: -1 }, { type: 'reveal', featureIndex: 1.5 },
    { type: 'reveal', featureIndex: '1' }, { type: 'runCommand', command: 'x' },
    { type: 'rerun', method: 'eval', add: true }, { type: 'rerun', method: 'saliency' }, { type: 'rerun', method: 'saliency', add: true, target: -1 },
    { type: 'remove', explanationIndex: 'all' }, { type: 'export', format: 'exe' },
    { type: 'exportPng', base64: 'iVBO<script>', suggestedName: 'a.png' }, { type: 'exportPng', base64: 'iVBO', suggestedName: 3 }]) {
    assert.equal(parsePanelMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('saved panel state is restored only when it looks like an explanation', () => {
  const explanation = sampleExplanation();
  // Version 1 state (one explanation) and version 2 (a side-by-side set) both restore.
  assert.deepEqual(parsePanelState({ explanation, sort: 'input', showAllFeatures: true }), { explanations: [explanation], sort: 'input', showAllFeatures: true });
  assert.deepEqual(parsePanelState({ explanations: [explanation, { model: 'x' }, explanation] }), { explanations: [explanation, explanation] });
  assert.deepEqual(parsePanelState({ explanation: { model: 'x' }, sort: 'sideways', showAllFeatures: 'yes' }), {});
  assert.deepEqual(
    parsePanelState({ image: { opacity: 0.3, colormap: 'jet', sign: 'all', clipPercentile: 0 }, text: { scale: 'shared' } }),
    { image: { opacity: 0.3, sign: 'all' }, text: { scale: 'shared' } },
  );
  assert.deepEqual(parsePanelState(undefined), {});
  assert.deepEqual(parsePanelState('junk'), {});
});
