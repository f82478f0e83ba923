import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImagePrefs } from '../../src/shared/panelProtocol';
import type { Explanation } from '../../src/shared/types';
import { renderImageBody, resolveImagePrefs, suggestedPngName, type ImageBodyHandlers } from '../../webview/explanation/image/imageBody';
import { renderOverlay } from '../../webview/explanation/image/overlay';
import { sampleExplanation } from './helpers/explanationFixture';
import { CanvasDocument, decodeRecord, FakeCanvas, FakeImage } from './helpers/fakeCanvas';
import { FakeElement, FakeText } from './helpers/fakeDom';

// A 1×1 PNG (any valid base64 works for the fake; this one is real).
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function imageExplanation(method: Explanation['method'], values: number[], width = 4, height = 2, source = '/data/cats/cat.png'): Explanation {
  return sampleExplanation({
    method,
    target: { index: 3, label: 'cat' },
    prediction: { scores: [0.1, 0.1, 0.1, 0.7], index: 3, label: 'cat' },
    attributions: { shape: [height, width, 1], values },
    features: [],
    input: { source, shape: [height, width, 3] },
    image: {
      width,
      height,
      layout: 'NHWC',
      channels: 'RGB',
      pixelMap: { shape: [height, width], values },
      channelReduction: 'replicated',
      preview: { mime: 'image/png', base64: PNG },
      original: { format: 'png', width, height, detail: 'RGB, 8-bit' },
    },
  });
}

const GRADCAM = (): Explanation => imageExplanation({ id: 'grad-cam', options: { layer: 'conv3' } }, [0, 0.5, 1, 2, 0, 0, 0.25, 4]);
const IG = (): Explanation => imageExplanation({ id: 'integrated-gradients', options: { steps: 32 } }, [1, -1, 2, -2, 0, 0.5, -0.5, 4]);

const PREFS: ImagePrefs = { opacity: 0.6, colormap: 'viridis', sign: 'absolute', clipPercentile: 100 };

function render(explanations: Explanation[], prefs: ImagePrefs = PREFS) {
  const doc = new CanvasDocument();
  const calls: unknown[][] = [];
  const handlers: ImageBodyHandlers = {
    setPrefs: (patch) => calls.push(['setPrefs', patch]),
    remove: (i) => calls.push(['remove', i]),
    exportPng: (i, base64, name) => calls.push(['exportPng', i, base64, name]),
  };
  const section = renderImageBody(doc as unknown as Document, explanations, prefs, handlers) as unknown as FakeElement;
  return { doc, section, calls };
}

const byId = (root: FakeElement, id: string): FakeElement => {
  const hit = root.find((e) => e.getAttribute('id') === id)[0];
  assert.ok(hit, `#${id}`);
  return hit;
};
const cards = (root: FakeElement): FakeElement[] => root.find((e) => e.className === 'image-card');
const buttons = (root: FakeElement, label: string): FakeElement[] => root.find((e) => e.tagName === 'vscode-button' && e.textContent === label);
const texts = (el: FakeElement): string[] => el.children.flatMap((c) => (c instanceof FakeText ? [c.data] : texts(c)));
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

