// A folder of images: right-click image/ → Explain Images in Folder… → the gallery shows one card per image with the
// CLI's prediction; the label filter narrows it; a card opens that image's explanation in the explanation panel.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { cliExplainAsync } from './harness/cliAsync';
import { e2eFile } from './harness/e2e';
import { waitUntil } from './harness/editor';
import { chooseContextMenuItem, chooseOption } from './harness/panelControls';
import { openExplorerContextMenu, quickPick, TIMEOUT, visibleWebviewFrame, waitForExtension } from './harness/workbench';
import type { Explanation } from '../../src/shared/types';

const file = e2eFile('gallery');
const MENU_ITEM = 'Explain Images in Folder…';
const MODEL = 'planted-cnn';

file.scenario('gallery: Explain Images in Folder… shows each image with the CLI prediction; filter; a card opens its explanation', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const references = (async () => {
    const out: Explanation[] = [];
    for (const image of ws.images) out.push(await cliExplainAsync({ model: ws.imageModel, input: image, method: 'grad-cam', args: ['--batch-size', '32'] }));
    return out;
  })();
  references.catch(() => undefined);
  await s.step(`right-click image/ → ${MENU_ITEM}`, async () => {
    // Menu contributions of a remote extension reach a new window a few seconds after it opens.
    await waitForExtension(page);
    const items = await openExplorerContextMenu(page, ['image']);
    assert.ok(items.includes(MENU_ITEM), `the folder's menu lists ${items.join(' | ')}`);
    await chooseContextMenuItem(page, MENU_ITEM);
  });
  await s.step(`pick ${MODEL} and grad-cam`, async () => {
    await quickPick(page, MODEL, { title: 'choose an image model' });
    await quickPick(page, 'grad-cam', { title: 'Explain Images in Folder: attribution method' });
  });
  const expected = await s.step('the CLI explains the same images', () => references);
  const frame = visibleWebviewFrame(page);
  const cards = frame.locator('.gallery-card');
  await s.step('one card per image, named and labelled as the CLI predicts', async () => {
    await waitUntil(
      () => cards.count(),
      (n) => n === ws.images.length,
      (n) => `the gallery shows ${n} card(s), expected ${ws.images.length}`,
      90_000,
    );
    const shown = await cards.evaluateAll((els) =>
      els.map((el) => ({ name: el.querySelector('.gallery-name')?.textContent ?? '', label: el.querySelector('.gallery-label-name')?.textContent ?? '' })),
    );
    const want = ws.images.map((image, i) => ({ name: basename(image), label: expected[i]!.prediction.labels![expected[i]!.prediction.index]! }));
    assert.deepEqual(shown, want);
    assert.notEqual(want[0]!.label, want[1]!.label, 'the two staged images are predicted differently');
    assert.equal(await frame.locator('.gallery-card canvas.gallery-thumb-overlay').count(), ws.images.length);
  });
  await s.screenshot('gallery');
  await s.step('the label filter keeps only the images predicted as the chosen label', async () => {
    const label = expected[1]!.prediction.labels![expected[1]!.prediction.index]!;
    await frame.locator('#gallery-filter').waitFor({ timeout: TIMEOUT });
    await chooseOption(frame, 'gallery-filter', `${label} (1)`);
    await waitUntil(
      () => cards.count(),
      (n) => n === 1,
      (n) => `after filtering by ${label}: ${n} card(s)`,
    );
    assert.equal(await cards.first().locator('.gallery-name').textContent(), basename(ws.images[1]!));
  });
  await s.step('clicking the card opens its explanation: the image panel for that file and prediction', async () => {
    await cards.first().click();
    const panelCard = page.locator('iframe.webview.ready').locator('visible=true');
    await waitUntil(
      async () => {
        for (let i = 0; i < (await panelCard.count()); i++) {
          const f = panelCard.nth(i).contentFrame().frameLocator('#active-frame');
          if ((await f.locator('.image-card-file').count()) > 0) return (await f.locator('.image-card-file').first().textContent()) ?? '';
        }
        return '';
      },
      (t) => t.startsWith(`${basename(ws.images[1]!)} ·`),
      (t) => `the explanation panel shows '${t}', expected ${basename(ws.images[1]!)}`,
      60_000,
    );
  });
});

file.teardownTest();
