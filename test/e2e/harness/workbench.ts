// Helpers that drive VS Code's workbench the way a person does: the command palette, quick picks, the explorer's
// context menu, notifications, the status bar and webview panels. Selectors are VS Code's own DOM (1.139).
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** Longest wait for one thing a user would wait for (a picker, a panel, a notification). */
export const TIMEOUT = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer lists the workspace once the remote file system answers.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
}

const PALETTE_PLACEHOLDER = 'Type the name of a command to run.';
const quickInputBox = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');
const quickInputRows = (page: Page) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row[role="option"]');

/** The visible text of a quick pick row's label (codicons render as empty spans, so "$(table) a.csv" reads "a.csv"). */
async function rowLabel(row: Locator): Promise<string> {
  return ((await row.locator('.label-name').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function findRow(page: Page, match: (label: string) => boolean): Promise<Locator | undefined> {
  // The list is virtual: rows in the DOM are not always in list order, so the first match is the lowest data-index.
  const rows = quickInputRows(page);
  let best: { index: number; row: Locator } | undefined;
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const label = await rowLabel(row).catch(() => '');
    if (!match(label)) continue;
    const index = Number((await row.getAttribute('data-index').catch(() => null)) ?? i);
    if (!best || index < best.index) best = { index, row };
  }
  return best?.row;
}

async function visibleLabels(page: Page): Promise<string[]> {
  const rows = quickInputRows(page);
  const labels: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) labels.push(await rowLabel(rows.nth(i)).catch(() => '?'));
  return labels;
}

/**
 * Runs a command from the palette by its full title ("Category: Title"). The palette lists the commands known when
 * it opens, and an extension's commands arrive with the remote extension host a few seconds after the window, so it
 * reopens the palette until the command is there.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await quickInputBox(page).waitFor({ timeout: TIMEOUT });
    await quickInputBox(page).fill(`>${title}`);
    const rowDeadline = Date.now() + 3000;
    let row: Locator | undefined;
    while (!row && Date.now() < rowDeadline) {
      row = await findRow(page, (label) => label === title);
      if (!row) await sleep(200);
    }
    if (row) {
      await row.click();
      // The palette is gone (or the widget now asks the command's own question) before anyone types again.
      await page.locator(`.quick-input-widget .quick-input-box input[placeholder="${PALETTE_PLACEHOLDER}"]`).waitFor({ state: 'hidden', timeout: TIMEOUT });
      return;
    }
    const seen = await visibleLabels(page);
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`command '${title}' is not in the palette (it lists: ${seen.join(' | ') || 'nothing'})`);
    await sleep(1000);
  }
}

export interface QuickPickOptions {
  /** Wait for a quick pick with this title (or part of it) first, so the answer goes to the right question. */
  title?: string | RegExp;
  /** Match the row label exactly (default) or by substring. */
  exact?: boolean;
  /** Text typed into the filter; defaults to the text looked for. Empty string: do not type. */
  filter?: string;
}

/** Answers the open quick pick with the row whose label is `text`. */
export async function quickPick(page: Page, text: string, o: QuickPickOptions = {}): Promise<void> {
  await quickInputBox(page).waitFor({ timeout: TIMEOUT });
  if (o.title !== undefined) {
    await page.locator('.quick-input-widget .quick-input-title', { hasText: o.title }).waitFor({ timeout: TIMEOUT });
  }
  const filter = o.filter ?? text;
  if (filter) await quickInputBox(page).fill(filter);
  const exact = o.exact ?? true;
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const row = await findRow(page, (label) => (exact ? label === text : label.includes(text)));
    if (row) {
      await row.click();
      return;
    }
    if (Date.now() > deadline) {
      const title = await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '');
      throw new Error(`quick pick '${title}' has no row '${text}' (it lists: ${(await visibleLabels(page)).join(' | ')})`);
    }
    await sleep(200);
  }
}

/** The content of the (only) webview panel: VS Code nests the extension's page in an inner iframe. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
}

/** A notification toast whose text contains `text`. */
export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

