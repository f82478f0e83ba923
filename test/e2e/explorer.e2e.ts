// The explorer's context menu: Explain Model… is offered on model.json (and only there), and explains the
// right-clicked model without asking which model.
import assert from 'node:assert/strict';
import { e2eFile } from './harness/e2e';
import { answerExplainPickers, waitForPanel } from './harness/explainFlow';
import { renderedFeatures } from './harness/panel';
import { clickContextMenuItem, openExplorerContextMenu, webviewFrame } from './harness/workbench';

const file = e2eFile('explorer');
const MENU_ITEM = 'Explain Model…';

file.scenario('explorer: the context menu of model.json offers Explain Model… and it explains that model', async (s) => {
  const page = s.page;
  await s.step('no Explain Model… on data.csv', async () => {
    const items = await openExplorerContextMenu(page, ['samples', 'credit-risk', 'data.csv']);
    assert.ok(items.length > 3, `the context menu opened (${items.join(' | ')})`);
    assert.ok(!items.includes(MENU_ITEM), `data.csv's menu lists ${items.join(' | ')}`);
    await page.keyboard.press('Escape');
  });
  await s.step('Explain Model… on model.json', async () => {
    const items = await openExplorerContextMenu(page, ['samples', 'credit-risk', 'model.json']);
    assert.ok(items.includes(MENU_ITEM), `model.json's menu lists ${items.join(' | ')}`);
    await s.screenshot('context menu');
    await clickContextMenuItem(page, MENU_ITEM);
  });
  // The right-clicked model is taken as the model: the first question is the input.
  await s.step('answer input, row, method and target', () =>
    answerExplainPickers(page, { input: 'data.csv', row: 7, method: 'saliency' }),
  );
  await s.step('the panel explains credit-risk row 7 with saliency', async () => {
    await waitForPanel(page);
    const frame = webviewFrame(page);
    assert.equal(await frame.locator('h1').textContent(), 'credit-risk');
    assert.match((await frame.locator('.subtitle').textContent()) ?? '', /^saliency · .*data\.csv · row 7$/);
    const features = await renderedFeatures(frame);
    assert.equal(features.length, 8);
    // Saliency is an absolute gradient (Captum's default): no negative bar.
    assert.ok(features.every((f) => f.score >= 0), features.map((f) => f.scoreText).join(' '));
  });
});

file.teardownTest();
