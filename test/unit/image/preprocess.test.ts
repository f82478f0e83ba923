// From decoded pixels to the model's input: the spec (manifest or inferred, with notes), resizing, channel order,
// grayscale, scale/mean/std and layout; and the per-pixel map back from attributions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { decodeImage } from '../../../src/engine/modalities/image/decode';
import { parseImageSection, resolveImageSpec, type ImageSpec } from '../../../src/engine/modalities/image/imageSpec';
import { pixelMap } from '../../../src/engine/modalities/image/pixelMap';
import { toModelInput } from '../../../src/engine/modalities/image/preprocess';
import { resizeMap } from '../../../src/engine/modalities/image/resample';
import { pngjsImage } from './imageFiles';

const spec = (over: Partial<ImageSpec>): ImageSpec => ({
  height: 4,
  width: 4,
  layout: 'NHWC',
  channels: 'RGB',
  scale: 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: 'stretch',
  ...over,
});

const rgbImage = (w: number, h: number, f: (x: number, y: number, c: number) => number) => decodeImage(pngjsImage(w, h, 2, 8, f), 'x.png');

test('spec inferred from the model input shape, with the assumptions listed', () => {
  const nhwc = resolveImageSpec([32, 24, 3], undefined, undefined, 'm.json');
  assert.deepEqual([nhwc.spec.layout, nhwc.spec.channels, nhwc.spec.height, nhwc.spec.width, nhwc.spec.scale], ['NHWC', 'RGB', 32, 24, 255]);
  assert.ok(nhwc.notes.some((n) => n.includes('layout NHWC assumed')));
  assert.ok(nhwc.notes.some((n) => n.includes('no "image" section')));
  assert.equal(resolveImageSpec([3, 8, 8], undefined, undefined, 'm.json').spec.layout, 'NCHW');
  const gray = resolveImageSpec([28, 28], undefined, undefined, 'm.json').spec;
  assert.deepEqual([gray.layout, gray.channels], ['HW', 'L']);
  assert.equal(resolveImageSpec([28, 28, 1], undefined, undefined, 'm.json').spec.channels, 'L');
});

test('wrong channel counts and shapes that are no image are clear errors', () => {
  const check = (fn: () => unknown, code: string, fragment: string) =>
    assert.throws(fn, (e: unknown) => e instanceof EngineError && e.code === code && e.message.includes(fragment) && !e.message.includes('\n'));
  check(() => resolveImageSpec([32, 32, 2], undefined, undefined, 'm.json'), 'INPUT_INVALID', 'is not an image shape');
  check(() => resolveImageSpec([4, 32, 32], { layout: 'NCHW' }, 'm.lens.json', 'm.json'), 'INPUT_INVALID', 'has 4 channels; images give 1 (L) or 3');
  check(() => resolveImageSpec([10], undefined, undefined, 'm.json'), 'INPUT_INVALID', 'an image cannot be fed to it');
  check(() => resolveImageSpec([32, 32, 3], { channels: 'L' }, 'm.lens.json', 'm.json'), 'MODEL_INVALID', 'image.channels L gives 1 channel but');
  check(() => resolveImageSpec([32, 32, 3], { size: [64, 64] }, 'm.lens.json', 'm.json'), 'MODEL_INVALID', 'image.size [64, 64] does not match');
  check(() => resolveImageSpec([32, 32, 3], { mean: [0.5, 0.5] }, 'm.lens.json', 'm.json'), 'MODEL_INVALID', 'image.mean has 2 values');
  check(() => parseImageSection({ layout: 'CHW' }, 'm.lens.json'), 'MODEL_INVALID', 'image.layout must be one of NHWC, NCHW');
  check(() => parseImageSection({ std: [1, 0, 1] }, 'm.lens.json'), 'MODEL_INVALID', 'image.std must not contain 0');
  check(() => parseImageSection({ sizes: [1, 2] }, 'm.lens.json'), 'MODEL_INVALID', 'image.sizes is not a known field');
});

