import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePanelMessage, parsePanelState } from '../../src/extension/panels/panelMessages';
import { sampleExplanation } from './helpers/explanationFixture';

test('webview messages are accepted only in their declared shapes', () => {
  assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parsePanelMessage({ type: 'reveal', featureIndex: 2, extra: 'x' }), { type: 'reveal', featureIndex: 2 });
  assert.deepEqual(parsePanelMessage({ type: 'copyJson' }), { type: 'copyJson' });
  assert.deepEqual(parsePanelMessage({ type: 'openInput' }), { type: 'openInput' });
  for (const bad of [null, 'reveal', [], { type: 'reveal' }, { type: 'reveal', featureIndex: -1 }, { type: 'reveal', featureIndex: 1.5 },
    { type: 'reveal', featureIndex: '1' }, { type: 'runCommand', command: 'x' }]) {
    assert.equal(parsePanelMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('saved panel state is restored only when it looks like an explanation', () => {
  const explanation = sampleExplanation();
  assert.deepEqual(parsePanelState({ explanation, sort: 'input', showAllFeatures: true }), { explanation, sort: 'input', showAllFeatures: true });
  assert.deepEqual(parsePanelState({ explanation: { model: 'x' }, sort: 'sideways', showAllFeatures: 'yes' }), {});
  assert.deepEqual(parsePanelState(undefined), {});
  assert.deepEqual(parsePanelState('junk'), {});
});
