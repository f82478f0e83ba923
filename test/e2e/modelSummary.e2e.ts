// The model summary editor: opening an .onnx file shows Attribution Lens's summary (the CLI's `info`: op histogram,
// node list) with an Explain button; the op buttons filter the nodes; everything works with the keyboard alone.
import assert from 'node:assert/strict';
import { relative, sep } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { cliInfo } from './harness/cli';
import { e2eFile } from './harness/e2e';
import { activeEditorName, dismissHover, revealInExplorer, TIMEOUT, visibleWebviewFrame, waitForExtension } from './harness/workbench';
import type { ModelSummary } from '../../src/shared/types';

const file = e2eFile('model-summary');

/** Op types by descending count, ties alphabetically: the histogram's order. */
function histogramOf(s: ModelSummary): { op: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const l of s.layers) counts.set(l.type, (counts.get(l.type) ?? 0) + 1);
  return [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || (a.op < b.op ? -1 : 1));
}

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

async function openSummary(page: Page, path: string): Promise<FrameLocator> {
  const segments = relative(file.session.workspace.root, path).split(sep);
  await waitForExtension(page);
  const row = await revealInExplorer(page, segments);
  await dismissHover(page);
  await row.click();
  const frame = visibleWebviewFrame(page);
  await frame.locator('table.histogram tbody tr').first().waitFor({ timeout: 60_000 });
  return frame;
}

async function shownHistogram(frame: FrameLocator) {
  return frame.locator('table.histogram tbody tr').evaluateAll((rows) =>
    rows.map((r) => {
      const bar = r.querySelector('.bar')!.getBoundingClientRect().width;
      const track = r.querySelector('.track')!.getBoundingClientRect().width;
      return { op: r.querySelector('button')?.textContent ?? '', count: Number(r.querySelector('td.num')?.textContent ?? 'NaN'), fraction: bar / track };
    }),
  );
}

async function shownNodes(frame: FrameLocator) {
  return frame.locator('table.nodes tbody tr').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent ?? '')),
  );
}

async function status(frame: FrameLocator): Promise<string> {
  return ((await frame.locator('.node-page [role="status"]').textContent()) ?? '').trim();
}

file.scenario('model summary: an .onnx opens in the summary editor with the CLI’s op histogram and nodes', async (s) => {
  const page = s.page;
  const model = file.session.workspace.onnxCnn;
  const info = cliInfo(model);
  const frame = await s.step('click onnx/cnn2d.onnx in the explorer', () => openSummary(page, model));
  await s.step('the editor is Attribution Lens’s summary of cnn2d.onnx', async () => {
    assert.equal(await activeEditorName(page), 'cnn2d.onnx');
    assert.equal(await frame.locator('h1').textContent(), 'cnn2d.onnx');
    const subtitle = (await frame.locator('.subtitle').textContent()) ?? '';
    assert.ok(subtitle.startsWith(`ONNX · ${thousands(info.parameterCount)} parameters · ${info.layers.length} nodes`), subtitle);
  });
  await s.step('the op histogram equals the CLI’s node types, bars proportional to the counts', async () => {
    const expected = histogramOf(info);
    const shown = await shownHistogram(frame);
    assert.deepEqual(
      shown.map(({ op, count }) => ({ op, count })),
      expected,
    );
    const max = expected[0].count;
    assert.ok(max > 1, 'some op occurs more than once, so the bars differ');
    for (const row of shown) assert.ok(Math.abs(row.fraction - row.count / max) < 0.02, `${row.op}: bar at ${row.fraction.toFixed(3)} of the track, count ${row.count}/${max}`);
  });
  await s.step('the node list is the CLI’s nodes in order', async () => {
    assert.equal(await status(frame), `Nodes 1–${info.layers.length} of ${info.layers.length}`);
    assert.deepEqual(
      await shownNodes(frame),
      info.layers.map((l, i) => [String(i), l.name, l.type]),
    );
  });
  await s.step('the Explain button is there', async () => {
    const explain = frame.locator('vscode-button#explain');
    assert.ok(await explain.isVisible(), 'Explain Model… is visible');
    assert.equal(((await explain.textContent()) ?? '').trim(), 'Explain Model…');
  });
  const top = histogramOf(info)[0];
  await s.step(`clicking ${top.op} in the histogram shows only the ${top.count} ${top.op} nodes`, async () => {
    await frame.locator('table.histogram button', { hasText: top.op }).first().click();
    const total = info.layers.length;
    await frame.locator('.node-page [role="status"]', { hasText: `of ${top.count} (filtered from ${total})` }).waitFor({ timeout: TIMEOUT });
    assert.equal(await frame.locator('#node-search').inputValue(), top.op);
    assert.deepEqual(
      await shownNodes(frame),
      info.layers.flatMap((l, i) => (l.type === top.op ? [[String(i), l.name, l.type]] : [])),
    );
  });
});

