// The gallery's host-side data: cards made from explanations (thumbnail and map downscaled on the same blocks) and
// validation of the webview's messages and saved state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { downscaleValues, galleryItemFrom, nameInFolder, parseGalleryMessage, parseGalleryState, thumbnailFactor } from '../../src/extension/panels/galleryMessages';
import type { GalleryItem, GalleryState } from '../../src/shared/galleryProtocol';
import type { Explanation } from '../../src/shared/types';
import { sampleExplanation } from './helpers/explanationFixture';

/** A width × height PNG whose red channel is x and green channel is y. */
function pngBase64(width: number, height: number): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      png.data[p] = x % 256;
      png.data[p + 1] = y % 256;
      png.data[p + 2] = 7;
      png.data[p + 3] = 255;
    }
  }
  return PNG.sync.write(png).toString('base64');
}

function imageExplanation(file: string, width: number, height: number, values: number[], prediction: Explanation['prediction']): Explanation {
  return sampleExplanation({
    method: { id: 'grad-cam', options: { layer: 'conv3' } },
    target: { index: prediction.index, ...(prediction.label ? { label: prediction.label } : {}) },
    prediction,
    attributions: { shape: [height, width, 1], values },
    features: [],
    input: { source: file, shape: [height, width, 3] },
    image: {
      width,
      height,
      layout: 'NHWC',
      channels: 'RGB',
      pixelMap: { shape: [height, width], values },
      channelReduction: 'replicated',
      preview: { mime: 'image/png', base64: pngBase64(width, height) },
      original: { format: 'png', width, height, detail: 'RGB, 8-bit' },
    },
  });
}

