import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelDisplayName, statusBarText } from '../../src/extension/displayNames';
import { isInputCandidate, orderInputFiles } from '../../src/extension/inputFiles';
import { defaultMethodFor, isMethodId, METHOD_IDS, METHODS, methodOptionsFromSettings, methodsFor } from '../../src/extension/methodCatalog';
import { describeError } from '../../src/extension/userErrors';
import { EngineRequestError } from '../../src/engine/process/client';
import type { MethodId } from '../../src/shared/types';

test('the method catalog lists every engine method once, with a label, a description and the inputs it suits', async () => {
  const { listMethods } = await import('../../src/engine/methods/registry');
  assert.deepEqual([...METHOD_IDS].sort(), listMethods().map((m) => m.id).sort());
  for (const m of METHODS) {
    assert.ok(m.description.length > 20 && !m.description.includes('\n'), m.id);
    assert.ok(m.label.length > 2 && m.modalities.length > 0, m.id);
  }
  assert.ok(isMethodId('occlusion'));
  assert.ok(isMethodId('lrp') && !isMethodId('deeplift'));
  // Text models get embedding and token methods only; images get CAM; tabular never gets image-only methods.
  const ids = (modality: Parameters<typeof methodsFor>[0]) => methodsFor(modality).map((m) => m.id);
  assert.ok(ids('text').includes('layer-integrated-gradients') && !ids('text').includes('integrated-gradients') && !ids('text').includes('grad-cam'));
  assert.ok(ids('image').includes('grad-cam') && ids('image').includes('sobol') && !ids('image').includes('layer-integrated-gradients'));
  assert.ok(!ids('tabular').includes('grad-cam') && ids('tabular').includes('kernel-shap'));
  assert.equal(defaultMethodFor('text', 'integrated-gradients'), 'layer-integrated-gradients');
  assert.equal(defaultMethodFor('image', 'grad-cam'), 'grad-cam');
  assert.equal(defaultMethodFor('tabular', 'grad-cam'), 'integrated-gradients');
  assert.equal(defaultMethodFor(undefined, 'nonsense'), 'integrated-gradients');
});

test('settings become method options only where they apply and are valid', () => {
  assert.deepEqual(methodOptionsFromSettings('integrated-gradients', { integratedGradientsSteps: 64, batchSize: 16 }), { steps: 64, batchSize: 16 });
  assert.deepEqual(methodOptionsFromSettings('saliency', { integratedGradientsSteps: 64, batchSize: 16 }), { batchSize: 16 });
  assert.deepEqual(methodOptionsFromSettings('integrated-gradients', { integratedGradientsSteps: 0, batchSize: 2.5 }), {});
  assert.deepEqual(methodOptionsFromSettings('layer-integrated-gradients', { integratedGradientsSteps: 64, memoryBudgetMB: 256 }), { steps: 64, memoryBudgetMB: 256 });
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