export async function notificationMessages(page: Page): Promise<string[]> {
  return (await page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((t) => t.trim());
}

export interface EditorSelection {
  line: number;
  column: number;
  selected?: number;
}

/** The active editor's cursor from the status bar: "Ln 5, Col 7 (5 selected)" (1-based, as shown). */
export async function editorSelection(page: Page): Promise<EditorSelection | undefined> {
  const text = (await page.locator('[id="status.editor.selection"]').textContent({ timeout: 2000 }).catch(() => null)) ?? '';
  const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(text);
  if (!m) return undefined;
  return { line: Number(m[1]), column: Number(m[2]), ...(m[3] ? { selected: Number(m[3]) } : {}) };
}

/** Waits until the status bar shows the given cursor/selection. */
export async function waitForEditorSelection(page: Page, expected: EditorSelection, timeoutMs = TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: EditorSelection | undefined;
  while (Date.now() < deadline) {
    last = await editorSelection(page);
    if (last && last.line === expected.line && last.column === expected.column && last.selected === expected.selected) return;
    await sleep(200);
  }
  throw new Error(`the editor selection is ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}

/** The file name of the active tab in the active editor group. */
export async function activeEditorName(page: Page): Promise<string> {
  const tab = page.locator('.editor-group-container.active .tabs-container .tab.active').first();
  return (await tab.getAttribute('data-resource-name')) ?? '';
}

/** An explorer row by its file or folder name (rows are labelled by name). */
export function explorerRow(page: Page, name: string): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
}

/** Expands folders one after the other (names from the workspace root), then returns the row of the last segment. */
export async function revealInExplorer(page: Page, segments: string[]): Promise<Locator> {
  for (const [i, name] of segments.entries()) {
    const row = explorerRow(page, name).first();
    await row.waitFor({ timeout: TIMEOUT });
    if (i < segments.length - 1 && (await row.getAttribute('aria-expanded')) === 'false') await row.click();
  }
  return explorerRow(page, segments[segments.length - 1]).first();
}

/** Moves the mouse off the workbench's parts so a hover (e.g. a file's path) closes and stops covering rows. */
export async function dismissHover(page: Page): Promise<void> {
  await page.mouse.move(page.viewportSize()!.width / 2, 2);
  await page.locator('.hover-contents').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => page.keyboard.press('Escape'));
}

/**
 * Right-clicks an explorer entry and returns the labels of its context menu. Waits for the extension first: the menu
 * items of a remote extension reach a new window a few seconds after it opens.
 */
export async function openExplorerContextMenu(page: Page, segments: string[]): Promise<string[]> {
  await waitForExtension(page);
  const row = await revealInExplorer(page, segments);
  await dismissHover(page);
  await row.click({ button: 'right' });
  const items = page.locator('.context-view .monaco-menu .action-item .action-label');
  await items.first().waitFor({ timeout: TIMEOUT });
  return (await items.allTextContents()).map((t) => t.trim()).filter(Boolean);
}

/** Clicks an item of the open context menu. */
export async function clickContextMenuItem(page: Page, label: string): Promise<void> {
  await page.locator('.context-view .monaco-menu .action-item .action-label', { hasText: label }).first().click();
}

/** The workbench theme kind from its root classes: 'vs-dark', 'vs' (light), 'hc-black' or 'hc-light'. */
export async function themeKind(page: Page): Promise<string> {
  const classes = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
  return ['hc-light', 'hc-black', 'vs-dark', 'vs'].find((k) => classes.split(/\s+/).includes(k)) ?? 'unknown';
}

/** Picks a color theme the way a person does: Preferences: Color Theme, then the theme's name. */
export async function setColorTheme(page: Page, theme: string, kind: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await quickPick(page, theme);
  await waitForThemeKind(page, kind);
}

export async function waitForThemeKind(page: Page, kind: string, timeoutMs = TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await themeKind(page)) !== kind) {
    if (Date.now() > deadline) throw new Error(`the workbench theme is ${await themeKind(page)}, expected ${kind}`);
    await sleep(200);
  }
}

/**
 * The content of the visible webview (a panel or a custom editor): with several webviews open, VS Code hides the
 * iframes of the ones not shown.
 */
export function visibleWebviewFrame(page: Page): FrameLocator {
  return page.locator('iframe.webview.ready').locator('visible=true').first().contentFrame().frameLocator('#active-frame');
}

/**
 * Waits until Attribution Lens is active in this window (its status bar item is shown). A remote extension's
 * contributions reach a new window a few seconds after it opens; an .onnx opened before that gets VS Code's binary
 * file notice instead of the model summary editor.
 */
export async function waitForExtension(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.statusbar-item[id$="attributionLens.status"]').first().waitFor({ timeout: timeoutMs });
}