test('webview messages are accepted only in their declared shapes', () => {
  assert.deepEqual(parseGalleryMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.deepEqual(parseGalleryMessage({ type: 'open', index: 3, file: '/f/a.png', extra: 'x' }), { type: 'open', index: 3, file: '/f/a.png' });
  for (const bad of [null, 'open', [], { type: 'open' }, { type: 'open', index: -1, file: '/a' }, { type: 'open', index: 1.5, file: '/a' },
    { type: 'open', index: '1', file: '/a' }, { type: 'open', index: 1 }, { type: 'open', index: 1, file: '' }, { type: 'open', index: 1, file: 7 },
    { type: 'open', index: 1, file: 'x'.repeat(5000) }, { type: 'runCommand', command: 'x' }, { type: 'rerun', method: 'saliency' }]) {
    assert.equal(parseGalleryMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('a card from a small image keeps the preview and the map as they are', () => {
  const values = Array.from({ length: 8 * 4 }, (_, i) => i - 10);
  const e = imageExplanation('/data/imgs/sub/cat.png', 8, 4, values, { scores: [0.2, 0.8], index: 1, label: 'cat', labels: ['dog', 'cat'] });
  const item = galleryItemFrom(e, '/data/imgs')!;
  assert.equal(item.file, '/data/imgs/sub/cat.png');
  assert.equal(item.name, 'sub/cat.png');
  assert.deepEqual(item.prediction, { index: 1, label: 'cat', score: 0.8, probabilities: true });
  assert.deepEqual(item.target, { index: 1, label: 'cat' });
  assert.equal(item.method, 'grad-cam');
  assert.deepEqual(item.inputSize, { width: 8, height: 4 });
  assert.equal(item.thumbnail.base64, e.image!.preview.base64);
  assert.deepEqual([item.thumbnail.width, item.thumbnail.height], [8, 4]);
  assert.deepEqual(item.map, { width: 8, height: 4, values });
});

test('a card from a large image averages the preview and the map over the same blocks', () => {
  const width = 202;
  const height = 102;
  const values = Array.from({ length: width * height }, (_, i) => (i % width) + 1000 * Math.floor(i / width));
  const f = thumbnailFactor(width, height);
  assert.equal(f, 4);
  // Exact block means: block (1, 2) covers x 4..7 and y 8..11; the last column and row are partial.
  const exact = downscaleValues(values, width, height, f);
  assert.deepEqual([exact.width, exact.height], [51, 26]);
  assert.equal(exact.values[2 * 51 + 1], 5.5 + 9500);
  assert.equal(exact.values[50], 200.5 + 1500);
  assert.equal(exact.values[25 * 51], 1.5 + 100500);

  const e = imageExplanation('/imgs/big.png', width, height, values, { scores: [3.5, -1], index: 0 });
  const item = galleryItemFrom(e, '/imgs')!;
  assert.deepEqual([item.thumbnail.width, item.thumbnail.height], [51, 26]);
  assert.deepEqual([item.map.width, item.map.height], [51, 26]);
  assert.deepEqual(item.map.values, exact.values.map((v) => Number(v.toPrecision(3))));
  // The thumbnail's block (1, 2): red is the mean x (5.5), green the mean y (9.5), rounded.
  const thumb = PNG.sync.read(Buffer.from(item.thumbnail.base64, 'base64'));
  const p = (2 * 51 + 1) * 4;
  assert.deepEqual([thumb.data[p], thumb.data[p + 1], thumb.data[p + 2], thumb.data[p + 3]], [6, 10, 7, 255]);
  // No labels: the card says which output; scores that are not probabilities are shown as scores.
  assert.deepEqual(item.prediction, { index: 0, label: 'output 0', score: 3.5, probabilities: false });
  assert.ok(thumbnailFactor(64, 64) === 1 && thumbnailFactor(65, 10) === 2);
  assert.deepEqual(downscaleValues([1, NaN, 3, Infinity], 2, 2, 2).values, [2]);
});

test('an explanation without a usable image part gives no card', () => {
  assert.equal(galleryItemFrom(sampleExplanation(), '/data'), undefined);
  const e = imageExplanation('/imgs/a.png', 4, 4, new Array(16).fill(1), { scores: [1], index: 0 });
  e.image!.pixelMap.values = [1, 2];
  assert.equal(galleryItemFrom(e, '/imgs'), undefined);
  const bad = imageExplanation('/imgs/a.png', 4, 4, new Array(16).fill(1), { scores: [1], index: 0 });
  bad.image!.preview.base64 = 'not base64!';
  assert.equal(galleryItemFrom(bad, '/imgs'), undefined);
});

test('names inside the folder only', () => {
  assert.equal(nameInFolder('/a/b', '/a/b/c/d.png'), 'c/d.png');
  assert.equal(nameInFolder('/a/b', '/a/bc/d.png'), undefined);
  assert.equal(nameInFolder('/a/b', '/a/d.png'), undefined);
  assert.equal(nameInFolder('/a/b', '/a/b'), undefined);
});

function sampleState(): GalleryState {
  const values = [0.5, NaN, -1, 2];
  const e = imageExplanation('/imgs/a.png', 2, 2, values, { scores: [0.1, 0.9], index: 1, label: 'b', labels: ['a', 'b'] });
  const item = galleryItemFrom(e, '/imgs')!;
  return {
    run: { folder: '/imgs', modelPath: '/models/m/model.json', method: 'grad-cam', found: 3, limit: 500 },
    items: [item],
    failures: [{ file: '/imgs/broken.png', name: 'broken.png', error: 'corrupt PNG: bad' }],
    status: { state: 'done' },
    filter: 'b',
  };
}

test('saved state survives a JSON round trip (NaN map values included)', () => {
  const state = sampleState();
  const restored = parseGalleryState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(restored, state);
  assert.ok(Number.isNaN(restored.items![0]!.map.values[1]));
});

test('saved state: cards and failures outside the folder or malformed are left out; a running run reads as cancelled', () => {
  const state = JSON.parse(JSON.stringify(sampleState())) as GalleryState & { items: GalleryItem[] };
  const good = state.items[0]!;
  const variants: unknown[] = [
    { ...good, file: '/etc/passwd' },
    { ...good, file: 'relative.png' },
    { ...good, method: 'eval' },
    { ...good, thumbnail: { ...good.thumbnail, base64: '"><script>' } },
    { ...good, map: { ...good.map, values: [1, 2, 3] } },
    { ...good, map: { ...good.map, width: 1, height: 4 } },
    { ...good, map: { ...good.map, values: ['1', 2, 3, 4] } },
    { ...good, prediction: { ...good.prediction, index: -1 } },
    { ...good, prediction: { ...good.prediction, label: 3 } },
    null,
    'card',
  ];
  const restored = parseGalleryState({
    ...state,
    items: [...variants, good],
    failures: [...state.failures!, { file: '/elsewhere/x.png', error: 'e' }, { file: '/imgs/y.png', error: 42 }],
    status: { state: 'running', done: 1, total: 3 },
  });
  assert.equal(restored.items!.length, 1);
  assert.equal(restored.items![0]!.file, '/imgs/a.png');
  assert.deepEqual(restored.failures!.map((f) => f.name), ['broken.png']);
  assert.deepEqual(restored.status, { state: 'cancelled', done: 1, total: 3 });
  // Without a valid run nothing is restored.
  assert.deepEqual(parseGalleryState({ ...state, run: { ...state.run, method: 'nope' } }), {});
  assert.deepEqual(parseGalleryState({ ...state, run: { ...state.run, folder: 'relative' } }), {});
  assert.deepEqual(parseGalleryState('x'), {});
  assert.deepEqual(parseGalleryState({ ...state, status: { state: 'exploded' }, filter: 7 }).status, { state: 'done' });
  assert.equal(parseGalleryState({ ...state, filter: 7 }).filter, undefined);
});
