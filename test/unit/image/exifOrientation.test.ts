// JPEG EXIF orientation: the decoded pixels are turned as viewers show them, for all 8 orientations, in both
// TIFF byte orders; unreadable or absent metadata leaves the pixels as stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImage } from '../../../src/engine/modalities/image/decode';
import { readExifOrientation } from '../../../src/engine/modalities/image/exifOrientation';
import { jpegImage } from './imageFiles';

const W = 32;
const H = 16;
type Color = 'R' | 'G' | 'B' | 'W';
const RGB: Record<Color, number[]> = { R: [1, 0, 0], G: [0, 1, 0], B: [0, 0, 1], W: [1, 1, 1] };
// Stored quadrants: top-left red, top-right green, bottom-left blue, bottom-right white.
const stored = jpegImage(W, H, (x, y, c) => RGB[(y < H / 2 ? (x < W / 2 ? 'R' : 'G') : x < W / 2 ? 'B' : 'W') as Color][c]!, 100);

/** The JPEG with an APP1 Exif segment holding only the Orientation tag, inserted after SOI. */
function withOrientation(jpeg: Uint8Array, orientation: number, little: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(8 + 2 + 12 + 4));
  tiff.setUint8(0, little ? 0x49 : 0x4d);
  tiff.setUint8(1, little ? 0x49 : 0x4d);
  tiff.setUint16(2, 42, little);
  tiff.setUint32(4, 8, little);
  tiff.setUint16(8, 1, little);
  tiff.setUint16(10, 0x0112, little);
  tiff.setUint16(12, 3, little);
  tiff.setUint32(14, 1, little);
  tiff.setUint16(18, orientation, little);
  const payload = new Uint8Array([...Buffer.from('Exif\0\0', 'binary'), ...new Uint8Array(tiff.buffer)]);
  const length = payload.length + 2;
  return new Uint8Array([0xff, 0xd8, 0xff, 0xe1, length >> 8, length & 0xff, ...payload, ...jpeg.subarray(2)]);
}

function quadrants(bytes: Uint8Array): { width: number; height: number; corners: Color[] } {
  const d = decodeImage(bytes, 'test.jpg');
  const color = (x: number, y: number): Color => {
    const i = (y * d.width + x) * 4;
    const rgb = [d.rgba[i]!, d.rgba[i + 1]!, d.rgba[i + 2]!].map((v) => v > 127);
    return (Object.entries(RGB).find(([, c]) => c.every((v, k) => Boolean(v) === rgb[k]))?.[0] ?? '?') as Color;
  };
  const [qx, qy] = [Math.floor(d.width / 4), Math.floor(d.height / 4)];
  return { width: d.width, height: d.height, corners: [color(qx, qy), color(d.width - 1 - qx, qy), color(qx, d.height - 1 - qy), color(d.width - 1 - qx, d.height - 1 - qy)] };
}

// Corners as displayed: top-left, top-right, bottom-left, bottom-right (worked out from the EXIF definitions).
const EXPECTED: Record<number, Color[]> = {
  1: ['R', 'G', 'B', 'W'],
  2: ['G', 'R', 'W', 'B'],
  3: ['W', 'B', 'G', 'R'],
  4: ['B', 'W', 'R', 'G'],
  5: ['R', 'B', 'G', 'W'],
  6: ['B', 'R', 'W', 'G'],
  7: ['W', 'G', 'B', 'R'],
  8: ['G', 'W', 'R', 'B'],
};

test('every EXIF orientation turns the pixels as a viewer shows them, in both byte orders', () => {
  assert.deepEqual(quadrants(stored), { width: W, height: H, corners: EXPECTED[1] });
  for (const little of [true, false]) {
    for (let o = 1; o <= 8; o++) {
      const bytes = withOrientation(stored, o, little);
      assert.equal(readExifOrientation(bytes), o);
      const q = quadrants(bytes);
      assert.deepEqual(q.corners, EXPECTED[o], `orientation ${o} (${little ? 'II' : 'MM'})`);
      assert.deepEqual([q.width, q.height], o >= 5 ? [H, W] : [W, H], `orientation ${o} size`);
    }
  }
  const notes = decodeImage(withOrientation(stored, 6, true), 'x.jpg').notes;
  assert.ok(notes.some((n) => n.includes('EXIF orientation 6 applied: rotated 90° clockwise (16×32')), notes.join('; '));
});

test('absent, out-of-range or malformed orientation metadata leaves the pixels as stored', () => {
  assert.equal(readExifOrientation(stored), undefined);
  assert.equal(readExifOrientation(withOrientation(stored, 9, true)), undefined);
  assert.equal(readExifOrientation(withOrientation(stored, 0, false)), undefined);
  // A truncated APP1 length, and a segment that is not Exif.
  const broken = withOrientation(stored, 6, true);
  broken[4] = 0xff;
  assert.equal(readExifOrientation(broken), undefined);
  const other = withOrientation(stored, 6, true);
  other[6] = 'X'.charCodeAt(0);
  assert.equal(readExifOrientation(other), undefined);
  assert.deepEqual(quadrants(other).corners, EXPECTED[1]);
  assert.equal(readExifOrientation(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), undefined);
});
