// Drives the explanation panel's own controls (the vscode-elements selects, the status line, the image overlay) and
// the workbench dialogs it opens (the save dialog), and lists a folder to prove what a command wrote.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { Scenario } from './scenario';
import { setColorTheme, TIMEOUT } from './workbench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** tsx's keepNames wraps inner functions in `__name(…)`: define it in the frame before evaluating functions there. */
export async function frameShim(frame: FrameLocator): Promise<void> {
  await frame.locator('body').evaluate(() => {
    (globalThis as { __name?: unknown }).__name ??= (f: unknown) => f;
  });
}

/** The value of a vscode-single-select (its `value` property). */
export async function selectValue(frame: FrameLocator, id: string): Promise<string> {
  return frame.locator(`#${id}`).evaluate((el) => String((el as unknown as { value?: unknown }).value ?? ''));
}

/**
 * Chooses an option of a vscode-single-select as a person does: click its face to open the dropdown (rendered in
 * the element's shadow DOM, which Playwright's CSS pierces), then click the option whose label is `label`.
 */
export async function chooseOption(frame: FrameLocator, id: string, label: string): Promise<void> {
  const select = frame.locator(`#${id}`);
  await select.locator('.face').first().click();
  const option = select.locator('[role="option"]').filter({ hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) });
  await option.first().waitFor({ timeout: TIMEOUT });
  await option.first().click();
}

/**
 * Records every text the status line (#panel-status) shows from now on; the panel redraws its controls on each
 * update, so a MutationObserver on the whole page catches texts that last only a moment.
 */
export async function recordStatus(frame: FrameLocator): Promise<void> {
  await frameShim(frame);
  await frame.locator('body').evaluate(() => {
    const w = window as unknown as { __statusSeen?: string[]; __statusObserver?: MutationObserver };
    w.__statusObserver?.disconnect();
    const seen: string[] = [];
    w.__statusSeen = seen;
    const note = () => {
      const text = document.getElementById('panel-status')?.textContent ?? '';
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    };
    w.__statusObserver = new MutationObserver(note);
    w.__statusObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

export async function statusSeen(frame: FrameLocator): Promise<string[]> {
  return frame.locator('body').evaluate(() => (window as unknown as { __statusSeen?: string[] }).__statusSeen ?? []);
}

export async function statusText(frame: FrameLocator): Promise<string> {
  return ((await frame.locator('#panel-status').textContent()) ?? '').trim();
}

export interface CanvasPixels {
  width: number;
  height: number;
  /** RGBA bytes as getImageData returns them. */
  data: number[];
}

/** The pixels drawn on an overlay canvas, read inside the webview. */
export async function canvasPixels(canvas: Locator): Promise<CanvasPixels> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const ctx = c.getContext('2d')!;
    return { width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  });
}

/** The overlay's opacity as the page computes it (the style the slider sets). */
export async function computedOpacity(el: Locator): Promise<string> {
  return el.evaluate((e) => getComputedStyle(e).opacity);
}

/**
 * Answers VS Code's save dialog. In code-server it is the simple file dialog: a quick input whose box holds the
 * path. Waits until the box shows the suggested file (its path ends with `suggestedEnd`), returns that suggestion,
 * then types `path` (absolute, on the server) and accepts it.
 */
export async function answerSaveDialog(page: Page, path: string, suggestedEnd: string): Promise<string> {
  const box = page.locator('.quick-input-widget .quick-input-box input');
  await box.waitFor({ timeout: TIMEOUT });
  // The dialog first shows the folder, then completes the suggested file name once it has listed the folder.
  const deadline = Date.now() + 10_000;
  let suggested = '';
  while (Date.now() < deadline && !(suggested = await box.inputValue()).endsWith(suggestedEnd)) await sleep(100);
  await box.fill(path);
  await sleep(300); // the dialog re-lists when the folder part changes; let it settle before accepting
  await box.press('Enter');
  return suggested;
}

/** Every file under `root` (relative path → size and mtime), to compare before and after a command. */
export function listFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.set(relative(root, p), `${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(root);
  return out;
}

/** Paths added, removed or changed between two listings. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed = new Set<string>();
  for (const [p, v] of after) if (before.get(p) !== v) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) changed.add(p);
  return [...changed].sort();
}

/** The rows of the open quick pick in list order: label and full text (label, description, detail). */
export async function quickPickRows(page: Page): Promise<{ index: number; label: string; text: string }[]> {
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row[role="option"]');
  await rows.first().waitFor({ timeout: TIMEOUT });
  const out = await rows.evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('data-index')),
      label: (el.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
    })),
  );
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Clicks an item of the open context menu and waits for the menu to close (the command runs then). A click that
 * lands while the menu is still laying itself out only highlights the item; it is clicked again in that case.
 */
export async function chooseContextMenuItem(page: Page, label: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-item .action-label', { hasText: label }).first();
  for (let attempt = 0; ; attempt++) {
    await item.click();
    if (await menu.waitFor({ state: 'hidden', timeout: 2000 }).then(() => true, () => false)) return;
    if (attempt >= 3) throw new Error(`the context menu stayed open after clicking '${label}' ${attempt + 1} times`);
  }
}

/**
 * Switches to Light Modern, then Dark Modern; in each, waits until the panel `frame` has redrawn for the theme and
 * `ready` holds, then takes a screenshot named `${label}, ${theme}`.
 */
export async function screenshotsInLightAndDark(s: Scenario, frame: FrameLocator, label: string, ready: () => Promise<void>): Promise<void> {
  for (const [theme, kind, body] of [
    ['Light Modern', 'vs', 'vscode-light'],
    ['Dark Modern', 'vs-dark', 'vscode-dark'],
  ] as const) {
    await s.step(`switch to ${theme}`, async () => {
      await setColorTheme(s.page, theme, kind);
      await frame.locator(`body.${body}`).waitFor({ timeout: TIMEOUT });
      await ready();
    });
    await s.screenshot(`${label}, ${theme}`);
  }
}
