// The planted-truth benchmark (test/fixtures/image): a CNN whose label is decided by one small object pasted at a
// random place. Attribution maps should point at the object: the pointing game (the map's maximum inside the object's
// box) must reach 0.8 for integrated gradients, Grad-CAM and occlusion over the 30-image test split, far above the
// rate of a random map (box area / image area ≈ 0.05). The share of positive attribution inside the box ("energy")
// is reported for every method.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MethodId, MethodOptions } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { boxRegion, energyInRegion, pointingGameHit, randomPointingExpectation } from '../../../src/engine/metrics/localization';
import { ModelRegistry } from '../../../src/engine/models/registry';
import truth from '../../fixtures/image/truth.json';

const dir = join(__dirname, '../../fixtures/image');
const modelPath = join(dir, 'planted/model.json');
const models = new ModelRegistry();

before(async () => {
  await initBackend('wasm');
});
after(() => models.clear());

interface Score {
  pointing: number;
  energy: number;
  random: number;
  accuracy: number;
}

async function benchmark(method: MethodId, options: MethodOptions): Promise<Score> {
  let hits = 0;
  let energy = 0;
  let random = 0;
  let correct = 0;
  for (const image of truth.images) {
    const e = await explain({ modelPath, input: { kind: 'image-file', path: join(dir, 'test', image.file) }, method, options }, models);
    assert.ok(e.image, 'image explanations carry a pixel map');
    const region = boxRegion(e.image.height, e.image.width, image.box);
    if (pointingGameHit(e.image.pixelMap.values, region)) hits++;
    energy += energyInRegion(e.image.pixelMap.values, region);
    random += randomPointingExpectation(region);
    if (e.prediction.label === image.label) correct++;
  }
  const n = truth.images.length;
  const score = { pointing: hits / n, energy: energy / n, random: random / n, accuracy: correct / n };
  console.log(
    `${method.padEnd(22)} pointing game ${score.pointing.toFixed(3)}  energy in box ${score.energy.toFixed(3)}  ` +
      `(random map: ${score.random.toFixed(3)} for both)  accuracy ${score.accuracy.toFixed(2)}`,
  );
  return score;
}

const REQUIRED: [MethodId, MethodOptions][] = [
  ['integrated-gradients', {}],
  ['grad-cam', {}],
  ['occlusion', { window: [4, 4, 3], stride: [2, 2, 3] }],
];

test('pointing game ≥ 0.8 for integrated gradients, Grad-CAM and occlusion, far above a random map', async () => {
  for (const [method, options] of REQUIRED) {
    const s = await benchmark(method, options);
    assert.equal(s.accuracy, 1, 'the model classifies the test split');
    assert.ok(s.pointing >= 0.8, `${method}: pointing game ${s.pointing}`);
    assert.ok(s.pointing >= 5 * s.random, `${method}: ${s.pointing} is not well above random (${s.random})`);
    assert.ok(s.energy > 2 * s.random, `${method}: energy ${s.energy} vs ${s.random} for a uniform map`);
  }
});

test('the other image methods on the same split (reported; each must beat a random map)', async () => {
  const others: [MethodId, MethodOptions][] = [
    ['saliency', {}],
    ['guided-backprop', {}],
    ['guided-grad-cam', {}],
    ['rise', { samples: 300, seed: 1 }],
    ['sobol', {}],
    ['kernel-shap', { samples: 300, seed: 1 }],
    ['lime', { samples: 300, seed: 1 }],
    ['extremal-perturbation', { area: 0.05, iterations: 100 }],
  ];
  for (const [method, options] of others) {
    const s = await benchmark(method, options);
    assert.ok(s.pointing > 2 * s.random, `${method}: pointing game ${s.pointing} vs random ${s.random}`);
  }
});
