// explain() on image files: preprocessing per the manifest or inferred (with notes), resized and grayscale inputs,
// manifest/model mismatches, and the image part of the explanation.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { explain } from '../../../src/engine/explain';
import { ModelRegistry } from '../../../src/engine/models/registry';
import type { ExplainRequest } from '../../../src/shared/types';
import { jpegImage, pngjsImage } from './imageFiles';

const fixtures = join(__dirname, '../../fixtures/image');
const model = join(fixtures, 'planted/model.json');
const models = new ModelRegistry();

before(async () => {
  await initBackend('wasm');
});
after(() => models.clear());

/** The planted model without its manifest, or with `manifest` instead. */
function modelCopy(manifest?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-planted-'));
  copyFileSync(model, join(dir, 'model.json'));
  copyFileSync(join(fixtures, 'planted/weights.bin'), join(dir, 'weights.bin'));
  if (manifest) writeFileSync(join(dir, 'model.lens.json'), JSON.stringify(manifest));
  return join(dir, 'model.json');
}

const request = (modelPath: string, path: string, method: ExplainRequest['method'] = 'saliency'): ExplainRequest => ({
  modelPath,
  input: { kind: 'image-file', path },
  method,
});

/** Test image 001 (a green object) as RGB bytes. */
function testImage(): { rgb: Uint8Array; width: number; height: number } {
  const png = PNG.sync.read(readFileSync(join(fixtures, 'test/001.png')));
  const rgb = new Uint8Array(32 * 32 * 3);
  for (let p = 0; p < 32 * 32; p++) rgb.set(png.data.subarray(p * 4, p * 4 + 3), p * 3);
  return { rgb, width: 32, height: 32 };
}

test('a PNG at the model size: same prediction as the fixture, pixel map and preview, no notes needed', async () => {
  const e = await explain(request(model, join(fixtures, 'test/001.png'), 'integrated-gradients'), models);
  assert.equal(e.prediction.label, 'green');
  assert.deepEqual(e.notes, []);
  assert.ok(e.image);
  assert.equal(e.image.channelReduction, 'sum');
  const total = e.attributions.values.reduce((a, b) => a + b, 0);
  const mapTotal = e.image.pixelMap.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - mapTotal) < 1e-4, 'summed over channels, the map keeps the total (IG completeness)');
  assert.deepEqual(e.image.original, { format: 'png', width: 32, height: 32, detail: 'RGB, 8-bit' });
});

test('a larger JPEG is resized (noted), a grayscale PNG feeds the RGB model (noted)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-img-'));
  const { rgb } = testImage();
  const big = jpegImage(64, 64, (x, y, c) => rgb[(Math.floor(y / 2) * 32 + Math.floor(x / 2)) * 3 + c] / 255, 98);
  writeFileSync(join(dir, 'big.jpg'), big);
  const e = await explain(request(model, join(dir, 'big.jpg')), models);
  assert.equal(e.prediction.label, 'green', 'the 2× enlarged JPEG of the green object is still green');
  assert.ok(e.notes?.some((n) => n.includes('resized from 64×64 to 32×32 (stretch')));
  assert.ok(!e.notes?.some((n) => n.includes('EXIF orientation')));
  assert.deepEqual(e.attributions.shape, [32, 32, 3]);

  writeFileSync(join(dir, 'gray.png'), pngjsImage(32, 32, 0, 8, (x, y) => (rgb[(y * 32 + x) * 3] + rgb[(y * 32 + x) * 3 + 1] + rgb[(y * 32 + x) * 3 + 2]) / 765));
  const g = await explain(request(model, join(dir, 'gray.png')), models);
  assert.ok(g.notes?.some((n) => n.includes('grayscale image: the gray value is used for all three channels')));
});

test('without a manifest the layout, channels and scaling are inferred and listed as notes', async () => {
  const e = await explain(request(modelCopy(), join(fixtures, 'test/001.png'), 'grad-cam'), models);
  assert.equal(e.method.options.layout, 'NHWC');
  assert.ok(e.notes?.some((n) => n.includes('layout NHWC assumed')));
  assert.ok(e.notes?.some((n) => n.includes('channels RGB assumed')));
  assert.ok(e.notes?.some((n) => n.includes('no "image" section')));
  assert.equal(e.prediction.index, 1, 'scale 255 assumed, as the manifest says');
});

test('a manifest that contradicts the model is a MODEL_INVALID error naming the manifest', async () => {
  const path = modelCopy({ image: { channels: 'L' } });
  await assert.rejects(
    explain(request(path, join(fixtures, 'test/001.png')), models),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && e.message.includes('model.lens.json') && e.message.includes('image.channels L gives 1 channel'),
  );
  const typo = modelCopy({ image: { scale: -1 } });
  await assert.rejects(
    explain(request(typo, join(fixtures, 'test/001.png')), models),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID' && e.message.includes('image.scale must be a positive number'),
  );
});
