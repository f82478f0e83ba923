// The body of the explanation panel for image inputs: overlay controls, then one card per explanation with the
// image as the model saw it, the attribution overlay stacked on it, a colorbar legend and an Export PNG button.
// DOM only through h() (data as textContent or attribute values); dynamic styles only through the CSSOM.
//
// The overlay canvas is drawn at full strength and its CSS opacity carries prefs.opacity, so dragging the slider
// only changes a style (live, on 'input') and commits the preference once (on 'change'). Overlays are cached per
// pixel map, so a re-render with the same map and settings redraws without recomputing.
import type { ImageColormap, ImagePrefs, SignSelection } from '../../../src/shared/panelProtocol';
import type { Explanation } from '../../../src/shared/types';
import { h, type Child } from '../../shared/dom';
import { colorbarGradient } from './colormaps';
import { downscaleMap, legendFor, pixelMapOf, renderOverlay, type DownscaledMap, type Overlay, type PixelMap } from './overlay';

export interface ImageBodyHandlers {
  setPrefs(patch: Partial<ImagePrefs>): void;
  remove(explanationIndex: number): void;
  /** base64 PNG without the data: prefix. */
  exportPng(explanationIndex: number, base64: string, suggestedName: string): void;
}

export const DEFAULT_IMAGE_PREFS: ImagePrefs = { opacity: 0.6, colormap: 'inferno', sign: 'absolute', clipPercentile: 99.5 };

const COLORMAPS: [ImageColormap, string][] = [
  ['inferno', 'Inferno'],
  ['viridis', 'Viridis'],
  ['cividis', 'Cividis (color-vision safe)'],
  ['diverging', 'Blue–red diverging'],
  ['grayscale', 'Grayscale'],
];

const SIGNS: [SignSelection, string][] = [
  ['absolute', 'Absolute value'],
  ['positive', 'Positive only'],
  ['negative', 'Negative only'],
  ['all', 'Signed (blue–red)'],
];

const CLIPS: [number, string][] = [
  [100, 'No clipping'],
  [99.9, '99.9th percentile'],
  [99.5, '99.5th percentile'],
  [99, '99th percentile'],
  [98, '98th percentile'],
  [95, '95th percentile'],
];

/** Saved (possibly partial or stale) prefs made whole and valid. */
export function resolveImagePrefs(saved: Partial<ImagePrefs> | undefined): ImagePrefs {
  const p = saved ?? {};
  const opacity = typeof p.opacity === 'number' && Number.isFinite(p.opacity) ? Math.min(1, Math.max(0, p.opacity)) : DEFAULT_IMAGE_PREFS.opacity;
  const colormap = COLORMAPS.some(([c]) => c === p.colormap) ? (p.colormap as ImageColormap) : DEFAULT_IMAGE_PREFS.colormap;
  const sign = SIGNS.some(([s]) => s === p.sign) ? (p.sign as SignSelection) : DEFAULT_IMAGE_PREFS.sign;
  const clipPercentile =
    typeof p.clipPercentile === 'number' && p.clipPercentile > 50 && p.clipPercentile <= 100 ? p.clipPercentile : DEFAULT_IMAGE_PREFS.clipPercentile;
  return { opacity, colormap, sign, clipPercentile };
}

// ---- overlay cache -------------------------------------------------------------------------------------------

interface CacheEntry {
  map: DownscaledMap | { error: string };
  overlays: Map<string, Overlay>;
}

const cache = new WeakMap<object, CacheEntry>();
const OVERLAYS_KEPT = 4;
/** Maps up to this many pixels are drawn while rendering; larger ones right after (so the panel paints first). */
const SYNC_PIXELS = 256 * 256;

function entryFor(e: Explanation): CacheEntry | undefined {
  if (!e.image) return undefined;
  let entry = cache.get(e.image.pixelMap);
  if (!entry) {
    const map = pixelMapOf(e.image);
    entry = { map: 'error' in map ? map : downscaleMap(map), overlays: new Map() };
    cache.set(e.image.pixelMap, entry);
  }
  return entry;
}

const overlayKey = (p: ImagePrefs): string => `${p.colormap}|${p.sign}|${p.clipPercentile}`;

/** The overlay at full opacity (the canvas's CSS opacity applies prefs.opacity). */
function cachedOverlay(entry: CacheEntry, map: PixelMap, prefs: ImagePrefs): Overlay {
  const key = overlayKey(prefs);
  let overlay = entry.overlays.get(key);
  if (!overlay) {
    overlay = renderOverlay(map, { ...prefs, opacity: 1 });
    entry.overlays.set(key, overlay);
    if (entry.overlays.size > OVERLAYS_KEPT) entry.overlays.delete(entry.overlays.keys().next().value as string);
  }
  return overlay;
}