test('same size: values are pixel / scale, normalised by mean and std, in NHWC or NCHW order, RGB or BGR', () => {
  const f = (x: number, y: number, c: number) => ((x + 4 * y) * 3 + c) / 60;
  const image = rgbImage(4, 4, f);
  const byte = (x: number, y: number, c: number) => Math.round(f(x, y, c) * 255);
  const nhwc = toModelInput(image, spec({ mean: [0.1, 0.2, 0.3], std: [2, 4, 8] }));
  assert.deepEqual(nhwc.shape, [4, 4, 3]);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      for (let c = 0; c < 3; c++) {
        const expected = (byte(x, y, c) / 255 - [0.1, 0.2, 0.3][c]) / [2, 4, 8][c];
        assert.ok(Math.abs(nhwc.values[(y * 4 + x) * 3 + c] - expected) < 1e-6);
      }
    }
  }
  const nchwBgr = toModelInput(image, spec({ layout: 'NCHW', channels: 'BGR', scale: 1 }));
  assert.deepEqual(nchwBgr.shape, [3, 4, 4]);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(nchwBgr.values[(c * 4 + y) * 4 + x] - byte(x, y, 2 - c)) < 1e-4);
  const gray = toModelInput(image, spec({ layout: 'HW', channels: 'L', mean: [0], std: [1], scale: 1 }));
  assert.deepEqual(gray.shape, [4, 4]);
  const luma = 0.299 * byte(1, 2, 0) + 0.587 * byte(1, 2, 1) + 0.114 * byte(1, 2, 2);
  assert.ok(Math.abs(gray.values[2 * 4 + 1] - luma) < 1e-3);
  assert.ok(gray.notes.some((n) => n.includes('converted to grayscale')));
});

test('resize: stretch averages when shrinking (antialiased), interpolates when enlarging; center-crop keeps the middle', () => {
  // 8×4 image: left half black, right half white, shrunk to 2×2. As PIL's BILINEAR, the triangle filter widens to
  // the scale (4 px): output pixel 0 (centre 2) weighs source pixels 0..5 by 1 − |k + ½ − 2| / 4, so the white
  // pixels 4 and 5 contribute (0.375 + 0.125) / 3.5 = 1/7 of 255 = 36.
  const halves = rgbImage(8, 4, (x) => (x < 4 ? 0 : 1));
  const small = toModelInput(halves, spec({ height: 2, width: 2, scale: 1 }));
  assert.deepEqual(Array.from(small.values).map((v) => Math.round(v)), [36, 36, 36, 219, 219, 219, 36, 36, 36, 219, 219, 219]);
  assert.ok(small.notes.some((n) => n.includes('resized from 8×4 to 2×2 (stretch')));
  // A 2×1 image (0 and 255) enlarged to 4×1: half-pixel centres give 0, 64, 191, 255.
  const pair = rgbImage(2, 1, (x) => x);
  const wide = toModelInput(pair, spec({ height: 1, width: 4, scale: 1 }));
  assert.deepEqual([0, 1, 2, 3].map((x) => Math.round(wide.values[x * 3])), [0, 64, 191, 255]);
  // Center-crop of a 12×4 image with a marked middle third to 4×4 keeps only the middle third.
  const bands = rgbImage(12, 4, (x) => (x >= 4 && x < 8 ? 1 : 0));
  const crop = toModelInput(bands, spec({ resize: 'center-crop', scale: 1 }));
  assert.ok(Array.from(crop.values).every((v) => Math.abs(v - 255) < 1e-3), 'only the white middle remains');
  const stretched = toModelInput(bands, spec({ scale: 1 }));
  assert.ok(Array.from(stretched.values).some((v) => v < 100), 'stretching keeps the black sides');
});

test('grayscale files feed RGB models (replicated), with a note; the preview is what the model saw', () => {
  const gray = decodeImage(pngjsImage(4, 4, 0, 8, (x, y) => (x + y) / 6), 'g.png');
  const input = toModelInput(gray, spec({ scale: 1 }));
  for (let p = 0; p < 16; p++) assert.ok(input.values[p * 3] === input.values[p * 3 + 1] && input.values[p * 3 + 1] === input.values[p * 3 + 2]);
  assert.ok(input.notes.some((n) => n.includes('grayscale image')));
  assert.deepEqual(Array.from(input.rgb.subarray(0, 3)), [0, 0, 0]);
});

test('pixel map: channels summed, or the common value when replicated; layouts honoured', () => {
  const summed = pixelMap([1, 2, 3, 10, 20, 30], { layout: 'NHWC', height: 1, width: 2, channels: 3 });
  assert.deepEqual(Array.from(summed.map), [6, 60]);
  assert.equal(summed.reduction, 'sum');
  const replicated = pixelMap([5, 5, 5, 7, 7, 7], { layout: 'NHWC', height: 1, width: 2, channels: 3 });
  assert.deepEqual(Array.from(replicated.map), [5, 7]);
  assert.equal(replicated.reduction, 'replicated');
  const nchw = pixelMap([1, 2, 10, 20, 100, 200], { layout: 'NCHW', height: 1, width: 2, channels: 3 });
  assert.deepEqual(Array.from(nchw.map), [111, 222]);
});

test('resizeMap: bilinear with half-pixel centres, as torch interpolate(align_corners=False)', () => {
  // torch: F.interpolate(tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4), mode='bilinear', align_corners=False)
  const expected = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
  assert.deepEqual(Array.from(resizeMap([0, 1, 2, 3], 2, 2, 4, 4)), expected);
});
