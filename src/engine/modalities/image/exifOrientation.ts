// EXIF orientation of JPEG files: cameras store pixels as the sensor read them and say in the EXIF Orientation tag
// (0x0112) how to turn them for display. Viewers apply it, so the model must see the image turned the same way.
// Only the tag is read: APP1 "Exif" segments before the scan, TIFF header in either byte order, IFD0 entries.

/** 1 (as stored) … 8; undefined when there is no readable tag. */
export function readExifOrientation(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    // Fill bytes, and markers without a length.
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    // Start of scan or end of image: no metadata after this point.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2 || pos + 2 + length > bytes.length) return undefined;
    if (marker === 0xe1) {
      const found = orientationInExif(bytes.subarray(pos + 4, pos + 2 + length));
      if (found !== undefined) return found;
    }
    pos += 2 + length;
  }
  return undefined;
}

function orientationInExif(segment: Uint8Array): number | undefined {
  // "Exif\0\0" then a TIFF header.
  if (segment.length < 14 || String.fromCharCode(...segment.subarray(0, 4)) !== 'Exif' || segment[4] !== 0 || segment[5] !== 0) return undefined;
  const tiff = segment.subarray(6);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 12 > tiff.length) return undefined;
    if (view.getUint16(at, little) !== 0x0112) continue;
    // SHORT, count 1: the value sits in the first two bytes of the value field.
    if (view.getUint16(at + 2, little) !== 3) return undefined;
    const value = view.getUint16(at + 8, little);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}

/** What each orientation does, for the explanation's notes. */
export const ORIENTATION_NAMES: Record<number, string> = {
  1: 'as stored',
  2: 'mirrored left–right',
  3: 'rotated 180°',
  4: 'mirrored top–bottom',
  5: 'transposed (mirrored, rotated 90° counterclockwise)',
  6: 'rotated 90° clockwise',
  7: 'transversed (mirrored, rotated 90° clockwise)',
  8: 'rotated 90° counterclockwise',
};

/** Pixels (4 samples each) turned for display per `orientation`; orientations 5–8 swap width and height. */
export function applyOrientation<T extends Uint8Array | Uint16Array>(
  rgba: T,
  width: number,
  height: number,
  orientation: number,
): { rgba: T; width: number; height: number } {
  if (orientation < 2 || orientation > 8) return { rgba, width, height };
  const swap = orientation >= 5;
  const outW = swap ? height : width;
  const outH = swap ? width : height;
  const out = new (rgba.constructor as { new (n: number): T })(rgba.length);
  // Source pixel (x, y) of output pixel (X, Y).
  const source: (X: number, Y: number) => [number, number] = {
    2: (X: number, Y: number): [number, number] => [width - 1 - X, Y],
    3: (X: number, Y: number): [number, number] => [width - 1 - X, height - 1 - Y],
    4: (X: number, Y: number): [number, number] => [X, height - 1 - Y],
    5: (X: number, Y: number): [number, number] => [Y, X],
    6: (X: number, Y: number): [number, number] => [Y, height - 1 - X],
    7: (X: number, Y: number): [number, number] => [width - 1 - Y, height - 1 - X],
    8: (X: number, Y: number): [number, number] => [width - 1 - Y, X],
  }[orientation]!;
  for (let Y = 0; Y < outH; Y++) {
    for (let X = 0; X < outW; X++) {
      const [x, y] = source(X, Y);
      const from = (y * width + x) * 4;
      const to = (Y * outW + X) * 4;
      for (let c = 0; c < 4; c++) out[to + c] = rgba[from + c]!;
    }
  }
  return { rgba: out, width: outW, height: outH };
}
