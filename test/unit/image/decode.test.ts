// Image decoding: every PNG color type and bit depth, JPEG (color, grayscale, progressive, CMYK), and clear, fast
// errors for what is not a supported image.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { decodeImage } from '../../../src/engine/modalities/image/decode';
import { MAX_IMAGE_PIXELS, readImageHeader } from '../../../src/engine/modalities/image/imageHeader';
import { craftedPng, jpegImage, pngHeaderOnly, pngjsImage } from './imageFiles';

const W = 5;
const H = 3;
const value = (x: number, y: number, c: number) => ((x * 7 + y * 13 + c * 29) % 17) / 16;

/** Decoded RGBA as 0–255 floats. */
function rgbaAt(bytes: Uint8Array) {
  const d = decodeImage(bytes, 'test.png');
  return { d, at: (x: number, y: number, c: number) => (d.rgba[(y * d.width + x) * 4 + c] * 255) / d.maxValue };
}

function throwsEngine(fn: () => unknown, code: string, fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EngineError, `EngineError expected, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!e.message.includes('\n'), 'one line');
    for (const f of fragments) assert.ok(e.message.includes(f), `${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

test('PNG written by pngjs: gray, gray+alpha, RGB, RGBA at 8 and 16 bits decode to the written values', () => {
  for (const colorType of [0, 2, 4, 6] as const) {
    for (const bitDepth of [8, 16] as const) {
      const bytes = pngjsImage(W, H, colorType, bitDepth, value);
      const { d, at } = rgbaAt(bytes);
      assert.equal(d.width, W);
      assert.equal(d.height, H);
      assert.equal(d.header.bitDepth, bitDepth);
      assert.equal(d.maxValue, bitDepth === 16 ? 65535 : 255);
      const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
      assert.equal(d.header.channels, channels);
      const tol = bitDepth === 16 ? 0.01 : 0.51;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          for (let c = 0; c < 3; c++) {
            const expected = 255 * value(x, y, channels <= 2 ? 0 : c);
            assert.ok(Math.abs(at(x, y, c) - expected) <= tol, `type ${colorType}/${bitDepth} (${x},${y},${c}): ${at(x, y, c)} vs ${expected}`);
          }
          if (colorType >= 4) {
            const a = 255 * value(x, y, channels - 1);
            assert.ok(Math.abs(at(x, y, 3) - a) <= tol, 'alpha kept');
          }
        }
      }
      assert.equal(d.translucent, colorType >= 4);
    }
  }
});

test('PNG palette (with tRNS) and 1/2/4-bit grayscale decode', () => {
  const palette = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [10, 20, 30],
  ];
  const index = (x: number, y: number) => (x + y) % 4;
  for (const bitDepth of [2, 4, 8] as const) {
    const { d, at } = rgbaAt(craftedPng(W, H, 3, bitDepth, index, palette, [255, 255, 128]));
    assert.equal(d.header.detail.startsWith('palette'), true);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) assert.equal(at(x, y, c), palette[index(x, y)][c], `palette ${bitDepth} (${x},${y})`);
        assert.equal(at(x, y, 3), [255, 255, 128, 255][index(x, y)], 'tRNS alpha');
      }
    }
    assert.equal(d.translucent, true);
  }
  for (const bitDepth of [1, 2, 4] as const) {
    const levels = 2 ** bitDepth - 1;
    const gray = (x: number, y: number) => (x * 3 + y) % (levels + 1);
    const { at } = rgbaAt(craftedPng(W, H, 0, bitDepth, gray));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const expected = Math.round((gray(x, y) * 255) / levels);
        for (let c = 0; c < 3; c++) assert.equal(at(x, y, c), expected, `${bitDepth}-bit gray (${x},${y}) scaled to 0–255`);
      }
    }
  }
});

