// The image gallery's DOM: a header (folder, model, method, progress), a filter by predicted label, one card per
// image (thumbnail with the attribution overlay, file name, predicted label and score, method) and the files that
// could not be explained. DOM only through h() (data as textContent or attribute values); dynamic styles only through
// the CSSOM. The document is passed in so tests can render into a fake DOM.
//
// Cards are native <button>s: click, Enter and Space open the explanation. Overlays are drawn lazily, when a card
// comes into view (handlers.whenVisible), and cached per map.
import type { GalleryFailure, GalleryItem, GalleryRun, GalleryState, GalleryStatus } from '../../src/shared/galleryProtocol';
import type { ImagePrefs } from '../../src/shared/panelProtocol';
import { h } from '../shared/dom';
import { renderOverlay, type Overlay } from '../explanation/image/overlay';
import { putRgba } from '../explanation/image/imageBody';

export interface GalleryHandlers {
  open(index: number, file: string): void;
  setFilter(label: string | undefined): void;
  /** Calls `draw` once `element` is (about to be) visible. */
  whenVisible(element: HTMLElement, draw: () => void): void;
}

/** The thumbnails' overlay: the explanation panel's defaults; the canvas's CSS opacity (gallery.css) blends it. */
export const THUMBNAIL_PREFS: ImagePrefs = { opacity: 1, colormap: 'inferno', sign: 'absolute', clipPercentile: 99.5 };

export const FILTER_ID = 'gallery-filter';
export const cardId = (index: number): string => `gallery-card-${index}`;

const overlays = new WeakMap<object, Overlay>();

/** The overlay of a card's map (cached per map object). */
export function thumbnailOverlay(item: GalleryItem): Overlay {
  let overlay = overlays.get(item.map);
  if (!overlay) {
    const values = item.map.values.map((v) => (typeof v === 'number' ? v : NaN));
    overlay = renderOverlay({ width: item.map.width, height: item.map.height, values }, THUMBNAIL_PREFS);
    overlays.set(item.map, overlay);
  }
  return overlay;
}

/** Puts the overlay on the canvas; false when the page cannot draw. */
export function drawThumbnail(canvas: HTMLCanvasElement, item: GalleryItem): boolean {
  return putRgba(canvas, thumbnailOverlay(item));
}

