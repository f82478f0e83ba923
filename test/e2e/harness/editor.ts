// Reads a text editor the way a person sees it: its lines, the CodeLens above them, the decorations drawn on them
// and the hover over a character. Selectors are VS Code's own DOM (1.139): lines are absolutely positioned
// `.view-line`s (in no particular DOM order), line numbers sit in the margin at the same height, CodeLens are
// content widgets (`.codelens-decoration`) in a view zone above their line, and background/border decorations are
// `.cdr` overlay divs (VS Code merges touching ranges of one decoration type into one div).
import type { Locator, Page } from 'playwright-core';
import { dismissHover, revealInExplorer, TIMEOUT } from './workbench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * tsx compiles this file with esbuild's keepNames, which wraps named inner functions in `__name(…)`; functions sent
 * to the page by evaluate() need that helper there too.
 */
async function nameShim(target: Locator): Promise<void> {
  await target.page().evaluate('globalThis.__name ??= (f) => f');
}

/** The text editor of the active editor group (not the output panel's). */
export function activeTextEditor(page: Page): Locator {
  return page.locator('.part.editor .editor-group-container.active .editor-instance .monaco-editor').first();
}

/** Opens a workspace file by clicking it in the explorer (folders from the workspace root). */
export async function openFromExplorer(page: Page, segments: string[]): Promise<void> {
  const row = await revealInExplorer(page, segments);
  await dismissHover(page);
  await row.click();
  const name = segments[segments.length - 1];
  await page.locator(`.editor-group-container.active .tabs-container .tab.active[data-resource-name="${name}"]`).waitFor({ timeout: TIMEOUT });
}

export interface CodeLensInfo {
  /** The lens's visible text (codicons render as empty spans). */
  text: string;
  /** 1-based number of the line right below the lens: the line it belongs to. */
  line: number;
}

export interface DecorationBox {
  /** The generated decoration class names of the div (`ced-…`), sorted. */
  classes: string[];
  /** 1-based line. */
  line: number;
  /** 0-based columns [start, end) covered, from the div's pixel position and the editor's character width. */
  start: number;
  end: number;
}

export interface EditorLayout {
  lenses: CodeLensInfo[];
  decorations: DecorationBox[];
  /** 1-based line number → its text, for the lines rendered now. */
  lines: Record<number, string>;
}

/**
 * Everything the editor renders now, mapped to lines and columns by geometry: a line is found from its number in the
 * margin, a lens belongs to the first line below it, a decoration to the line it overlaps and to the columns it spans.
 */
export async function editorLayout(editor: Locator): Promise<EditorLayout> {
  await nameShim(editor);
  return editor.evaluate((root) => {
    const rect = (el: Element) => el.getBoundingClientRect();
    const numbers = [...root.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({
      line: Number((el.textContent ?? '').trim()),
      top: rect(el).top,
      bottom: rect(el).bottom,
    }));
    const viewLines = [...root.querySelectorAll('.view-lines .view-line')];
    const linesBox = rect(root.querySelector('.view-lines')!);
    const lineAt = (top: number, bottom: number) => numbers.find((n) => Math.abs((n.top + n.bottom) / 2 - (top + bottom) / 2) < (n.bottom - n.top) / 2)?.line ?? -1;
    const lines: Record<number, string> = {};
    let charWidth = 0;
    for (const vl of viewLines) {
      const r = rect(vl);
      const text = (vl.textContent ?? '').replace(/\u00a0/g, ' ');
      lines[lineAt(r.top, r.bottom)] = text;
      const span = vl.firstElementChild;
      if (span && text.length > 10 && !charWidth) charWidth = rect(span).width / text.length;
    }
    // Lenses of lines out of view stay in the DOM, hidden or outside the editor: only the shown ones count.
    const box = rect(root);
    const lenses = [...root.querySelectorAll('.codelens-decoration')]
      .filter((el) => {
        const r = rect(el);
        return r.height > 0 && r.width > 0 && r.top >= box.top && r.bottom <= box.bottom && el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
      })
      .map((el) => {
        const r = rect(el);
        const below = numbers.filter((n) => n.top >= r.bottom - 1 && n.top - r.bottom < r.height).sort((a, b) => a.top - b.top)[0];
        return { text: (el.textContent ?? '').replace(/\u00a0/g, ' ').trim(), line: below?.line ?? -1 };
      });
    const decorations = [...root.querySelectorAll('.view-overlays .cdr')]
      .map((el) => ({ el, classes: [...el.classList].filter((c) => c.startsWith('ced-')).sort() }))
      .filter((d) => d.classes.length > 0)
      .map(({ el, classes }) => {
        const r = rect(el);
        return {
          classes,
          line: lineAt(r.top, r.bottom),
          start: Math.round((r.left - linesBox.left) / charWidth),
          end: Math.round((r.right - linesBox.left) / charWidth),
        };
      });
    return { lenses, decorations, lines };
  });
}

