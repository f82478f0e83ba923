// The image gallery's host-side data: cards made from explanations (a small thumbnail and pixel map, so hundreds of
// cards fit in the webview state), and validation of what comes back from the webview (messages, and the saved
// state on reload) before the extension acts on it. vscode-free.
import { isAbsolute, relative, sep } from 'node:path';
import { PNG } from 'pngjs';
import type { GalleryFailure, GalleryItem, GalleryMap, GalleryRun, GalleryState, GalleryStatus, GalleryToExtension } from '../../shared/galleryProtocol';
import type { Explanation } from '../../shared/types';
import { isMethodId } from '../methodCatalog';

/** Longest side of a card's thumbnail, in pixels; larger model inputs are averaged down by a whole factor. */
export const THUMBNAIL_SIDE = 64;
/** Cards kept in a gallery at most (the command caps folders well below this). */
export const MAX_GALLERY_ITEMS = 2000;
const MAX_TEXT = 4000;
const MAX_THUMBNAIL_BASE64 = 2 * 2 ** 20;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isSide = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 4096;
const isText = (v: unknown, max = MAX_TEXT): v is string => typeof v === 'string' && v.length <= max;

/** `path` relative to `folder`, '/'-separated, or undefined when it is not inside it. */
export function nameInFolder(folder: string, path: string): string | undefined {
  const rel = relative(folder, path);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

// ---- cards from explanations ------------------------------------------------------------------------------------

/** The factor that brings width × height to at most THUMBNAIL_SIDE on the longer side. */
export function thumbnailFactor(width: number, height: number, side = THUMBNAIL_SIDE): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / side));
}

/** Means of factor × factor blocks (partial at the right and bottom edges); non-finite values are left out. */
export function downscaleValues(values: ArrayLike<number>, width: number, height: number, factor: number): GalleryMap {
  const ow = Math.ceil(width / factor);
  const oh = Math.ceil(height / factor);
  if (factor === 1) return { width, height, values: Array.from(values, (v) => (Number.isFinite(v) ? v : NaN)) };
  const sums = new Float64Array(ow * oh);
  const counts = new Uint32Array(ow * oh);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      if (!Number.isFinite(v)) continue;
      const o = Math.floor(y / factor) * ow + Math.floor(x / factor);
      sums[o] += v;
      counts[o]++;
    }
  }
  return { width: ow, height: oh, values: Array.from(sums, (s, i) => (counts[i] ? s / counts[i] : NaN)) };
}

/** The preview PNG averaged down by `factor` (the same blocks as the map, so the overlay stays aligned). */
function downscalePng(base64: string, factor: number): { width: number; height: number; base64: string } {
  const png = PNG.sync.read(Buffer.from(base64, 'base64'));
  if (factor === 1) return { width: png.width, height: png.height, base64 };
  const ow = Math.ceil(png.width / factor);
  const oh = Math.ceil(png.height / factor);
  const out = new PNG({ width: ow, height: oh });
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const acc = [0, 0, 0, 0];
      let n = 0;
      for (let y = oy * factor; y < Math.min(png.height, (oy + 1) * factor); y++) {
        for (let x = ox * factor; x < Math.min(png.width, (ox + 1) * factor); x++) {
          const p = (y * png.width + x) * 4;
          for (let c = 0; c < 4; c++) acc[c] += png.data[p + c];
          n++;
        }
      }
      const o = (oy * ow + ox) * 4;
      for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(acc[c] / n);
    }
  }
  return { width: ow, height: oh, base64: PNG.sync.write(out).toString('base64') };
}

function areProbabilities(scores: number[]): boolean {
  if (!scores.length || scores.some((s) => !(s >= 0 && s <= 1))) return false;
  return Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-3;
}

/** A gallery card for an image explanation (undefined when the explanation has no usable image part). */
export function galleryItemFrom(e: Explanation, folder: string): GalleryItem | undefined {
  const image = e.image;
  if (!image || image.preview?.mime !== 'image/png' || !BASE64.test(image.preview.base64)) return undefined;
  const { width, height } = image;
  if (image.pixelMap.values.length !== width * height) return undefined;
  const factor = thumbnailFactor(width, height);
  let thumbnail: GalleryItem['thumbnail'];
  try {
    thumbnail = downscalePng(image.preview.base64, factor);
  } catch {
    return undefined;
  }
  const map = downscaleValues(image.pixelMap.values, width, height, factor);
  if (map.width !== thumbnail.width || map.height !== thumbnail.height) return undefined;
  const p = e.prediction;
  return {
    file: e.input.source,
    name: nameInFolder(folder, e.input.source) ?? e.input.source,
    prediction: {
      index: p.index,
      label: p.label ?? p.labels?.[p.index] ?? `output ${p.index}`,
      score: p.scores[p.index] ?? NaN,
      probabilities: areProbabilities(p.scores),
    },
    target: { index: e.target.index, ...(e.target.label !== undefined ? { label: e.target.label } : {}) },
    method: e.method.id,
    thumbnail,
    // Three significant digits are plenty for a thumbnail's 256 colors and keep the saved state small.
    map: { ...map, values: map.values.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(3)) : NaN)) },
    inputSize: { width, height },
  };
}

