// Decodes PNG (pngjs: every color type and bit depth) and JPEG (jpeg-js: baseline and progressive, grayscale,
// color, Adobe CMYK/YCCK) into RGBA samples. 16-bit PNGs keep their precision. The header is checked first
// (format by magic bytes, size limit), so the decoders only ever see files of a sane size.
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../../errors';
import { applyOrientation, ORIENTATION_NAMES, readExifOrientation } from './exifOrientation';
import { MAX_IMAGE_PIXELS, readImageHeader, type ImageHeader } from './imageHeader';

export interface DecodedImage {
  header: ImageHeader;
  width: number;
  height: number;
  /** RGBA, row-major, 4 samples per pixel; gray and palette images are expanded to RGB by the decoders. */
  rgba: Uint8Array | Uint16Array;
  /** Largest sample value: 255, or 65535 for 16-bit PNGs. */
  maxValue: number;
  /** Some pixel is not fully opaque. */
  translucent: boolean;
  /** What was done to the file's pixels to get RGB, for the explanation's notes. */
  notes: string[];
}

/** The decoder's message without its stack, trimmed to one line. */
const reason = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);

function decodePng(bytes: Uint8Array, header: ImageHeader, path: string): DecodedImage {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    // skipRescale keeps 16-bit samples; for 1–4-bit gray it would also skip scaling them to 0–255, so only for 16.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: header.bitDepth === 16 });
  } catch (e) {
    const why = reason(e);
    const truncated = /end of input|unexpected end|incomplete|too short|unexpected eof|truncat/i.test(why);
    throw new EngineError('INPUT_INVALID', `${truncated ? 'truncated' : 'corrupt'} PNG: ${why}`, path);
  }
  const sixteen = header.bitDepth === 16;
  const rgba = sixteen ? new Uint16Array(png.data as unknown as ArrayLike<number>) : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const maxValue = sixteen ? 65535 : 255;
  const expected = png.width * png.height * 4;
  if (rgba.length !== expected) throw new EngineError('INPUT_INVALID', `corrupt PNG: decoded ${rgba.length} samples, expected ${expected}`, path);
  const notes: string[] = [];
  if (header.bitDepth < 8) notes.push(`${header.bitDepth}-bit samples scaled to 8-bit`);
  if (sixteen) notes.push('16-bit samples kept at full precision (value / 257 on the 0–255 scale)');
  return { header, width: png.width, height: png.height, rgba, maxValue, translucent: hasTranslucency(rgba, maxValue), notes };
}

function decodeJpeg(bytes: Uint8Array, header: ImageHeader, path: string): DecodedImage {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // Broken files fail here instead of decoding to gray blocks.
      tolerantDecoding: false,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 2048,
    });
  } catch (e) {
    const why = reason(e);
    const unsupported = /unsupported/i.test(why);
    throw new EngineError(unsupported ? 'UNSUPPORTED' : 'INPUT_INVALID', `${unsupported ? 'unsupported' : 'corrupt or truncated'} JPEG: ${why}`, path);
  }
  const notes: string[] = [];
  if (header.channels === 4) notes.push('CMYK/YCCK converted to RGB without a color profile');
  if (image.width !== header.width || image.height !== header.height) {
    throw new EngineError('INPUT_INVALID', `corrupt JPEG: header says ${header.width}×${header.height}, data ${image.width}×${image.height}`, path);
  }
  // Turned as viewers show it: the model sees what the user sees.
  const orientation = readExifOrientation(bytes) ?? 1;
  if (orientation === 1) return { header, width: image.width, height: image.height, rgba: image.data, maxValue: 255, translucent: false, notes };
  const turned = applyOrientation(image.data, image.width, image.height, orientation);
  notes.push(`EXIF orientation ${orientation} applied: ${ORIENTATION_NAMES[orientation]} (${turned.width}×${turned.height} as displayed)`);
  return { header, width: turned.width, height: turned.height, rgba: turned.rgba, maxValue: 255, translucent: false, notes };
}

function hasTranslucency(rgba: Uint8Array | Uint16Array, maxValue: number): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== maxValue) return true;
  return false;
}

/** Header check, then decode. Errors name the file and say whether it is unsupported, corrupt, truncated or huge. */
export function decodeImage(bytes: Uint8Array, path: string): DecodedImage {
  const header = readImageHeader(bytes, path);
  if (header.format === 'jpeg') return decodeJpeg(bytes, header, path);
  const decoded = decodePng(bytes, header, path);
  if (decoded.width !== header.width || decoded.height !== header.height) {
    throw new EngineError('INPUT_INVALID', `corrupt PNG: header says ${header.width}×${header.height}, data ${decoded.width}×${decoded.height}`, path);
  }
  return decoded;
}