test('renders a section with one card per explanation, each with image, overlay canvas and legend', () => {
  const { section } = render([GRADCAM(), IG()]);
  assert.equal(section.tagName, 'section');
  const list = cards(section);
  assert.equal(list.length, 2);
  assert.deepEqual(list.map((c) => c.find((e) => e.tagName === 'h3')[0].textContent), ['grad-cam (layer conv3)', 'integrated-gradients']);
  for (const c of list) {
    const img = c.find((e) => e.tagName === 'img')[0];
    assert.equal(img.getAttribute('src'), `data:image/png;base64,${PNG}`);
    assert.match(img.getAttribute('alt') ?? '', /cat\.png as the model saw it, 4×2/);
    const canvas = c.find((e) => e.tagName === 'canvas')[0] as FakeCanvas;
    assert.deepEqual([canvas.width, canvas.height], [4, 2]);
    assert.equal(canvas.style.opacity, '0.6');
    assert.match(c.find((e) => e.className === 'colorbar')[0].style.backgroundImage, /^linear-gradient\(to right, rgb\(68, 1, 84\) 0\.00%/);
    assert.equal(buttons(c, 'Export PNG').length, 1);
  }
});

test('the overlay canvas holds the overlay pixels at full strength; the legend shows the range', () => {
  const e = IG();
  const { section } = render([e], { ...PREFS, sign: 'all' });
  const canvas = section.find((el) => el.tagName === 'canvas')[0] as FakeCanvas;
  const expected = renderOverlay({ width: 4, height: 2, values: e.image!.pixelMap.values }, { ...PREFS, sign: 'all', opacity: 1 });
  assert.deepEqual([...canvas.context!.image!.data], [...expected.rgba]);
  const labels = section.find((el) => el.tagName === 'span' && el.className.startsWith('colorbar-label')).map((el) => el.textContent);
  assert.deepEqual(labels, ['−4', '0', '4']);
  assert.match(section.find((el) => el.className === 'image-legend-caption')[0].textContent, /min −2 · max 4 · 68% of the mass positive/);
});

test('remove buttons appear only with more than one explanation and report the card index', () => {
  assert.equal(buttons(render([GRADCAM()]).section, 'Remove').length, 0);
  const { section, calls } = render([GRADCAM(), IG(), GRADCAM()]);
  const removes = buttons(section, 'Remove');
  assert.equal(removes.length, 3);
  assert.equal(removes[1].getAttribute('aria-label'), 'Remove integrated-gradients');
  removes[1].dispatch('click');
  removes[2].dispatch('click');
  assert.deepEqual(calls, [['remove', 1], ['remove', 2]]);
});

test('the opacity slider updates the overlays live while dragging and commits once through setPrefs', () => {
  const { section, calls } = render([GRADCAM(), IG()]);
  const slider = byId(section, 'overlay-opacity');
  assert.equal(slider.tagName, 'input');
  assert.equal(slider.getAttribute('type'), 'range');
  assert.equal(slider.getAttribute('value'), '60');
  const label = section.find((e) => e.tagName === 'label' && e.getAttribute('for') === 'overlay-opacity');
  assert.equal(label.length, 1);
  const value = section.find((e) => e.className.includes('image-opacity-value'))[0];
  assert.equal(value.textContent, '60%');
  slider.dispatch('input', { value: '35' });
  assert.equal(value.textContent, '35%');
  const canvases = section.find((e) => e.tagName === 'canvas');
  assert.deepEqual(canvases.map((c) => c.style.opacity), ['0.35', '0.35']);
  assert.deepEqual(calls, [], 'no re-render while dragging');
  slider.dispatch('change', { value: '35' });
  assert.deepEqual(calls, [['setPrefs', { opacity: 0.35 }]]);
});

test('colormap, sign and clip selects call setPrefs with typed values', () => {
  const { section, calls } = render([IG()]);
  byId(section, 'overlay-colormap').dispatch('change', { value: 'cividis' });
  byId(section, 'overlay-sign').dispatch('change', { value: 'all' });
  byId(section, 'overlay-clip').dispatch('change', { value: '99.5' });
  byId(section, 'overlay-sign').dispatch('change', { value: 'absolute' }); // unchanged: ignored
  byId(section, 'overlay-sign').dispatch('change', { value: '<script>' }); // unknown: ignored
  assert.deepEqual(calls, [['setPrefs', { colormap: 'cividis' }], ['setPrefs', { sign: 'all' }], ['setPrefs', { clipPercentile: 99.5 }]]);
  for (const id of ['overlay-colormap', 'overlay-sign', 'overlay-clip']) {
    assert.equal(section.find((e) => e.tagName === 'label' && e.getAttribute('for') === id).length, 1, `label for ${id}`);
    assert.ok(byId(section, id).getAttribute('aria-label'));
  }
  const selected = byId(section, 'overlay-clip').find((e) => e.getAttribute('selected') !== null);
  assert.deepEqual(selected.map((e) => e.getAttribute('value')), ['100']);
});

test('Export PNG waits for the image, composites image and overlay at the image size and reports the card index', async () => {
  const { section, calls } = render([GRADCAM(), IG()], { ...PREFS, opacity: 0.5 });
  const second = cards(section)[1];
  buttons(second, 'Export PNG')[0].dispatch('click');
  await tick();
  assert.deepEqual(calls, [], 'nothing is exported before the image has loaded');
  (second.find((e) => e.tagName === 'img')[0] as FakeImage).finishLoading();
  await tick();
  assert.equal(calls.length, 1);
  const [kind, index, base64, name] = calls[0] as [string, number, string, string];
  assert.equal(kind, 'exportPng');
  assert.equal(index, 1);
  assert.equal(name, 'cat-integrated-gradients-cat.png');
  assert.doesNotMatch(base64, /^data:/);
  const record = decodeRecord(base64);
  assert.deepEqual([record.width, record.height], [4, 2]);
  const draws = record.ops.filter((o) => o.op === 'drawImage');
  assert.deepEqual(draws.map((d) => [d.source, d.dx, d.dy, d.dw, d.dh]), [['img', 0, 0, 4, 2], ['canvas', 0, 0, 4, 2]]);
  // The overlay layer carries the opacity (0.5 × full intensity).
  assert.equal(draws[1].maxAlpha, 128);
});

test('export uses the live opacity after the slider moved', async () => {
  const { section, calls } = render([GRADCAM()]);
  byId(section, 'overlay-opacity').dispatch('input', { value: '100' });
  (section.find((e) => e.tagName === 'img')[0] as FakeImage).finishLoading();
  buttons(section, 'Export PNG')[0].dispatch('click');
  await tick();
  const draws = decodeRecord((calls.find((c) => c[0] === 'exportPng') as string[])[2]).ops.filter((o) => o.op === 'drawImage');
  assert.equal(draws[1].maxAlpha, 255);
});

test('method names and file names containing markup render literally, as text and attribute values only', () => {
  const evil = imageExplanation(
    { id: 'grad-cam', options: { layer: '<img src=x onerror=alert(1)>' } },
    [0, 1, 0, 1, 0, 1, 0, 1],
    4,
    2,
    '/data/<svg onload=alert(1)>.png',
  );
  evil.target.label = '<b onmouseover=alert(1)>cat</b>';
  const { doc, section, calls } = render([evil, IG()]);
  const allowed = new Set(['section', 'h2', 'h3', 'div', 'p', 'span', 'label', 'input', 'output', 'header', 'article', 'img', 'canvas',
    'vscode-button', 'vscode-single-select', 'vscode-option']);
  for (const tag of doc.created) assert.ok(allowed.has(tag), `unexpected element <${tag}>`);
  assert.equal(doc.created.filter((t) => t === 'img').length, 2, 'only the two previews are images');
  const all = texts(section);
  assert.ok(all.includes('grad-cam (layer <img src=x onerror=alert(1)>)'));
  assert.ok(all.some((t) => t.startsWith('<svg onload=alert(1)>.png · 4×2')));
  assert.ok(all.some((t) => t.includes('<b onmouseover=alert(1)>cat</b> (3)')));
  for (const el of section.descendants()) {
    for (const name of el.attributes.keys()) assert.doesNotMatch(name, /^on|^style$/i, `attribute ${name} on <${el.tagName}>`);
  }
  buttons(section, 'Remove')[0].dispatch('click');
  assert.deepEqual(calls, [['remove', 0]]);
  // The suggested file name is reduced to safe characters.
  assert.equal(suggestedPngName(evil), 'svg_onload_alert_1_-grad-cam-_b_onmouseover_alert_1_cat_b_.png');
});

test('a malformed preview is not used as an image source', () => {
  const e = GRADCAM();
  e.image!.preview.base64 = '"><script>alert(1)</script>';
  const { doc, section } = render([e]);
  assert.ok(!doc.created.includes('img'));
  assert.match(texts(section).join(' '), /preview is missing or malformed/);
  assert.equal(section.find((el) => el.tagName === 'canvas').length, 1, 'the overlay is still drawn');
});

test('notes: an all-zero map, a map without the selected sign, a broken pixel map, an explanation without image', () => {
  const zero = imageExplanation({ id: 'rise', options: {} }, new Array(8).fill(0));
  const broken = GRADCAM();
  broken.image!.pixelMap = { shape: [2, 4], values: [1, 2, 3] };
  const tabular = sampleExplanation();
  const { section } = render([zero, GRADCAM(), broken, tabular], { ...PREFS, sign: 'negative' });
  const notes = cards(section).map((c) => c.find((e) => e.className.startsWith('note')).map((e) => e.textContent).join(' '));
  assert.match(notes[0], /zero everywhere/);
  assert.match(notes[1], /no negative values/);
  assert.match(notes[2], /3 values for 2×4 pixels/);
  assert.match(notes[3], /no image map/);
  assert.equal(cards(section)[2].find((e) => e.tagName === 'canvas').length, 0);
});

test('large maps are drawn after the render returns, then cached for the next render', async () => {
  const w = 300;
  const hgt = 260;
  const values = Array.from({ length: w * hgt }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.3);
  const e = imageExplanation({ id: 'saliency', options: {} }, values, w, hgt);
  const first = render([e]);
  const canvas = first.section.find((el) => el.tagName === 'canvas')[0] as FakeCanvas;
  assert.equal(canvas.context, undefined, 'not drawn during render');
  assert.match(texts(first.section).join(' '), /Computing the overlay/);
  await tick();
  assert.deepEqual([canvas.width, canvas.height], [300, 260]);
  assert.equal(canvas.context!.image!.data.length, w * hgt * 4);
  const second = render([e]);
  const again = second.section.find((el) => el.tagName === 'canvas')[0] as FakeCanvas;
  assert.ok(again.context?.image, 'a re-render with the same map and settings draws at once');
});

test('resolveImagePrefs fills in and repairs saved prefs', () => {
  assert.deepEqual(resolveImagePrefs(undefined), { opacity: 0.6, colormap: 'inferno', sign: 'absolute', clipPercentile: 99.5 });
  assert.deepEqual(
    resolveImagePrefs({ opacity: 3, colormap: 'jet' as never, sign: 'all', clipPercentile: 12 }),
    { opacity: 1, colormap: 'inferno', sign: 'all', clipPercentile: 99.5 },
  );
});