/** Puts an overlay's pixels on a canvas of its size; false when the page cannot draw. */
export function putRgba(canvas: HTMLCanvasElement, overlay: Overlay): boolean {
  canvas.width = overlay.width;
  canvas.height = overlay.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return false;
  const data = ctx.createImageData(overlay.width, overlay.height);
  data.data.set(overlay.rgba);
  ctx.putImageData(data, 0, 0);
  return true;
}

// ---- helpers ---------------------------------------------------------------------------------------------------

function button(doc: Document, label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = h(doc, 'vscode-button', { text: label, attrs: { secondary: '', ...attrs } });
  b.addEventListener('click', onClick);
  return b;
}

function select<T extends string | number>(
  doc: Document,
  id: string,
  label: string,
  options: [T, string][],
  current: T,
  onChange: (value: T) => void,
): HTMLElement {
  const all = options.some(([v]) => v === current) ? options : [...options, [current, String(current)] as [T, string]];
  const el = h(
    doc,
    'vscode-single-select',
    { attrs: { id, 'aria-label': label } },
    ...all.map(([value, text]) => h(doc, 'vscode-option', { text, attrs: { value: String(value), ...(value === current ? { selected: '' } : {}) } })),
  );
  el.addEventListener('change', (event) => {
    const raw = (event.target as { value?: unknown } | null)?.value;
    const hit = all.find(([v]) => String(v) === String(raw));
    if (hit && hit[0] !== current) onChange(hit[0]);
  });
  return h(doc, 'div', { className: 'image-control' }, h(doc, 'label', { className: 'toolbar-label', text: label, attrs: { for: id } }), el);
}

const percent = (opacity: number): string => `${Math.round(opacity * 100)}%`;

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** A file name safe on every platform: letters, digits, '.', '_' and '-' only. */
export function suggestedPngName(e: Explanation): string {
  const stem = basename(e.input.source).replace(/\.[^.]*$/, '') || 'image';
  const target = e.target.label ? `${e.target.label}` : `class${e.target.index}`;
  const raw = `${stem}-${e.method.id}-${target}`;
  const safe = raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100) || 'overlay';
  return `${safe}.png`;
}

export function methodLabel(e: Explanation): string {
  return e.method.options.layer ? `${e.method.id} (layer ${e.method.options.layer})` : e.method.id;
}

function targetText(e: Explanation): string {
  const target = e.target.label ? `${e.target.label} (${e.target.index})` : `output ${e.target.index}`;
  const predicted = e.prediction.label ?? e.prediction.labels?.[e.prediction.index] ?? `output ${e.prediction.index}`;
  return e.prediction.index === e.target.index ? `target ${target}, the predicted class` : `target ${target} · predicted ${predicted}`;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function whenLoaded(img: HTMLImageElement): Promise<boolean> {
  if (img.complete && img.naturalWidth > 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    img.addEventListener('load', () => resolve(true));
    img.addEventListener('error', () => resolve(false));
  });
}

// ---- cards -----------------------------------------------------------------------------------------------------

interface Card {
  element: HTMLElement;
  overlayCanvas?: HTMLCanvasElement;
}

