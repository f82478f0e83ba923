import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { getMethod, isMethodId, listMethods } from '../../../src/engine/methods/registry';
import { linearModel } from './models';

before(async () => {
  await initBackend('wasm');
});

test('getMethod finds each listed method by id and rejects unknown ids with METHOD_UNKNOWN', () => {
  for (const m of listMethods()) assert.equal(getMethod(m.id), m);
  assert.throws(
    () => getMethod('telepathy'),
    (e: unknown) =>
      e instanceof EngineError &&
      e.code === 'METHOD_UNKNOWN' &&
      e.message === `unknown method 'telepathy'; available: ${listMethods().map((m) => m.id).join(', ')}`,
  );
  assert.ok(isMethodId('occlusion'));
  assert.ok(!isMethodId('telepathy'));
});

test('kinds: gradient methods and perturbation methods', () => {
  const kinds = Object.fromEntries(listMethods().map((m) => [m.id, m.kind]));
  assert.equal(kinds['integrated-gradients'], 'gradient');
  assert.equal(kinds['gradient-shap'], 'gradient');
  assert.equal(kinds.occlusion, 'perturbation');
  assert.equal(kinds['feature-ablation'], 'perturbation');
});

test('resolveOptions fills in documented defaults and keeps unrelated options', () => {
  const model = linearModel([2, 3], [[1], [2], [3], [4], [5], [6]], [0]);
  const resolve = (id: string, options = {}) => getMethod(id).resolveOptions({ batchSize: 4, ...options }, model);
  assert.deepEqual(resolve('saliency'), { batchSize: 4, abs: true });
  assert.deepEqual(resolve('integrated-gradients'), { batchSize: 4, steps: 50, igMethod: 'gausslegendre' });
  assert.deepEqual(resolve('smoothgrad'), { batchSize: 4, baseMethod: 'saliency', samples: 25, seed: 0, abs: true });
  assert.deepEqual(resolve('vargrad', { baseMethod: 'integrated-gradients' }), {
    batchSize: 4,
    baseMethod: 'integrated-gradients',
    samples: 25,
    seed: 0,
    steps: 50,
    igMethod: 'gausslegendre',
  });
  assert.deepEqual(resolve('gradient-shap'), { batchSize: 4, samples: 50, stdev: 0, seed: 0 });
  assert.deepEqual(resolve('occlusion'), { batchSize: 4, window: [1, 1], stride: [1, 1] });
  assert.deepEqual(resolve('occlusion', { window: [2, 2] }), { batchSize: 4, window: [2, 2], stride: [2, 2] });
  assert.deepEqual(resolve('feature-ablation'), { batchSize: 4 });
  model.dispose();
});
