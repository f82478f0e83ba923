// The gallery webview's DOM in a fake document: cards with their text as text (markup in file names stays literal),
// the label filter, cards that open the right item, lazily drawn overlays, failures and the status line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GalleryItem, GalleryState } from '../../src/shared/galleryProtocol';
import { cardId, FILTER_ID, labelCounts, renderGallery, scoreText, statusText, thumbnailOverlay, type GalleryHandlers } from '../../webview/gallery/render';
import { CanvasDocument, FakeCanvas } from './helpers/fakeCanvas';
import { FakeElement, FakeText } from './helpers/fakeDom';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function item(name: string, label: string, score: number, values = [0, 1, 2, 4]): GalleryItem {
  return {
    file: `/imgs/${name}`,
    name,
    prediction: { index: ['red', 'green', 'blue'].indexOf(label), label, score, probabilities: true },
    target: { index: ['red', 'green', 'blue'].indexOf(label), label },
    method: 'grad-cam',
    thumbnail: { width: 2, height: 2, base64: PNG },
    map: { width: 2, height: 2, values },
    inputSize: { width: 32, height: 32 },
  };
}

const HOSTILE = '<img src=x onerror="alert(1)">&amp;.png';

function state(overrides: Partial<GalleryState> = {}): GalleryState {
  return {
    run: { folder: '/imgs', modelPath: '/models/planted/model.json', method: 'grad-cam', found: 5, limit: 500 },
    items: [item('a.png', 'red', 0.9), item(HOSTILE, 'green', 0.75), item('c.png', 'red', 0.6), item('d.png', 'blue', 0.99)],
    failures: [{ file: '/imgs/broken.png', name: '<b>broken</b>.png', error: 'corrupt PNG: <script>x</script>' }],
    status: { state: 'done' },
    ...overrides,
  };
}

function render(s: GalleryState, error?: string) {
  const doc = new CanvasDocument();
  const root = new FakeElement('main');
  const calls: unknown[][] = [];
  const visible: { element: FakeElement; draw: () => void }[] = [];
  const handlers: GalleryHandlers = {
    open: (index, file) => calls.push(['open', index, file]),
    setFilter: (label) => calls.push(['setFilter', label]),
    whenVisible: (element, draw) => visible.push({ element: element as unknown as FakeElement, draw }),
  };
  renderGallery(doc as unknown as Document, root as unknown as HTMLElement, s, error, handlers);
  return { doc, root, calls, visible };
}

const texts = (el: FakeElement): string[] => el.children.flatMap((c) => (c instanceof FakeText ? [c.data] : texts(c)));
const cards = (root: FakeElement) => root.find((e) => e.className === 'gallery-card');
const byId = (root: FakeElement, id: string) => root.find((e) => e.getAttribute('id') === id)[0]!;

test('one card per image with its name, label, score and method; markup in names renders literally', () => {
  const { doc, root } = render(state());
  const all = cards(root);
  assert.equal(all.length, 4);
  assert.ok(all.every((c) => c.tagName === 'button' && c.getAttribute('type') === 'button'));
  const hostile = all[1]!;
  assert.ok(texts(hostile).includes(HOSTILE), 'the file name is one text node, as written');
  assert.equal(hostile.getAttribute('title'), `/imgs/${HOSTILE}`);
  assert.match(hostile.getAttribute('aria-label')!, /^<img src=x onerror="alert\(1\)">&amp;\.png: predicted green \(75\.0%\), grad-cam\./);
  assert.deepEqual(texts(all[0]!), ['a.png', 'red', ' · 90.0%', 'grad-cam']);
  // Only the elements the gallery makes: one img (the thumbnail) per card, nothing parsed from the names.
  assert.equal(doc.created.filter((t) => t === 'img').length, 4);
  assert.ok(!doc.created.includes('script') && !doc.created.includes('b'));
  const failures = root.find((e) => e.className === 'gallery-failures')[0]!;
  assert.deepEqual(texts(failures), ['Could not explain (1)', '<b>broken</b>.png', 'corrupt PNG: <script>x</script>']);
  // Thumbnails: the preview as a data URL, the aspect ratio through the CSSOM, never a style attribute.
  const img = root.find((e) => e.tagName === 'img')[0]!;
  assert.equal(img.getAttribute('src'), `data:image/png;base64,${PNG}`);
  assert.equal(img.getAttribute('loading'), 'lazy');
  const thumb = root.find((e) => e.className.startsWith('gallery-thumb '))[0]!;
  assert.equal(thumb.style.aspectRatio, '2 / 2');
  assert.equal(thumb.className, 'gallery-thumb pixelated');
  assert.ok(root.descendants().every((e) => !e.attributes.has('style')));
});

