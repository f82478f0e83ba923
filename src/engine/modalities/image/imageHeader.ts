// What an image file is, read from its first bytes (never from its extension), and its size from the header, so
// unsupported, corrupt and huge files are refused before anything is decoded.
import { EngineError } from '../../errors';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Channels stored in the file: 1 gray, 2 gray+alpha, 3 color, 4 color+alpha (PNG) or CMYK (JPEG). */
  channels: number;
  /** Bits per sample (PNG 1–16, JPEG 8). */
  bitDepth: number;
  /** PNG color type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA); JPEG: the SOF marker's coding. */
  detail: string;
}

/** Decoded pixels above this count are refused (the decoders would need gigabytes). */
export const MAX_IMAGE_PIXELS = 100_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/** Formats recognised only to name them in the error. */
function otherFormat(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 0, 4) === 'GIF8') return 'GIF';
  if (ascii(bytes, 0, 2) === 'BM') return 'BMP';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'WebP';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (ascii(bytes, 4, 8) === 'ftyp') return `${ascii(bytes, 8, 12).trim() || 'ISO media'} (HEIF/AVIF)`;
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ICO';
  if (/^\s*</.test(ascii(bytes, 0, Math.min(64, bytes.length)))) return 'SVG/XML text';
  return undefined;
}

/** A short, printable description of how the file starts, for "not an image" errors. */
function firstBytes(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f) || (head.length > 0 && head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09));
  return printable ? `text '${ascii(head, 0, head.length).replace(/\s+/g, ' ')}'` : `bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

export function sniffFormat(bytes: Uint8Array, path: string): ImageFormat {
  if (bytes.length === 0) throw new EngineError('INPUT_INVALID', 'image file is empty', path);
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  const other = otherFormat(bytes);
  if (other) throw new EngineError('INPUT_INVALID', `${other} images are not supported; use PNG or JPEG`, path);
  throw new EngineError('INPUT_INVALID', `not a PNG or JPEG image (the file starts with ${firstBytes(bytes)})`, path);
}

const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
const PNG_KIND: Record<number, string> = { 0: 'gray', 2: 'RGB', 3: 'palette', 4: 'gray+alpha', 6: 'RGBA' };

function pngHeader(bytes: Uint8Array, path: string): ImageHeader {
  if (bytes.length < 33) throw new EngineError('INPUT_INVALID', 'PNG file is truncated (no complete IHDR header)', path);
  if (u32(bytes, 8) !== 13 || ascii(bytes, 12, 16) !== 'IHDR') throw new EngineError('INPUT_INVALID', 'corrupt PNG: the first chunk is not a valid IHDR', path);
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  if (!PNG_DEPTHS[colorType]) throw new EngineError('INPUT_INVALID', `corrupt PNG: unknown color type ${colorType}`, path);
  if (!PNG_DEPTHS[colorType].includes(bitDepth)) {
    throw new EngineError('INPUT_INVALID', `corrupt PNG: bit depth ${bitDepth} is not valid for color type ${colorType}`, path);
  }
  return { format: 'png', width, height, channels: PNG_CHANNELS[colorType], bitDepth, detail: `${PNG_KIND[colorType]}, ${bitDepth}-bit${bytes[28] ? ', interlaced' : ''}` };
}

/** SOF markers: the frame header holds precision, height, width and the component count. */
const SOF_KIND: Record<number, string> = {
  0xc0: 'baseline',
  0xc1: 'extended sequential',
  0xc2: 'progressive',
  0xc3: 'lossless',
  0xc5: 'differential sequential',
  0xc6: 'differential progressive',
  0xc7: 'differential lossless',
  0xc9: 'arithmetic-coded sequential',
  0xca: 'arithmetic-coded progressive',
  0xcb: 'arithmetic-coded lossless',
  0xcd: 'arithmetic-coded differential sequential',
  0xce: 'arithmetic-coded differential progressive',
  0xcf: 'arithmetic-coded differential lossless',
};
/** The Huffman-coded 8-bit codings the decoder (jpeg-js) handles. */
const DECODABLE_SOF = new Set([0xc0, 0xc1, 0xc2]);

function jpegHeader(bytes: Uint8Array, path: string): ImageHeader {
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw new EngineError('INPUT_INVALID', `corrupt JPEG: expected a marker at byte ${at}`, path);
    while (bytes[at] === 0xff) at++; // fill bytes
    const marker = bytes[at++];
    if (marker === undefined) break;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) {
      throw new EngineError('INPUT_INVALID', `corrupt JPEG: image data starts before the frame header`, path);
    }
    if (at + 2 > bytes.length) break;
    const length = u16(bytes, at);
    if (length < 2) throw new EngineError('INPUT_INVALID', `corrupt JPEG: segment length ${length} at byte ${at}`, path);
    if (SOF_KIND[marker]) {
      if (at + 8 > bytes.length) break;
      const precision = bytes[at + 2];
      const height = u16(bytes, at + 3);
      const width = u16(bytes, at + 5);
      const channels = bytes[at + 7];
      if (!DECODABLE_SOF.has(marker) || precision !== 8) {
        throw new EngineError('UNSUPPORTED', `${SOF_KIND[marker]} ${precision}-bit JPEG is not supported (only baseline and progressive 8-bit)`, path);
      }
      if (height === 0) throw new EngineError('UNSUPPORTED', 'JPEG without a height in its frame header (DNL) is not supported', path);
      if (![1, 3, 4].includes(channels)) throw new EngineError('INPUT_INVALID', `corrupt JPEG: ${channels} color components`, path);
      const space = channels === 1 ? 'grayscale' : channels === 3 ? 'color' : 'CMYK/YCCK';
      return { format: 'jpeg', width, height, channels, bitDepth: precision, detail: `${SOF_KIND[marker]}, ${space}` };
    }
    at += length;
  }
  throw new EngineError('INPUT_INVALID', 'JPEG file is truncated (no frame header found)', path);
}

/** Format and size from the header; refuses zero-sized and huge images. */
export function readImageHeader(bytes: Uint8Array, path: string): ImageHeader {
  const format = sniffFormat(bytes, path);
  const header = format === 'png' ? pngHeader(bytes, path) : jpegHeader(bytes, path);
  if (header.width === 0 || header.height === 0) {
    throw new EngineError('INPUT_INVALID', `corrupt ${format.toUpperCase()}: the header gives a size of ${header.width}×${header.height}`, path);
  }
  const pixels = header.width * header.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new EngineError(
      'INPUT_INVALID',
      `image is too large: ${header.width}×${header.height} (${(pixels / 1e6).toFixed(0)} megapixels; the limit is ${MAX_IMAGE_PIXELS / 1e6}); downscale it first`,
      path,
    );
  }
  return header;
}
