// Bad input: a broken model gives one error notification that names the file, and the extension keeps working.
// Hostile data: feature names holding markup are shown as text, never parsed as HTML.
import assert from 'node:assert/strict';
import { e2eFile } from './harness/e2e';
import { waitUntil } from './harness/editor';
import { explainFromPalette, EXPLAIN_COMMAND, waitForPanel } from './harness/explainFlow';
import { renderedFeatures } from './harness/panel';
import { MARKUP_NAMES } from './harness/workspace';
import { notification, notificationMessages, quickPick, runCommand, TIMEOUT, webviewFrame } from './harness/workbench';

const file = e2eFile('robustness');

file.scenario('bad input: a corrupt model.json gives an error naming the file, then a good model still works', async (s) => {
  const page = s.page;
  const corrupt = file.session.workspace.corruptModel;
  await s.step('Explain Model… on bad-models/corrupt-json/model.json', async () => {
    await runCommand(page, EXPLAIN_COMMAND);
    await quickPick(page, 'corrupt-json', { title: 'Explain Model: choose a model' });
  });
  await s.step('an error notification names the file and the problem', async () => {
    const toast = notification(page, corrupt);
    await toast.waitFor({ timeout: TIMEOUT });
    const text = (await toast.locator('.notification-list-item-message').textContent()) ?? '';
    assert.match(text, /not valid JSON/, text);
    assert.ok(await toast.locator('.monaco-button', { hasText: 'Show Log' }).isVisible(), 'the notification offers Show Log');
    // No picker is left open after the failure.
    assert.equal(await page.locator('.quick-input-widget .quick-input-box input').isVisible(), false);
  });
  await s.screenshot('error notification');
  await s.step('dismiss the notification', async () => {
    await notification(page, corrupt).hover();
    await notification(page, corrupt).locator('.codicon-notifications-clear').first().click();
    await notification(page, corrupt).waitFor({ state: 'detached', timeout: TIMEOUT });
  });
  await s.step('Explain Model… on the good sample shows attribution bars', async () => {
    await explainFromPalette(page, { model: 'credit-risk', input: 'data.csv', row: 0, method: 'input-x-gradient' });
    await waitForPanel(page);
    const features = await renderedFeatures(webviewFrame(page));
    assert.equal(features.length, 8);
    // The progress notification of the run may still be closing when the panel has drawn: wait for it to go, and
    // for no other notification (an error) to stay.
    await waitUntil(
      () => notificationMessages(page),
      (messages) => messages.length === 0,
      (messages) => `no error this time, but the notifications say: ${JSON.stringify(messages)}`,
    );
  });
});

file.scenario('markup: feature names holding HTML are shown literally in the panel', async (s) => {
  const page = s.page;
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await s.step('explain the markup copy of the sample', async () => {
    await explainFromPalette(page, { model: 'markup', input: 'data.csv', row: 2, method: 'integrated-gradients' });
    await waitForPanel(page);
  });
  const frame = webviewFrame(page);
  await s.step('the names are shown as text, character for character', async () => {
    const names = (await renderedFeatures(frame)).map((f) => f.name);
    for (const name of Object.values(MARKUP_NAMES)) assert.ok(names.includes(name), `'${name}' among ${JSON.stringify(names)}`);
    // The visible text (what a person reads), not only the DOM text.
    const visible = await frame.locator('.feature-list').innerText();
    for (const name of Object.values(MARKUP_NAMES)) assert.ok(visible.includes(name), `'${name}' is visible as text`);
  });
  await s.step('no element was made from the data and no script ran', async () => {
    assert.equal(await frame.locator('img').count(), 0, 'no <img> in the panel');
    assert.equal(await frame.locator('.feature-list b').count(), 0, 'no <b> in the feature list');
    assert.deepEqual(dialogs, []);
  });
});

file.teardownTest();
