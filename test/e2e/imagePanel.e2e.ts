// Images: right-click a PNG → Explain Image with Model… → the panel shows the image with the attribution overlay the
// CLI computes for the same request; the opacity slider (keyboard) changes the overlay; a second method goes side
// by side; the model is remembered for the folder; the panel in dark and light themes.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { cliExplainAsync } from './harness/cliAsync';
import { e2eFile } from './harness/e2e';
import { renderedClassScores, sameShownNumber } from './harness/panel';
import { canvasPixels, chooseContextMenuItem, chooseOption, computedOpacity, quickPickRows, recordStatus, screenshotsInLightAndDark, selectValue, statusSeen, type CanvasPixels } from './harness/panelControls';
import { openExplorerContextMenu, quickPick, TIMEOUT, webviewFrame } from './harness/workbench';
import { waitUntil } from './harness/editor';
import type { Explanation } from '../../src/shared/types';
import { DEFAULT_IMAGE_PREFS } from '../../webview/explanation/image/imageBody';
import { formatValue, pixelMapOf, renderOverlay } from '../../webview/explanation/image/overlay';
import type { Page } from 'playwright-core';

const file = e2eFile('image-panel');
const MENU_ITEM = 'Explain Image with Model…';
/** The staged model's folder names it in the model picker. */
const MODEL = 'planted-cnn';

/** The extension sends the settings' batch size (32); the CLI's default is 1, which makes occlusion ~20× slower. */
function cliReference(image: string, method: string): Promise<Explanation> {
  return cliExplainAsync({ model: file.session.workspace.imageModel, input: image, method, args: ['--batch-size', '32'] });
}

/** The overlay the panel must draw for this explanation with the default settings, at full strength. */
function expectedOverlay(e: Explanation) {
  const map = pixelMapOf(e.image!);
  if ('error' in map) throw new Error(map.error);
  return renderOverlay(map, { ...DEFAULT_IMAGE_PREFS, opacity: 1 });
}

/**
 * The canvas holds exactly the expected overlay: same size, the same alpha in every pixel (the alpha channel survives
 * the canvas's premultiplied storage exactly) and the same colors where the overlay is at least half opaque.
 */
function assertSameOverlay(shown: CanvasPixels, e: Explanation, what: string): number {
  const expected = expectedOverlay(e);
  assert.deepEqual([shown.width, shown.height], [expected.width, expected.height], `${what}: canvas size`);
  let opaque = 0;
  const alphaDiffs: number[] = [];
  const colorDiffs: number[] = [];
  for (let i = 0; i < expected.width * expected.height; i++) {
    const a = expected.rgba[i * 4 + 3];
    if (shown.data[i * 4 + 3] !== a) alphaDiffs.push(i);
    if (a > 0) opaque++;
    if (a >= 128) for (let c = 0; c < 3; c++) if (Math.abs(shown.data[i * 4 + c] - expected.rgba[i * 4 + c]) > 3) colorDiffs.push(i);
  }
  assert.deepEqual(alphaDiffs.slice(0, 10), [], `${what}: ${alphaDiffs.length} pixel(s) with another alpha than the CLI's map gives`);
  assert.deepEqual(colorDiffs.slice(0, 10), [], `${what}: ${colorDiffs.length} pixel(s) with another color than the CLI's map gives`);
  return opaque;
}

async function answerImagePickers(page: Page, method: string): Promise<void> {
  await quickPick(page, MODEL, { title: 'choose an image model' });
  await quickPick(page, method, { title: 'Explain Image: attribution method' });
  await quickPick(page, 'Predicted class', { title: 'target', filter: 'Predicted class' });
}

const cards = (page: Page) => webviewFrame(page).locator('.image-card');

async function waitForCards(page: Page, count: number): Promise<void> {
  await waitUntil(
    () => cards(page).count(),
    (n) => n === count,
    (n) => `the panel shows ${n} image card(s), expected ${count}`,
    60_000,
  );
}

const mapMax = (e: Explanation) => Math.max(...e.image!.pixelMap.values);
const mapMin = (e: Explanation) => Math.min(...e.image!.pixelMap.values);