test('JPEG: color from jpeg-js, and grayscale, progressive and CMYK files decode close to the source', () => {
  const width = 16;
  const height = 12;
  const smooth = (x: number, y: number, c: number) => [x / (width - 1), y / (height - 1), 0.5][c];
  const { d, at } = rgbaAt(jpegImage(width, height, smooth));
  assert.equal(d.header.format, 'jpeg');
  assert.equal(d.header.channels, 3);
  assert.ok(!d.notes.some((n) => n.includes('EXIF orientation')), 'no EXIF: pixels as stored, nothing to note');
  let worst = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(at(x, y, c) - 255 * smooth(x, y, c)));
  assert.ok(worst < 12, `color JPEG within JPEG loss: ${worst}`);

  const dir = join(__dirname, '../../fixtures/image/jpeg');
  const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
  // The PIL fixtures hold the same pattern: R = x ramp, G = y ramp, B = 128.
  const ref = (x: number, y: number) => [(255 * x) / (width - 1), (255 * y) / (height - 1), 128];
  const gray = rgbaAt(read('gray.jpg'));
  assert.equal(gray.d.header.channels, 1);
  assert.ok(gray.d.header.detail.includes('grayscale'));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = ref(x, y);
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      assert.ok(Math.abs(gray.at(x, y, 0) - luma) < 12, `gray (${x},${y}): ${gray.at(x, y, 0)} vs ${luma}`);
      assert.equal(gray.at(x, y, 0), gray.at(x, y, 1));
    }
  }
  for (const file of ['progressive.jpg', 'cmyk.jpg']) {
    const img = rgbaAt(read(file));
    assert.ok(img.d.header.detail.includes(file === 'cmyk.jpg' ? 'CMYK' : 'progressive'), img.d.header.detail);
    let err = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) err = Math.max(err, Math.abs(img.at(x, y, c) - ref(x, y)[c]));
    assert.ok(err < 20, `${file}: max error ${err}`);
  }
});

test('format is decided by magic bytes: text, GIF, truncated and flipped files are clear errors', () => {
  throwsEngine(() => decodeImage(new TextEncoder().encode('{"input": [1, 2, 3]}'), 'fake.png'), 'INPUT_INVALID', ['fake.png', 'not a PNG or JPEG', "text '{\"input\""]);
  throwsEngine(() => decodeImage(new TextEncoder().encode('GIF89a....'), 'a.png'), 'INPUT_INVALID', ['GIF images are not supported']);
  throwsEngine(() => decodeImage(new Uint8Array(0), 'empty.png'), 'INPUT_INVALID', ['empty']);

  const good = pngjsImage(8, 8, 2, 8, value);
  throwsEngine(() => decodeImage(good.subarray(0, 20), 't.png'), 'INPUT_INVALID', ['PNG file is truncated']);
  throwsEngine(() => decodeImage(good.subarray(0, good.length - 30), 't.png'), 'INPUT_INVALID', ['PNG']);
  // Flipped bytes inside the image data: the chunk CRC no longer matches.
  const flipped = good.slice();
  for (let i = 45; i < 55; i++) flipped[i] ^= 0xff;
  throwsEngine(() => decodeImage(flipped, 'f.png'), 'INPUT_INVALID', ['corrupt PNG']);
  // A broken IHDR.
  const badHeader = good.slice();
  badHeader[25] = 5; // color type 5 does not exist
  throwsEngine(() => decodeImage(badHeader, 'h.png'), 'INPUT_INVALID', ['unknown color type 5']);

  const jpg = jpegImage(16, 16, value);
  throwsEngine(() => decodeImage(jpg.subarray(0, 4), 't.jpg'), 'INPUT_INVALID', ['JPEG']);
  throwsEngine(() => decodeImage(jpg.subarray(0, Math.floor(jpg.length * 0.7)), 't.jpg'), 'INPUT_INVALID', ['JPEG']);
});

test('huge images are refused from the header, before any decoding', () => {
  const claim = pngHeaderOnly(100_000, 100_000);
  throwsEngine(() => decodeImage(claim, 'huge.png'), 'INPUT_INVALID', ['too large', '100000×100000', `limit is ${MAX_IMAGE_PIXELS / 1e6}`]);
  // The same header is fine for the header reader below the limit; the check is on pixels, not bytes.
  assert.equal(readImageHeader(pngHeaderOnly(1000, 1000), 'ok.png').width, 1000);
  // A JPEG whose frame header claims 65535×65535.
  const jpg = jpegImage(8, 8, value);
  const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
  jpg[sof + 5] = 0xff;
  jpg[sof + 6] = 0xff;
  jpg[sof + 7] = 0xff;
  jpg[sof + 8] = 0xff;
  throwsEngine(() => decodeImage(jpg, 'huge.jpg'), 'INPUT_INVALID', ['too large', '65535×65535']);
});