/** Predicted labels with their card counts, most frequent first. */
export function labelCounts(items: GalleryItem[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.prediction.label, (counts.get(i.prediction.label) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Indices (into items) of the cards the filter shows. */
export function visibleIndices(items: GalleryItem[], filter: string | undefined): number[] {
  return items.flatMap((item, i) => (filter === undefined || item.prediction.label === filter ? [i] : []));
}

export function scoreText(item: GalleryItem): string {
  const s = item.prediction.score;
  if (!Number.isFinite(s)) return 'score unknown';
  return item.prediction.probabilities ? `${(s * 100).toFixed(1)}%` : `score ${Number(s.toPrecision(3))}`;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** model.json is named by its folder (as in the rest of the extension), other files by their name. */
function modelName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const file = parts[parts.length - 1] ?? path;
  return file === 'model.json' && parts.length > 1 ? parts[parts.length - 2]! : file;
}

export function statusText(status: GalleryStatus | undefined, explained: number): string {
  switch (status?.state) {
    case 'running':
      return `Explaining image ${Math.min(status.done + 1, status.total)} of ${status.total}…`;
    case 'cancelled':
      return `Cancelled after ${status.done} of ${status.total} images.`;
    case 'failed':
      return `Stopped: ${status.error}`;
    case 'done':
      return explained === 1 ? '1 image explained.' : `${explained} images explained.`;
    default:
      return '';
  }
}

function header(doc: Document, run: GalleryRun, state: GalleryState): HTMLElement {
  const items = state.items ?? [];
  const failures = state.failures ?? [];
  const meta = [`model ${modelName(run.modelPath)}`, `method ${run.method}`, `${items.length} explained`, ...(failures.length ? [`${failures.length} failed`] : [])].join(' · ');
  const status = h(doc, 'p', {
    className: `gallery-status${state.status?.state === 'failed' ? ' error' : ''}`,
    text: statusText(state.status, items.length),
    attrs: { id: 'gallery-status', role: 'status' },
  });
  const capped =
    run.found > run.limit
      ? [
          h(doc, 'p', {
            className: 'note gallery-cap',
            text: `The folder has ${run.found} images; the gallery shows the first ${run.limit} by name. The command line explains any number: attribution-lens explain-dataset <model> --input <folder> --out results.jsonl.`,
          }),
        ]
      : [];
  return h(
    doc,
    'header',
    { className: 'gallery-header' },
    h(doc, 'h1', { text: `Images in ${baseName(run.folder)}`, attrs: { title: run.folder } }),
    h(doc, 'p', { className: 'gallery-meta', text: meta, attrs: { title: run.modelPath } }),
    status,
    ...capped,
  );
}

function filterControl(doc: Document, items: GalleryItem[], filter: string | undefined, handlers: GalleryHandlers): HTMLElement {
  const counts = labelCounts(items);
  const options: [string, string][] = [['', `All labels (${items.length})`], ...counts.map(([label, n]) => [label, `${label} (${n})`] as [string, string])];
  if (filter !== undefined && !counts.some(([l]) => l === filter)) options.push([filter, `${filter} (0)`]);
  const select = h(
    doc,
    'vscode-single-select',
    { attrs: { id: FILTER_ID, 'aria-label': 'Show images predicted as' } },
    ...options.map(([value, text]) => h(doc, 'vscode-option', { text, attrs: { value, ...((filter ?? '') === value ? { selected: '' } : {}) } })),
  );
  select.addEventListener('change', (event) => {
    const raw = (event.target as { value?: unknown } | null)?.value;
    if (typeof raw !== 'string') return;
    const next = raw === '' ? undefined : raw;
    if (next !== filter && (next === undefined || options.some(([v]) => v === next))) handlers.setFilter(next);
  });
  return h(
    doc,
    'div',
    { className: 'gallery-toolbar' },
    h(doc, 'label', { className: 'toolbar-label', text: 'Predicted label', attrs: { for: FILTER_ID } }),
    select,
  );
}

function card(doc: Document, item: GalleryItem, index: number, handlers: GalleryHandlers): HTMLElement {
  const score = scoreText(item);
  const img = h(doc, 'img', {
    className: 'gallery-thumb-image',
    attrs: {
      src: `data:image/png;base64,${item.thumbnail.base64}`,
      alt: '',
      width: String(item.thumbnail.width),
      height: String(item.thumbnail.height),
      loading: 'lazy',
      decoding: 'async',
    },
  });
  const canvas = h(doc, 'canvas', { className: 'gallery-thumb-overlay', attrs: { 'aria-hidden': 'true' } }) as HTMLCanvasElement;
  const thumb = h(doc, 'span', { className: item.inputSize.width < 96 ? 'gallery-thumb pixelated' : 'gallery-thumb' }, img, canvas);
  thumb.style.aspectRatio = `${item.thumbnail.width} / ${item.thumbnail.height}`;
  handlers.whenVisible(thumb, () => void drawThumbnail(canvas, item));
  const button = h(
    doc,
    'button',
    {
      className: 'gallery-card',
      attrs: {
        type: 'button',
        id: cardId(index),
        title: item.file,
        'aria-label': `${item.name}: predicted ${item.prediction.label} (${score}), ${item.method}. Open the explanation.`,
      },
    },
    thumb,
    h(doc, 'span', { className: 'gallery-name', text: item.name }),
    h(doc, 'span', { className: 'gallery-label' }, h(doc, 'span', { className: 'gallery-label-name', text: item.prediction.label }), ` · ${score}`),
    h(doc, 'span', { className: 'gallery-method', text: item.method }),
  );
  button.addEventListener('click', () => handlers.open(index, item.file));
  return h(doc, 'li', { className: 'gallery-cell' }, button);
}

function failureList(doc: Document, failures: GalleryFailure[]): HTMLElement {
  return h(
    doc,
    'section',
    { className: 'gallery-failures', attrs: { 'aria-labelledby': 'gallery-failures-title' } },
    h(doc, 'h2', { text: `Could not explain (${failures.length})`, attrs: { id: 'gallery-failures-title' } }),
    h(
      doc,
      'ul',
      {},
      ...failures.map((f) =>
        h(doc, 'li', { attrs: { title: f.file } }, h(doc, 'span', { className: 'failure-name', text: f.name }), h(doc, 'span', { className: 'failure-error', text: f.error })),
      ),
    ),
  );
}

/** Renders the whole gallery into root. `error`: the last message the host could not serve. */
export function renderGallery(doc: Document, root: HTMLElement, state: GalleryState, error: string | undefined, handlers: GalleryHandlers): void {
  const run = state.run;
  if (!run) {
    root.replaceChildren(h(doc, 'p', { className: 'note', text: 'No images explained yet. Right-click a folder of images and choose "Explain Images in Folder…".' }));
    return;
  }
  const items = state.items ?? [];
  const failures = state.failures ?? [];
  const shown = visibleIndices(items, state.filter);
  const parts: HTMLElement[] = [header(doc, run, state)];
  if (error) parts.push(h(doc, 'p', { className: 'gallery-error', text: error, attrs: { role: 'alert' } }));
  if (items.length) {
    parts.push(filterControl(doc, items, state.filter, handlers));
    parts.push(
      shown.length
        ? h(doc, 'ul', { className: 'gallery-grid', attrs: { 'aria-label': 'Explained images' } }, ...shown.map((i) => card(doc, items[i]!, i, handlers)))
        : h(doc, 'p', { className: 'note', text: `No image is predicted as ${state.filter ?? ''}.` }),
    );
  } else if (state.status?.state !== 'running') {
    parts.push(h(doc, 'p', { className: 'note', text: 'No image could be explained.' }));
  }
  if (failures.length) parts.push(failureList(doc, failures));
  root.replaceChildren(...parts);
}