test('the header: folder, model, method, counts, status; a note when the folder was capped', () => {
  const { root } = render(state({ run: { folder: '/imgs', modelPath: '/models/planted/model.json', method: 'grad-cam', found: 812, limit: 500 } }));
  const header = root.find((e) => e.tagName === 'header')[0]!;
  const t = texts(header);
  assert.equal(t[0], 'Images in imgs');
  assert.equal(t[1], 'model planted · method grad-cam · 4 explained · 1 failed');
  assert.equal(t[2], '4 images explained.');
  assert.match(t[3]!, /812 images; the gallery shows the first 500/);
  assert.equal(texts(render(state()).root.find((e) => e.tagName === 'header')[0]!).length, 3, 'no note when all images fit');
  assert.equal(statusText({ state: 'running', done: 2, total: 5 }, 2), 'Explaining image 3 of 5…');
  assert.equal(statusText({ state: 'cancelled', done: 2, total: 5 }, 2), 'Cancelled after 2 of 5 images.');
  assert.equal(statusText({ state: 'failed', error: 'model broken' }, 0), 'Stopped: model broken');
  const failed = render(state({ status: { state: 'failed', error: 'boom' } })).root;
  assert.equal(byId(failed, 'gallery-status').className, 'gallery-status error');
  assert.deepEqual(texts(render(state(), 'b.png: engine crashed').root.find((e) => e.getAttribute('role') === 'alert')[0]!), ['b.png: engine crashed']);
  assert.equal(scoreText({ ...item('x', 'red', 3.14159), prediction: { index: 0, label: 'red', score: 3.14159, probabilities: false } }), 'score 3.14');
});

test('the filter shows the cards of one predicted label and reports changes', () => {
  const all = render(state());
  const select = byId(all.root, FILTER_ID);
  assert.equal(select.tagName, 'vscode-single-select');
  const options = select.children as FakeElement[];
  assert.deepEqual(options.map((o) => [o.getAttribute('value'), o.textContent]), [
    ['', 'All labels (4)'],
    ['red', 'red (2)'],
    ['blue', 'blue (1)'],
    ['green', 'green (1)'],
  ]);
  assert.equal(options[0]!.getAttribute('selected'), '');
  select.dispatch('change', { value: 'red' });
  select.dispatch('change', { value: 'not-a-label' });
  select.dispatch('change', { value: '' });
  assert.deepEqual(all.calls, [['setFilter', 'red']], 'unknown labels and the current choice are ignored');

  const red = render(state({ filter: 'red' }));
  assert.deepEqual(cards(red.root).map((c) => c.getAttribute('id')), [cardId(0), cardId(2)]);
  const redSelect = byId(red.root, FILTER_ID);
  assert.equal((redSelect.children[1] as FakeElement).getAttribute('selected'), '');
  redSelect.dispatch('change', { value: '' });
  assert.deepEqual(red.calls, [['setFilter', undefined]]);
  const none = render(state({ filter: 'purple' }));
  assert.equal(cards(none.root).length, 0);
  assert.ok(texts(none.root).includes('No image is predicted as purple.'));
  assert.deepEqual(labelCounts(state().items!), [['red', 2], ['blue', 1], ['green', 1]]);
});

test('clicking a card (buttons also take Enter and Space) opens the item at its index in the whole list', () => {
  const { root, calls } = render(state({ filter: 'red' }));
  cards(root)[1]!.dispatch('click');
  assert.deepEqual(calls, [['open', 2, '/imgs/c.png']]);
  const whole = render(state());
  cards(whole.root)[3]!.dispatch('click');
  assert.deepEqual(whole.calls, [['open', 3, '/imgs/d.png']]);
});

test('overlays are drawn only when a card becomes visible, with the thumbnail map', () => {
  const { doc, visible } = render(state());
  assert.equal(visible.length, 4);
  assert.equal(doc.canvases.length, 4);
  assert.ok(doc.canvases.every((c) => c.context === undefined), 'nothing drawn before the cards are visible');
  visible[3]!.draw();
  const canvas = doc.canvases[3] as FakeCanvas;
  assert.deepEqual([canvas.width, canvas.height], [2, 2]);
  assert.equal(canvas.context?.ops.length, 1);
  assert.equal(canvas.context!.ops[0]!.op, 'putImageData');
  // The strongest pixel (value 4) is opaque, the zero pixel transparent.
  const data = canvas.context!.image!.data;
  assert.equal(data[3], 0);
  assert.equal(data[15], 255);
  assert.ok(doc.canvases.slice(0, 3).every((c) => c.context === undefined));
  assert.ok(visible[3]!.element.className.startsWith('gallery-thumb'));
  const it = state().items![0]!;
  assert.equal(thumbnailOverlay(it), thumbnailOverlay(it), 'cached per map');
});

test('no run yet, or nothing explained', () => {
  assert.match(texts(render({}).root).join(''), /No images explained yet/);
  const empty = render(state({ items: [], status: { state: 'done' } }));
  assert.ok(texts(empty.root).includes('No image could be explained.'));
  assert.equal(empty.root.find((e) => e.getAttribute('id') === FILTER_ID).length, 0);
  const running = render(state({ items: [], failures: [], status: { state: 'running', done: 0, total: 3 } }));
  assert.ok(!texts(running.root).includes('No image could be explained.'));
});
