import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelDisplayName, statusBarText } from '../../src/extension/displayNames';
import { isInputCandidate, orderInputFiles } from '../../src/extension/inputFiles';
import { isMethodId, METHOD_IDS, METHODS, methodOptionsFromSettings } from '../../src/extension/methodCatalog';
import { describeError } from '../../src/extension/userErrors';
import { EngineRequestError } from '../../src/engine/process/client';
import type { MethodId } from '../../src/shared/types';

test('the method catalog lists each of the 9 input-level methods once, with a description', () => {
  const all: MethodId[] = [
    'saliency', 'input-x-gradient', 'integrated-gradients', 'smoothgrad', 'smoothgrad-sq',
    'vargrad', 'gradient-shap', 'occlusion', 'feature-ablation',
  ];
  assert.deepEqual([...METHOD_IDS].sort(), [...all].sort());
  for (const m of METHODS) assert.ok(m.description.length > 20 && !m.description.includes('\n'), m.id);
  assert.ok(isMethodId('occlusion'));
  assert.ok(!isMethodId('lime'));
});

test('settings become method options only where they apply and are valid', () => {
  assert.deepEqual(methodOptionsFromSettings('integrated-gradients', { integratedGradientsSteps: 64, batchSize: 16 }), { steps: 64, batchSize: 16 });
  assert.deepEqual(methodOptionsFromSettings('saliency', { integratedGradientsSteps: 64, batchSize: 16 }), { batchSize: 16 });
  assert.deepEqual(methodOptionsFromSettings('integrated-gradients', { integratedGradientsSteps: 0, batchSize: 2.5 }), {});
});

test('model display names and status bar text', () => {
  assert.equal(modelDisplayName('/w/models/credit-risk/model.json'), 'credit-risk');
  assert.equal(modelDisplayName('/w/models/net.onnx'), 'net');
  assert.equal(modelDisplayName('model.json'), 'model');
  assert.equal(statusBarText('credit-risk', 'wasm', 'auto'), '$(graph) credit-risk · wasm');
  assert.equal(statusBarText(undefined, undefined, 'cpu'), '$(graph) Attribution Lens · cpu');
});

test('input candidates exclude models, manifests and tool configs; files beside the model come first', () => {
  assert.ok(isInputCandidate('/w/data/rows.csv'));
  assert.ok(isInputCandidate('/w/m/sample-input.json'));
  for (const p of ['/w/m/model.json', '/w/m/model.lens.json', '/w/package.json', '/w/tsconfig.build.json', '/w/.vscode/settings.json', '/w/a.txt']) {
    assert.ok(!isInputCandidate(p), p);
  }
  const order = orderInputFiles('/w/m/model.json', ['/w/m/model.json', '/w/m/x.json'], ['/w/data/b.csv', '/w/m/a.csv', '/w/data/a.csv', '/w/m/x.json']);
  assert.deepEqual(order, { beside: ['/w/m/a.csv', '/w/m/x.json'], elsewhere: ['/w/data/a.csv', '/w/data/b.csv'] });
});

test('engine errors are shown as their one-line message; cancellation is silent; other errors are bugs', () => {
  assert.deepEqual(describeError(new EngineRequestError('CANCELLED', 'cancelled')), { kind: 'cancelled' });
  assert.deepEqual(describeError(new EngineRequestError('INPUT_INVALID', '/d/x.csv: row 9 is out of range')), {
    kind: 'user',
    message: '/d/x.csv: row 9 is out of range',
  });
  assert.equal(describeError(new EngineRequestError('INTERNAL', 'boom')).kind, 'bug');
  const bug = describeError(new TypeError('x is undefined'));
  assert.equal(bug.kind, 'bug');
  assert.match((bug as { message: string }).message, /x is undefined/);
  assert.match((bug as { detail?: string }).detail ?? '', /TypeError/);
});
