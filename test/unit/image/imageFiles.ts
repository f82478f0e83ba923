// Image files for the tests, made here: PNGs of every color type (pngjs for gray, gray+alpha, RGB, RGBA at 8 and 16
// bits; palette and 1/2/4-bit gray written chunk by chunk, since pngjs cannot write those) and JPEGs from jpeg-js.
import * as jpeg from 'jpeg-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

export const tempDir = () => mkdtempSync(join(tmpdir(), 'lens-image-'));

export function writeFile(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A test pattern: value of channel c at (x, y) in [0, 1]. */
export const pattern = (x: number, y: number, c: number, w: number, h: number) => ((x + 1) * (c + 1) * 37 + (y + 1) * 53) % 256 / 255 * 0.9 + (x / w + y / h) * 0.05;

/** pngjs writes color types 0 (gray), 2 (RGB), 4 (gray+alpha), 6 (RGBA) at 8 or 16 bits. */
export function pngjsImage(width: number, height: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16, value: (x: number, y: number, c: number) => number): Uint8Array {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const max = bitDepth === 16 ? 65535 : 255;
  const samples = new (bitDepth === 16 ? Uint16Array : Uint8Array)(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) samples[(y * width + x) * channels + c] = Math.round(value(x, y, c) * max);
    }
  }
  const png = new PNG({ width, height, bitDepth, colorType, inputColorType: colorType, inputHasAlpha: colorType >= 4 });
  png.data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return new Uint8Array(PNG.sync.write(png, { bitDepth, colorType, inputColorType: colorType, inputHasAlpha: colorType >= 4 }));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'ascii'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * A PNG written chunk by chunk from packed scanlines (filter 0): for palette images and gray at 1, 2 or 4 bits.
 * `sample(x, y)` is the palette index or gray level.
 */
export function craftedPng(
  width: number,
  height: number,
  colorType: 0 | 3,
  bitDepth: 1 | 2 | 4 | 8,
  sample: (x: number, y: number) => number,
  palette?: number[][],
  alpha?: number[],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      raw[y * (rowBytes + 1) + 1 + (bit >> 3)] |= sample(x, y) << (8 - bitDepth - (bit & 7));
    }
  }
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (palette) parts.push(chunk('PLTE', Uint8Array.from(palette.flat())));
  if (alpha) parts.push(chunk('tRNS', Uint8Array.from(alpha)));
  parts.push(chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

/** A PNG header (signature + IHDR) claiming a size, with no image data. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return concat([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IEND', new Uint8Array(0))]);
}

/** A JPEG (jpeg-js encoder, color) of `value`; gray images are made by equal channels. */
export function jpegImage(width: number, height: number, value: (x: number, y: number, c: number) => number, quality = 95): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 4 + c] = Math.round(value(x, y, c) * 255);
      data[(y * width + x) * 4 + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ width, height, data }, quality).data);
}