// ---- validation -------------------------------------------------------------------------------------------------

export function parseGalleryMessage(m: unknown): GalleryToExtension | undefined {
  if (!isObject(m)) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'open':
      return isIndex(m.index) && isText(m.file) && m.file.length > 0 ? { type: 'open', index: m.index, file: m.file } : undefined;
    default:
      return undefined;
  }
}

function parseRun(v: unknown): GalleryRun | undefined {
  if (!isObject(v)) return undefined;
  const { folder, modelPath, method, found, limit } = v;
  if (!isText(folder) || !isAbsolute(folder) || !isText(modelPath) || !isAbsolute(modelPath) || !isMethodId(method)) return undefined;
  if (!isIndex(found) || !isIndex(limit)) return undefined;
  return { folder, modelPath, method, found, limit };
}

function parseMap(v: unknown): GalleryMap | undefined {
  if (!isObject(v) || !isSide(v.width) || !isSide(v.height) || !Array.isArray(v.values)) return undefined;
  if (v.values.length !== v.width * v.height) return undefined;
  // JSON stores NaN as null.
  if (!v.values.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x)))) return undefined;
  return { width: v.width, height: v.height, values: v.values.map((x) => (x === null ? NaN : (x as number))) };
}

function parseItem(v: unknown, folder: string): GalleryItem | undefined {
  if (!isObject(v)) return undefined;
  const { file, prediction: p, target: t, method, thumbnail: th, inputSize: size } = v;
  if (!isText(file) || !isAbsolute(file)) return undefined;
  const name = nameInFolder(folder, file);
  if (name === undefined) return undefined;
  if (!isObject(p) || !isIndex(p.index) || !isText(p.label, 500) || typeof p.probabilities !== 'boolean') return undefined;
  if (!(p.score === null || (typeof p.score === 'number' && Number.isFinite(p.score)))) return undefined;
  if (!isObject(t) || !isIndex(t.index) || (t.label !== undefined && !isText(t.label, 500))) return undefined;
  if (!isMethodId(method)) return undefined;
  if (!isObject(th) || !isSide(th.width) || !isSide(th.height) || typeof th.base64 !== 'string') return undefined;
  if (th.base64.length > MAX_THUMBNAIL_BASE64 || !BASE64.test(th.base64)) return undefined;
  if (!isObject(size) || !isSide(size.width) || !isSide(size.height)) return undefined;
  const map = parseMap(v.map);
  if (!map || map.width !== th.width || map.height !== th.height) return undefined;
  return {
    file,
    name,
    prediction: { index: p.index, label: p.label, score: p.score === null ? NaN : (p.score as number), probabilities: p.probabilities },
    target: { index: t.index, ...(t.label !== undefined ? { label: t.label as string } : {}) },
    method,
    thumbnail: { width: th.width, height: th.height, base64: th.base64 },
    map,
    inputSize: { width: size.width, height: size.height },
  };
}

function parseFailure(v: unknown, folder: string): GalleryFailure | undefined {
  if (!isObject(v) || !isText(v.file) || !isAbsolute(v.file) || !isText(v.error)) return undefined;
  const name = nameInFolder(folder, v.file);
  return name === undefined ? undefined : { file: v.file, name, error: v.error };
}

export function parseGalleryStatus(v: unknown): GalleryStatus | undefined {
  if (!isObject(v)) return undefined;
  switch (v.state) {
    case 'done':
      return { state: 'done' };
    case 'running':
    case 'cancelled':
      return isIndex(v.done) && isIndex(v.total) && v.done <= v.total ? { state: v.state, done: v.done, total: v.total } : undefined;
    case 'failed':
      return isText(v.error) ? { state: 'failed', error: v.error } : undefined;
    default:
      return undefined;
  }
}

/**
 * The saved gallery, with whatever does not validate left out: cards and failures must name files inside the run's
 * folder (the host explains them again when a card is opened after a reload). A run that was still going when the
 * window closed is shown as cancelled.
 */
export function parseGalleryState(state: unknown): GalleryState {
  if (!isObject(state)) return {};
  const run = parseRun(state.run);
  if (!run) return {};
  const items = Array.isArray(state.items)
    ? state.items.slice(0, MAX_GALLERY_ITEMS).map((i) => parseItem(i, run.folder)).filter((i): i is GalleryItem => i !== undefined)
    : [];
  const failures = Array.isArray(state.failures)
    ? state.failures.slice(0, MAX_GALLERY_ITEMS).map((f) => parseFailure(f, run.folder)).filter((f): f is GalleryFailure => f !== undefined)
    : [];
  let status = parseGalleryStatus(state.status) ?? { state: 'done' };
  if (status.state === 'running') status = { state: 'cancelled', done: status.done, total: status.total };
  return { run, items, failures, status, ...(isText(state.filter, 500) ? { filter: state.filter } : {}) };
}
