// Entry of the image gallery webview (bundled to dist/webview/gallery.js). It receives the cards as messages, keeps
// them and the label filter in the webview state (so they survive hiding and reloads) and renders them; thumbnails
// get their overlay when they scroll into view. A card asks the host to open its explanation.
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ExtensionToGallery, GalleryState, GalleryToExtension } from '../src/shared/galleryProtocol';
import { FILTER_ID, renderGallery, type GalleryHandlers } from './gallery/render';

interface VsCodeApi {
  postMessage(message: GalleryToExtension): void;
  getState(): unknown;
  setState(state: GalleryState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

function restoredState(): GalleryState {
  const saved = vscode.getState();
  return typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? (saved as GalleryState) : {};
}

let state = restoredState();
let error: string | undefined;

// ---- lazy thumbnails ------------------------------------------------------------------------------------------

const pending = new Map<Element, () => void>();
const observer =
  typeof IntersectionObserver === 'function'
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            const draw = pending.get(entry.target);
            pending.delete(entry.target);
            observer?.unobserve(entry.target);
            draw?.();
          }
        },
        { rootMargin: '200px' },
      )
    : undefined;

const handlers: GalleryHandlers = {
  open: (index, file) => vscode.postMessage({ type: 'open', index, file }),
  setFilter: (label) => {
    state = { ...state, filter: label };
    if (label === undefined) delete state.filter;
    savedAt = 0;
    schedule(FILTER_ID, true);
  },
  whenVisible: (element, draw) => {
    if (!observer) {
      draw();
      return;
    }
    pending.set(element, draw);
    observer.observe(element);
  },
};

// ---- rendering, coalesced (cards can arrive many times a second) --------------------------------------------------

let timer: ReturnType<typeof setTimeout> | undefined;
let focusAfter: string | undefined;
let savedAt = 0;
/** While a run adds cards, the (large) state is saved at most this often; always once it ends. */
const SAVE_INTERVAL_MS = 2000;

function save(): void {
  const now = Date.now();
  if (state.status?.state === 'running' && now - savedAt < SAVE_INTERVAL_MS) return;
  savedAt = now;
  vscode.setState(state);
}

function draw(): void {
  timer = undefined;
  save();
  const active = focusAfter ?? (document.activeElement as HTMLElement | null)?.id;
  focusAfter = undefined;
  observer?.disconnect();
  pending.clear();
  renderGallery(document, root, state, error, handlers);
  const el = active ? document.getElementById(active) : null;
  el?.focus();
  // A custom element (the filter) takes focus once it has rendered.
  if (el && document.activeElement !== el) requestAnimationFrame(() => el.focus());
}

function schedule(focusId?: string, now = false): void {
  if (focusId) focusAfter = focusId;
  if (now) {
    if (timer !== undefined) clearTimeout(timer);
    draw();
    return;
  }
  timer ??= setTimeout(draw, 150);
}

window.addEventListener('message', (event: MessageEvent<ExtensionToGallery>) => {
  const m = event.data;
  if (typeof m !== 'object' || m === null) return;
  switch (m.type) {
    case 'gallery':
      state = { run: m.run, items: m.items, failures: m.failures, status: m.status, ...(state.filter !== undefined && state.run?.folder === m.run.folder ? { filter: state.filter } : {}) };
      error = undefined;
      schedule(undefined, true);
      return;
    case 'append':
      state = { ...state, items: [...(state.items ?? []), ...m.items], failures: [...(state.failures ?? []), ...m.failures], status: m.status };
      schedule();
      return;
    case 'status': {
      state = { ...state, status: m.status };
      schedule(undefined, m.status.state !== 'running');
      return;
    }
    case 'error':
      error = m.message;
      schedule(undefined, true);
      return;
  }
});

schedule(undefined, true);
vscode.postMessage({ type: 'ready' });
