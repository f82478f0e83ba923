// Checks the reference files themselves, without our engine: the torch rebuild must compute what tfjs computes
// from the same model.json + weights.bin, and the comparison used by torch-reference.test.ts must be able to fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { REPO_ROOT, compareVectors, readReferenceFiles } from './referenceFiles';

/** Loads a tfjs LayersModel from disk with tfjs's own deserializer (not our loader). */
async function loadWithTfjs(modelJsonPath: string): Promise<tf.LayersModel> {
  const spec = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of spec.weightsManifest as tf.io.WeightsManifestConfig) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(new Uint8Array(readFileSync(join(dirname(modelJsonPath), p))).buffer);
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: spec.modelTopology, weightSpecs, weightData }));
}

const files = readReferenceFiles();

test('reference files exist for every fixture model and cover every method', () => {
  assert.deepEqual(files.map((f) => f.name), ['credit-risk', 'linear', 'tanh']);
  for (const f of files) {
    const methods = new Set(f.cases.map((c) => c.method));
    assert.deepEqual([...methods].sort(), ['feature-ablation', 'input-x-gradient', 'integrated-gradients', 'occlusion', 'saliency']);
    for (const c of f.cases) assert.equal(c.attributions.length, f.inputShape[0], `${f.name}: case length`);
  }
});

test('the torch rebuild predicts what tfjs predicts from the same files', async () => {
  await initBackend('cpu');
  for (const f of files) {
    const model = await loadWithTfjs(join(REPO_ROOT, f.model));
    const scores = tf.tidy(() => (model.predict(tf.tensor2d(f.inputs.map((i) => i.x))) as tf.Tensor).arraySync() as number[][]);
    model.dispose();
    f.inputs.forEach((input, i) => {
      const bad = compareVectors(scores[i], input.scores);
      assert.equal(bad, undefined, `${f.name} input ${i}: ${JSON.stringify(bad)}`);
    });
  }
});

test('the linear fixture reference equals the closed form (gradient = kernel column)', () => {
  const linear = files.find((f) => f.name === 'linear')!;
  const truth = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/tabular/truth.json'), 'utf8')).linear;
  const kernel: number[][] = truth.kernel;
  for (const c of linear.cases.filter((c) => c.method === 'saliency' && c.options.abs === false)) {
    assert.equal(compareVectors(c.attributions, kernel.map((row) => row[c.target])), undefined);
  }
  // Features with zero weight get exactly zero from every gradient method.
  for (const c of linear.cases.filter((c) => c.method !== 'occlusion' && c.method !== 'feature-ablation')) {
    for (const j of truth.zeroWeightFeatures as number[]) assert.equal(Math.abs(c.attributions[j]), 0);
  }
});

test('the comparison rejects wrong values, NaN and wrong lengths', () => {
  assert.equal(compareVectors([1.00005, 0], [1, 0]), undefined);
  assert.notEqual(compareVectors([1.0002, 0], [1, 0]), undefined);
  assert.notEqual(compareVectors([NaN, 0], [1, 0]), undefined);
  assert.notEqual(compareVectors([1], [1, 0]), undefined);
  // Small vectors: absolute floor of 1e-6.
  assert.equal(compareVectors([5e-7], [0]), undefined);
  assert.notEqual(compareVectors([3e-6], [0]), undefined);
});
