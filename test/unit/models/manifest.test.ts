// The manifest beside a model: labels, feature names, and a fixed input shape for dynamic inputs.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/models';
import { manifestCandidates, readLensManifest } from '../../../src/engine/models/manifest';
import { copyFixture, fixture, rejectsWith } from './helpers';
import { tinyGraphForward } from './reference';

before(async () => {
  await initBackend('wasm');
});

const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2));

/** A copy of graph/ whose Placeholder declares this shape (-1 is dynamic). */
function graphWithInputShape(sizes: number[]): string {
  const path = copyFixture('graph');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  json.modelTopology.node[0].attr.shape.shape.dim = sizes.map((s) => ({ size: String(s) }));
  writeJson(path, json);
  return path;
}

test('manifest candidates: <model>.lens.json first, then lens.json', async () => {
  const path = copyFixture('ok');
  const dir = dirname(path);
  assert.deepEqual(manifestCandidates(path), [join(dir, 'model.lens.json'), join(dir, 'lens.json')]);
  writeJson(join(dir, 'lens.json'), { labels: ['x', 'y', 'z'] });
  assert.deepEqual((await readLensManifest(path))?.labels, ['low', 'mid', 'high']);
  rmSync(join(dir, 'model.lens.json'));
  const fallback = await readLensManifest(path);
  assert.equal(fallback?.path, join(dir, 'lens.json'));
  assert.deepEqual(fallback?.labels, ['x', 'y', 'z']);
  rmSync(join(dir, 'lens.json'));
  assert.equal(await readLensManifest(path), undefined);
  const model = await loadModel(path);
  assert.equal(model.labels, undefined);
  model.dispose();
});

test('labels and feature names must match the model', async () => {
  const path = copyFixture('ok');
  const manifest = join(dirname(path), 'model.lens.json');
  writeJson(manifest, { labels: ['yes', 'no'] });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [manifest, 'has 2 labels but the model has 3 outputs']);
  writeJson(manifest, { featureNames: ['a', 'b'] });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [manifest, 'has 2 featureNames but the model input has 4 values']);
  writeJson(manifest, { labels: [1, 2, 3] });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [manifest, "'labels' must be a list of strings"]);
  writeFileSync(manifest, '{ "labels": ["a", "b", "c"], }');
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [manifest, 'not valid JSON', 'line 1, column 30']);
});

test('a dynamic input dimension asks for inputShape in the manifest, and loads once it is given', async () => {
  const path = graphWithInputShape([-1, -1]);
  const lens = join(dirname(path), 'lens.json');
  rmSync(lens);
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [
    path,
    "input 'x' has shape [null, null] with dynamic dimension 1",
    '"inputShape"',
    join(dirname(path), 'model.lens.json'),
  ]);
  writeJson(lens, { inputShape: [4] });
  const model = await loadModel(path);
  try {
    assert.deepEqual(model.inputShape, [4]);
    assert.equal(model.outputSize, 3);
    assert.deepEqual(model.summary.inputs[0].shape, [null, null]);
  } finally {
    model.dispose();
  }
  writeJson(lens, { inputShape: [4, 2] });
  await rejectsWith(loadModel(path), 'MODEL_INVALID', [lens, 'inputShape [4, 2] does not fit', "input 'x' of shape [null, null]"]);
});

test('a model with a fixed batch of 1 still takes batches, example by example, with gradients', async () => {
  const path = graphWithInputShape([1, 4]);
  const model = await loadModel(path);
  const before = tf.memory().numTensors;
  try {
    const x = [
      [0.5, -1, 2, 0],
      [1, 1, 1, 1],
    ];
    const { scores, grad } = tf.tidy(() => {
      const input = tf.tensor2d(x);
      const g = tf.grad((v: tf.Tensor) => model.predict(v).slice([0, 2], [2, 1]).sum())(input);
      return { scores: model.predict(input).arraySync(), grad: g.arraySync() as number[][] };
    });
    scores.forEach((row, b) => row.forEach((v, k) => assert.ok(Math.abs(v - tinyGraphForward(x[b])[k]) < 1e-5)));
    assert.ok(grad.flat().every((v) => Number.isFinite(v)) && grad.flat().some((v) => v !== 0));
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
  await rejectsWith(loadModel(graphWithInputShape([2, 4])), 'UNSUPPORTED', ["input 'x' has a fixed batch size of 2"]);
});

test('the good fixtures carry their manifests', async () => {
  assert.deepEqual(await readLensManifest(fixture('ok')), {
    path: fixture('ok', 'model.lens.json'),
    labels: ['low', 'mid', 'high'],
    featureNames: ['a', 'b', 'c', 'd'],
    inputShape: undefined,
  });
  assert.equal((await readLensManifest(fixture('graph')))?.path, fixture('graph', 'lens.json'));
});