file.scenario('image: Explain Image with Model… on a PNG draws the CLI overlay; opacity, side by side, remembered model, themes', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const [first, second] = ws.images;
  // The CLI runs in the background (one request after the other) while the editor is driven.
  const references = (async () => [await cliReference(first, 'grad-cam'), await cliReference(first, 'occlusion'), await cliReference(second, 'grad-cam')])();
  references.catch(() => undefined);
  await s.step(`right-click image/${basename(first)} → ${MENU_ITEM}`, async () => {
    const items = await openExplorerContextMenu(page, ['image', basename(first)]);
    assert.ok(items.includes(MENU_ITEM), `the image's menu lists ${items.join(' | ')}`);
    await chooseContextMenuItem(page, MENU_ITEM);
  });
  await s.step('the model picker: nothing remembered for image/ yet', async () => {
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'choose an image model' }).waitFor({ timeout: TIMEOUT });
    const rows = await quickPickRows(page);
    assert.ok(rows.some((r) => r.label === MODEL), `the picker lists ${MODEL}: ${rows.map((r) => r.label).join(' | ')}`);
    assert.notEqual(rows[0].label, MODEL, 'before any run the models are in path order, bad-models/ first');
    assert.ok(!rows.some((r) => r.text.includes('last explained')), rows.map((r) => r.text).join(' | '));
  });
  await s.step(`pick ${MODEL}, grad-cam, the predicted class`, () => answerImagePickers(page, 'grad-cam'));
  const frame = webviewFrame(page);
  const [gradCam, occlusion, blue] = await s.step('the CLI explains the same requests', () => references);
  await s.step('the panel shows one card with the image and an overlay canvas', async () => {
    await waitForCards(page, 1);
    const card = cards(page).first();
    assert.equal(await card.locator('h3').textContent(), `grad-cam (layer ${String(gradCam.method.options.layer)})`);
    assert.equal(await card.locator('.image-card-subtitle').textContent(), 'target red (0), the predicted class');
    assert.equal(await card.locator('.image-card-file').textContent(), `${basename(first)} · 32×32`);
    const img = card.locator('img.image-preview');
    assert.equal(await img.count(), 1, 'one <img>');
    await waitUntil(
      () => img.evaluate((el) => ({ complete: (el as HTMLImageElement).complete, w: (el as HTMLImageElement).naturalWidth, h: (el as HTMLImageElement).naturalHeight })),
      (v) => v.complete && v.w === 32 && v.h === 32,
      (v) => `the preview did not load as a 32×32 image: ${JSON.stringify(v)}`,
    );
    assert.equal(await card.locator('canvas.image-overlay').count(), 1, 'one overlay <canvas>');
  });
  await s.step('the canvas holds the CLI map drawn with the default settings (non-transparent where it attributes)', async () => {
    const shown = await canvasPixels(cards(page).first().locator('canvas.image-overlay'));
    const opaque = assertSameOverlay(shown, gradCam, 'grad-cam');
    const nonTransparent = shown.data.filter((_, i) => i % 4 === 3 && shown.data[i] > 0).length;
    assert.equal(nonTransparent, opaque, 'non-transparent pixels on the canvas');
    assert.ok(opaque >= 50, `${opaque} non-transparent pixels: the object's region at least`);
  });
  await s.step('prediction and map range equal the CLI', async () => {
    const classes = await renderedClassScores(frame);
    const p = gradCam.prediction;
    assert.deepEqual(classes.map((c) => c.label), p.labels);
    for (const [i, c] of classes.entries()) {
      assert.ok(sameShownNumber(c.score, p.scores[i]), `${c.label}: panel ${c.score}, CLI ${p.scores[i]}`);
      assert.equal(c.predicted, i === p.index, `${c.label} predicted badge`);
    }
    assert.equal(p.labels![p.index], 'red', 'the planted model sees the red object of 000.png');
    const caption = (await cards(page).first().locator('.image-legend-caption').textContent()) ?? '';
    assert.ok(caption.startsWith(`min ${formatValue(mapMin(gradCam))} · max ${formatValue(mapMax(gradCam))}`), `caption '${caption}' vs the CLI's map max ${mapMax(gradCam)}`);
  });
  await s.screenshot('grad-cam card');
  const slider = frame.locator('#overlay-opacity');
  const valueText = frame.locator('.image-opacity-value');
  await s.step('the overlay starts at the default opacity, 60%', async () => {
    assert.equal(await computedOpacity(cards(page).first().locator('canvas.image-overlay')), '0.6');
    assert.equal(await valueText.textContent(), '60%');
  });
  await s.step('keyboard: focus the opacity slider, ArrowLeft ×4 → 40%', async () => {
    await slider.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await waitUntil(
      async () => ({ opacity: await computedOpacity(cards(page).first().locator('canvas.image-overlay')), text: await valueText.textContent(), value: await slider.inputValue() }),
      (v) => v.opacity === '0.4' && v.text === '40%' && v.value === '40',
      (v) => `after 4 × ArrowLeft (step 5): ${JSON.stringify(v)}`,
    );
    assert.equal(await slider.getAttribute('aria-valuetext'), '40%');
    // The slider keeps the focus through the redraw that stores the preference.
    assert.equal(await frame.locator('#overlay-opacity:focus').count(), 1, 'the slider still has the focus');
  });
  await s.step('choose Occlusion in the method select and Add side by side', async () => {
    await chooseOption(frame, 'method-select', 'Occlusion');
    assert.equal(await selectValue(frame, 'method-select'), 'occlusion');
    await recordStatus(frame);
    await frame.locator('#rerun-add').click();
    await waitForCards(page, 2);
    assert.ok((await statusSeen(frame)).some((t) => t.startsWith('Running occlusion…')), `status line showed ${JSON.stringify(await statusSeen(frame))}`);
  });
  await s.step('two cards: grad-cam then occlusion, both drawn as the CLI computes them, at the chosen opacity', async () => {
    const titles = await cards(page).locator('h3').allTextContents();
    assert.deepEqual(titles, [`grad-cam (layer ${String(gradCam.method.options.layer)})`, 'occlusion']);
    assert.equal(await frame.locator('h2#image-heading').textContent(), 'Image attributions, side by side');
    const canvases = cards(page).locator('canvas.image-overlay');
    assert.equal(await canvases.count(), 2);
    assertSameOverlay(await canvasPixels(canvases.nth(0)), gradCam, 'grad-cam');
    assertSameOverlay(await canvasPixels(canvases.nth(1)), occlusion, 'occlusion');
    for (let i = 0; i < 2; i++) assert.equal(await computedOpacity(canvases.nth(i)), '0.4', `card ${i} opacity`);
    const caption = (await cards(page).nth(1).locator('.image-legend-caption').textContent()) ?? '';
    assert.ok(caption.startsWith(`min ${formatValue(mapMin(occlusion))} · max ${formatValue(mapMax(occlusion))}`), `occlusion caption '${caption}'`);
  });
  await screenshotsInLightAndDark(s, frame, 'side by side', () => waitForCards(page, 2));
  await s.step(`right-click image/${basename(second)}: ${MODEL} comes first, marked last explained`, async () => {
    await openExplorerContextMenu(page, ['image', basename(second)]);
    await chooseContextMenuItem(page, MENU_ITEM);
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'choose an image model' }).waitFor({ timeout: TIMEOUT });
    const rows = await quickPickRows(page);
    assert.equal(rows[0].label, MODEL, `first row: ${JSON.stringify(rows[0])}`);
    assert.ok(rows[0].text.includes('last explained'), `first row: ${rows[0].text}`);
    assert.equal(rows.filter((r) => r.text.includes('last explained')).length, 1, 'one remembered model');
  });
  await s.screenshot('remembered model');
  await s.step('explain it: the panel now shows that image alone, predicted blue', async () => {
    await answerImagePickers(page, 'grad-cam');
    await waitUntil(
      async () => ({ n: await cards(page).count(), file: await cards(page).first().locator('.image-card-file').textContent().catch(() => '') }),
      (v) => v.n === 1 && v.file === `${basename(second)} · 32×32`,
      (v) => `cards: ${JSON.stringify(v)}`,
      60_000,
    );
    assert.equal(blue.prediction.labels![blue.prediction.index], 'blue');
    const classes = await renderedClassScores(frame);
    assert.deepEqual(classes.filter((c) => c.predicted).map((c) => c.label), ['blue']);
    assertSameOverlay(await canvasPixels(cards(page).first().locator('canvas.image-overlay')), blue, 'grad-cam on 002.png');
  });
});

file.teardownTest();