file.scenario('model summary, keyboard only: Tab reaches the op buttons and the search box, Enter filters and explains', async (s) => {
  const page = s.page;
  const model = file.session.workspace.onnxCnn;
  const info = cliInfo(model);
  const frame = await s.step('open onnx/cnn2d.onnx', () => openSummary(page, model));
  /** What has the keyboard focus in the webview: tag, id, class and text. */
  const focused = () =>
    frame.locator(':root').evaluate(() => {
      const el = document.activeElement;
      return el ? { tag: el.tagName.toLowerCase(), id: el.id, className: el.getAttribute('class') ?? '', text: (el.textContent ?? '').trim() } : undefined;
    });
  const order: string[] = [];
  const tabTo = async (match: (f: NonNullable<Awaited<ReturnType<typeof focused>>>) => boolean, what: string, key = 'Tab') => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press(key);
      const f = await focused();
      order.push(f ? `${f.tag}${f.id ? '#' + f.id : ''}${f.text && f.text.length < 30 ? ` "${f.text}"` : ''}` : '?');
      if (f && match(f)) return;
    }
    throw new Error(`${what} never got the focus; focus went: ${order.join(' → ')}`);
  };
  await s.step('focus the summary (click its title) and Tab to the Explain button', async () => {
    await frame.locator('h1').click();
    await tabTo((f) => f.id === 'explain', 'the Explain Model… button');
  });
  const conv = histogramOf(info)[0];
  await s.step(`Tab on to the ${conv.op} op button; its focus is visible`, async () => {
    await tabTo((f) => f.tag === 'button' && f.text === conv.op, `the ${conv.op} button`);
    const underline = await frame.locator('table.histogram button:focus').evaluate((el) => getComputedStyle(el).textDecorationLine);
    assert.equal(underline, 'underline', 'a focused op button is underlined');
  });
  await s.step(`Enter filters the nodes to ${conv.op}`, async () => {
    await page.keyboard.press('Enter');
    await frame.locator('.node-page [role="status"]', { hasText: `of ${conv.count} (filtered` }).waitFor({ timeout: TIMEOUT });
    assert.equal(await frame.locator('#node-search').inputValue(), conv.op);
  });
  await s.step('Tab reaches the search box, which shows its focus', async () => {
    await tabTo((f) => f.id === 'node-search', 'the search box');
    const outline = await frame.locator('#node-search').evaluate((el) => {
      const st = getComputedStyle(el);
      return { style: st.outlineStyle, width: parseFloat(st.outlineWidth) };
    });
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width > 0, `outline ${JSON.stringify(outline)}`);
  });
  const relus = info.layers.filter((l) => l.type === 'Relu');
  await s.step('typing "relu" filters the nodes to the Relu nodes', async () => {
    await page.keyboard.press('Control+A');
    await page.keyboard.type('relu');
    await frame.locator('.node-page [role="status"]', { hasText: `of ${relus.length} (filtered` }).waitFor({ timeout: TIMEOUT });
    assert.deepEqual(
      (await shownNodes(frame)).map((r) => r[1]),
      relus.map((l) => l.name),
    );
  });
  await s.screenshot('filtered by keyboard');
  await s.step('Shift+Tab back to Explain Model…, Enter starts Explain Model… for this model', async () => {
    await tabTo((f) => f.id === 'explain', 'the Explain Model… button', 'Shift+Tab');
    await page.keyboard.press('Enter');
    // The model is the open file, so the first question is the input (no model picker).
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Explain Model: input' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('.quick-input-widget .quick-input-title', { hasText: 'choose a model' }).count(), 0);
  });
  await s.screenshot('explain from the summary');
  await s.step('Escape closes the question', async () => {
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: TIMEOUT });
  });
});

file.teardownTest();