/** Polls `read` until `ok` holds; throws with the last value described by `describe`. */
export async function waitUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, describe: (v: T) => string, timeoutMs = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(describe(v));
    await sleep(250);
  }
}

/** Clicks the lens right above `line` (1-based). */
export async function clickCodeLens(editor: Locator, line: number): Promise<void> {
  await nameShim(editor);
  const index = await editor.evaluate((root, line) => {
    const numbers = [...root.querySelectorAll('.margin-view-overlays .line-numbers')];
    const target = numbers.find((el) => (el.textContent ?? '').trim() === String(line));
    if (!target) return -1;
    const top = target.getBoundingClientRect().top;
    const lenses = [...root.querySelectorAll('.codelens-decoration')];
    let best = -1;
    let bestGap = Infinity;
    lenses.forEach((el, i) => {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return;
      const gap = top - el.getBoundingClientRect().bottom;
      if (gap >= -1 && gap < bestGap) {
        best = i;
        bestGap = gap;
      }
    });
    return bestGap < 40 ? best : -1;
  }, line);
  if (index < 0) throw new Error(`no CodeLens right above line ${line}`);
  await editor.locator('.codelens-decoration').nth(index).locator('a').first().click();
}

/** Moves the mouse over the middle of character `column` (0-based) of `line` (1-based) and returns the hover's text. */
export async function hoverText(page: Page, editor: Locator, line: number, column: number, expect: string | RegExp): Promise<string> {
  await nameShim(editor);
  const point = await editor.evaluate(
    (root, { line, column }) => {
      const number = [...root.querySelectorAll('.margin-view-overlays .line-numbers')].find((el) => (el.textContent ?? '').trim() === String(line));
      if (!number) return undefined;
      const n = number.getBoundingClientRect();
      const vl = [...root.querySelectorAll('.view-lines .view-line')].find((el) => {
        const r = el.getBoundingClientRect();
        return Math.abs(r.top - n.top) < n.height / 2;
      });
      const span = vl?.firstElementChild;
      const text = (vl?.textContent ?? '').length;
      if (!span || !text) return undefined;
      const s = span.getBoundingClientRect();
      const charWidth = s.width / text;
      return { x: s.left + (column + 0.5) * charWidth, y: n.top + n.height / 2 };
    },
    { line, column },
  );
  if (!point) throw new Error(`line ${line} is not rendered`);
  const hover = page.locator('.monaco-hover .hover-contents', { hasText: expect }).first();
  // The editor shows a hover after the mouse rests on a character; a small second move restarts that wait.
  const deadline = Date.now() + TIMEOUT;
  for (let i = 0; ; i++) {
    await page.mouse.move(point.x, point.y + (i % 2));
    if (await hover.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`no hover matching ${expect} over line ${line}, column ${column}`);
  }
  return ((await hover.innerText()) ?? '').replace(/\u00a0/g, ' ');
}