function card(doc: Document, e: Explanation, index: number, count: number, prefs: ImagePrefs, live: { opacity: number }, handlers: ImageBodyHandlers): Card {
  const titleId = `image-card-${index}-title`;
  const label = methodLabel(e);
  const header = h(
    doc,
    'header',
    { className: 'image-card-header' },
    h(doc, 'h3', { text: label, attrs: { id: titleId } }),
    ...(count > 1 ? [button(doc, 'Remove', () => handlers.remove(index), { 'aria-label': `Remove ${label}`, title: `Remove ${label}` })] : []),
  );
  const subtitle = h(doc, 'p', { className: 'image-card-subtitle', text: targetText(e) });
  const entry = entryFor(e);
  const image = e.image;
  if (!image || !entry) {
    const element = h(doc, 'article', { className: 'image-card', attrs: { 'aria-labelledby': titleId } }, header, subtitle,
      h(doc, 'p', { className: 'note', text: 'This explanation has no image map to overlay.' }));
    return { element };
  }

  const file = basename(e.input.source);
  const sizeText = image.original.width === image.width && image.original.height === image.height
    ? `${image.width}×${image.height}`
    : `${image.width}×${image.height} (file ${image.original.width}×${image.original.height})`;
  const fileLine = h(doc, 'p', { className: 'image-card-file', text: `${file} · ${sizeText}`, attrs: { title: e.input.source } });

  const status = h(doc, 'p', { className: 'note image-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  // Small model inputs are shown larger (whole multiples, pixels kept square and sharp).
  const scale = image.width < 224 ? Math.ceil(224 / image.width) : 1;
  const stack = h(doc, 'div', { className: scale > 1 ? 'image-stack pixelated' : 'image-stack' });
  stack.style.aspectRatio = `${image.width} / ${image.height}`;
  stack.style.width = `${Math.min(image.width * scale, 512)}px`;

  const previewOk = image.preview?.mime === 'image/png' && typeof image.preview.base64 === 'string' && BASE64.test(image.preview.base64);
  const img = previewOk
    ? (h(doc, 'img', {
        className: 'image-preview',
        attrs: { src: `data:image/png;base64,${image.preview.base64}`, alt: `${file} as the model saw it, ${image.width}×${image.height}`, width: String(image.width), height: String(image.height) },
      }) as HTMLImageElement)
    : undefined;
  if (img) stack.append(img);
  else status.textContent = 'The image preview is missing or malformed; only the overlay is shown.';

  const legendBar = h(doc, 'span', { className: 'colorbar', attrs: { 'aria-hidden': 'true' } });
  const legendLabels = h(doc, 'div', { className: 'colorbar-labels' });
  const caption = h(doc, 'p', { className: 'image-legend-caption' });
  const notes = h(doc, 'p', { className: 'note image-note', attrs: { role: 'note' } });
  const legend = h(doc, 'div', { className: 'image-legend' }, legendBar, legendLabels, caption);

  let overlayCanvas: HTMLCanvasElement | undefined;
  const map = entry.map;
  if ('error' in map) {
    notes.textContent = map.error;
  } else {
    const canvas = h(doc, 'canvas', {
      className: 'image-overlay',
      attrs: { role: 'img', 'aria-label': `${label} attributions over the image (${SIGNS.find(([s]) => s === prefs.sign)?.[1].toLowerCase()})` },
    }) as HTMLCanvasElement;
    canvas.style.opacity = String(live.opacity);
    stack.append(canvas);
    overlayCanvas = canvas;
    const draw = (): void => {
      const overlay = cachedOverlay(entry, map, prefs);
      if (!putRgba(canvas, overlay)) {
        notes.textContent = 'This view cannot draw on a canvas.';
        return;
      }
      const lg = legendFor(overlay.stats, prefs);
      legendBar.style.backgroundImage = colorbarGradient(lg.colormap, lg.from, lg.to);
      legendLabels.replaceChildren(
        h(doc, 'span', { className: 'colorbar-label', text: lg.left }),
        ...(lg.middle !== undefined ? [h(doc, 'span', { className: 'colorbar-label middle', text: lg.middle })] : []),
        h(doc, 'span', { className: 'colorbar-label end', text: lg.right }),
      );
      caption.textContent = lg.caption;
      const extra = map.factor > 1 ? `The ${image.width}×${image.height} map is shown averaged over ${map.factor}×${map.factor} blocks.` : '';
      notes.textContent = [overlay.note ?? '', extra].filter(Boolean).join(' ');
    };
    if (entry.overlays.has(overlayKey(prefs)) || map.width * map.height <= SYNC_PIXELS) draw();
    else {
      caption.textContent = 'Computing the overlay…';
      setTimeout(draw, 0);
    }
  }

  const exportButton = button(doc, 'Export PNG', () => {
    void exportPng().catch((err: unknown) => {
      status.textContent = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  }, { 'aria-label': `Export ${label} overlay as PNG` });

  async function exportPng(): Promise<void> {
    if (!img) {
      status.textContent = 'There is no image to export.';
      return;
    }
    if (!(await whenLoaded(img))) {
      status.textContent = 'The image could not be loaded, so it cannot be exported.';
      return;
    }
    const out = doc.createElement('canvas');
    out.width = image!.width;
    out.height = image!.height;
    const ctx = out.getContext('2d');
    if (!ctx) {
      status.textContent = 'This view cannot draw on a canvas.';
      return;
    }
    ctx.drawImage(img, 0, 0, out.width, out.height);
    if (!('error' in map)) {
      const overlay = renderOverlay(map, { ...prefs, opacity: live.opacity });
      const layer = doc.createElement('canvas');
      if (putRgba(layer, overlay)) {
        ctx.imageSmoothingEnabled = overlay.width !== out.width || overlay.height !== out.height;
        ctx.drawImage(layer, 0, 0, out.width, out.height);
      }
    }
    const url = out.toDataURL('image/png');
    const comma = url.indexOf(',');
    if (!url.startsWith('data:image/png') || comma < 0) {
      status.textContent = 'The browser could not encode the PNG.';
      return;
    }
    handlers.exportPng(index, url.slice(comma + 1), suggestedPngName(e));
    status.textContent = '';
  }

  const element = h(
    doc,
    'article',
    { className: 'image-card', attrs: { 'aria-labelledby': titleId } },
    header,
    subtitle,
    fileLine,
    stack,
    legend,
    notes,
    h(doc, 'div', { className: 'image-card-actions' }, exportButton),
    status,
  );
  return { element, overlayCanvas };
}

// ---- body ------------------------------------------------------------------------------------------------------

export function renderImageBody(doc: Document, explanations: Explanation[], prefs: ImagePrefs, handlers: ImageBodyHandlers): HTMLElement {
  const p = resolveImagePrefs(prefs);
  const live = { opacity: p.opacity };

  const valueText = h(doc, 'output', { className: 'number image-opacity-value', text: percent(p.opacity), attrs: { for: 'overlay-opacity', 'aria-hidden': 'true' } });
  const slider = h(doc, 'input', {
    attrs: {
      id: 'overlay-opacity',
      type: 'range',
      min: '0',
      max: '100',
      step: '5',
      value: String(Math.round(p.opacity * 100)),
      'aria-valuetext': percent(p.opacity),
    },
  });
  const cards: Card[] = explanations.map((e, i) => card(doc, e, i, explanations.length, p, live, handlers));

  const readSlider = (event: { target: unknown }): number | undefined => {
    const raw = Number((event.target as { value?: unknown } | null)?.value);
    return Number.isFinite(raw) ? Math.min(1, Math.max(0, raw / 100)) : undefined;
  };
  slider.addEventListener('input', (event) => {
    const opacity = readSlider(event);
    if (opacity === undefined) return;
    live.opacity = opacity;
    valueText.textContent = percent(opacity);
    slider.setAttribute('aria-valuetext', percent(opacity));
    for (const c of cards) if (c.overlayCanvas) c.overlayCanvas.style.opacity = String(opacity);
  });
  slider.addEventListener('change', (event) => {
    const opacity = readSlider(event);
    if (opacity === undefined) return;
    live.opacity = opacity;
    valueText.textContent = percent(opacity);
    for (const c of cards) if (c.overlayCanvas) c.overlayCanvas.style.opacity = String(opacity);
    handlers.setPrefs({ opacity });
  });

  const controls: Child[] = [
    h(
      doc,
      'div',
      { className: 'image-control' },
      h(doc, 'label', { className: 'toolbar-label', text: 'Opacity', attrs: { for: 'overlay-opacity' } }),
      slider,
      valueText,
    ),
    select(doc, 'overlay-colormap', 'Colormap', COLORMAPS, p.colormap, (colormap) => handlers.setPrefs({ colormap })),
    select(doc, 'overlay-sign', 'Sign', SIGNS, p.sign, (sign) => handlers.setPrefs({ sign })),
    select(doc, 'overlay-clip', 'Clip', CLIPS.some(([c]) => c === p.clipPercentile) ? CLIPS : [...CLIPS, [p.clipPercentile, `${p.clipPercentile}th percentile`]], p.clipPercentile, (clipPercentile) => handlers.setPrefs({ clipPercentile })),
  ];

  return h(
    doc,
    'section',
    { className: 'section image-body', attrs: { 'aria-labelledby': 'image-heading' } },
    h(doc, 'h2', { text: explanations.length > 1 ? 'Image attributions, side by side' : 'Image attributions', attrs: { id: 'image-heading' } }),
    h(doc, 'div', { className: 'toolbar image-controls', attrs: { role: 'group', 'aria-label': 'Overlay settings' } }, ...controls),
    ...(p.sign === 'all' && p.colormap !== 'diverging'
      ? [h(doc, 'p', { className: 'note', text: 'Signed values always use the blue–red map: blue lowers the target score, red raises it.' })]
      : []),
    h(doc, 'div', { className: 'image-grid' }, ...cards.map((c) => c.element)),
  );
}
