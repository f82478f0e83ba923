// Color contrast of what a webview renders, measured in the page with getComputedStyle: every piece of visible text
// against the background it is drawn on (WCAG 2 contrast ratio, text alpha and opacity composited), and every
// filled bar or swatch against what is behind it. Open shadow roots (vscode-elements) are included, and a slotted
// text takes its color from the slot, as the browser paints it. Disabled controls are left out, as WCAG 1.4.3 allows.
import type { Frame, Page } from 'playwright-core';
import { TIMEOUT } from './workbench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ContrastSample {
  /** "span.feature-name \"income\"": the element and the start of its text. */
  what: string;
  ratio: number;
  fg: string;
  bg: string;
}

export interface ContrastReport {
  /** Text nodes (their element), text against its background. */
  text: ContrastSample[];
  /** Bars and swatches: the fill against what is behind it. */
  fills: ContrastSample[];
}

/** The frame (at any depth) that has an element matching `selector`: webviews nest the page in two iframes. */
export async function frameWith(page: Page, selector: string, timeoutMs = TIMEOUT): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (await f.$(selector).then((h) => h !== null, () => false)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no frame shows ${selector}`);
    await sleep(250);
  }
}

/** Measures the frame; `fillSelector` names the bar/heat elements (e.g. '.fill, .swatch'). */
export async function measureContrast(frame: Frame, fillSelector: string): Promise<ContrastReport> {
  // tsx compiles with keepNames: the page needs esbuild's __name helper for the named inner functions below.
  await frame.evaluate('globalThis.__name ??= (f) => f');
  return frame.evaluate((fillSelector) => {
    type RGBA = [number, number, number, number];
    const probe = document.createElement('canvas').getContext('2d')!;
    /** Any CSS color → RGBA (0–255, alpha 0–1), through a canvas so every syntax the browser knows works. */
    const parse = (css: string): RGBA => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (m) {
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
      }
      probe.clearRect(0, 0, 1, 1);
      probe.fillStyle = '#000';
      probe.fillStyle = css;
      probe.fillRect(0, 0, 1, 1);
      const d = probe.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2], d[3] / 255];
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3] + bottom[3] * (1 - top[3]);
      if (a === 0) return [0, 0, 0, 0];
      const c = (i: number) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
      return [c(0), c(1), c(2), a];
    };
    const lum = (c: RGBA) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const css = (c: RGBA) => `rgb(${c.slice(0, 3).map((v) => Math.round(v)).join(', ')})`;
    /** The parent in the flat tree (what the browser renders and inherits through). */
    const parentOf = (n: Node): Element | null => {
      const slot = (n as Element | Text).assignedSlot;
      if (slot) return slot;
      if (n.parentElement) return n.parentElement;
      const root = n.parentNode;
      return root instanceof ShadowRoot ? root.host : null;
    };
    const chain = (el: Element | null): Element[] => {
      const out: Element[] = [];
      for (let e = el; e; e = parentOf(e)) out.push(e);
      return out;
    };
    /** The page's own background, under everything (the webview's editor background when the page sets none). */
    const base = (): RGBA => {
      for (const el of [document.body, document.documentElement]) {
        const c = parse(getComputedStyle(el).backgroundColor);
        if (c[3] === 1) return c;
      }
      const v = getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim();
      return v ? over(parse(v), [255, 255, 255, 1]) : [255, 255, 255, 1];
    };
    const opacityOf = (els: Element[]) => els.reduce((o, e) => o * Number(getComputedStyle(e).opacity || 1), 1);
    /** The color behind `el`'s content: the backgrounds of its ancestors and itself, composited bottom-up. */
    const backdrop = (el: Element | null): RGBA => {
      const els = chain(el);
      let c = base();
      for (let i = els.length - 1; i >= 0; i--) {
        const bg = parse(getComputedStyle(els[i]).backgroundColor);
        // An element's opacity (and its ancestors') fades its own background too.
        const alpha = bg[3] * opacityOf(els.slice(i));
        if (alpha > 0) c = over([bg[0], bg[1], bg[2], alpha], c);
      }
      return c;
    };
    const describe = (el: Element, text: string) => {
      const cls = [...el.classList].slice(0, 3).map((c) => `.${c}`).join('');
      const id = el.id ? `#${el.id}` : '';
      const t = text.trim().replace(/\s+/g, ' ');
      return `${el.tagName.toLowerCase()}${id}${cls}${t ? ` "${t.length > 40 ? t.slice(0, 40) + '…' : t}"` : ''}`;
    };
    const visible = (el: Element) => {
      const st = getComputedStyle(el);
      return st.visibility !== 'hidden' && st.display !== 'none' && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    };

    // Every rendered text node, in the document and in open shadow roots.
    const text: { what: string; ratio: number; fg: string; bg: string }[] = [];
    const walk = (root: Node) => {
      const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (let n = it.nextNode(); n; n = it.nextNode()) {
        if (n instanceof Element) {
          if (n.shadowRoot) walk(n.shadowRoot);
          continue;
        }
        const t = n.textContent ?? '';
        if (!t.trim()) continue;
        const el = parentOf(n);
        if (!el || ['SCRIPT', 'STYLE', 'OPTION', 'TITLE'].includes(el.tagName) || !visible(el)) continue;
        // Disabled controls are exempt (WCAG 1.4.3: "inactive user interface components").
        if (chain(el).some((e) => e.hasAttribute('disabled') || e.getAttribute('aria-disabled') === 'true')) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const r = range.getBoundingClientRect();
        // Visually hidden text (clipped to 1 px) and text of collapsed parts are not seen.
        if (r.width <= 1 || r.height <= 1) continue;
        const clip = getComputedStyle(el).clip;
        if (clip && clip !== 'auto' && /rect\(0(px)?,? 0(px)?/.test(clip)) continue;
        const bg = backdrop(el);
        const color = parse(getComputedStyle(el).color);
        const fg = over([color[0], color[1], color[2], color[3] * opacityOf(chain(el))], bg);
        text.push({ what: describe(el, t), ratio: ratio(fg, bg), fg: css(fg), bg: css(bg) });
      }
    };
    walk(document.body);

    const fills = [...document.querySelectorAll(fillSelector)]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width >= 1 && r.height >= 1 && visible(el);
      })
      .map((el) => {
        const behind = backdrop(parentOf(el));
        const own = backdrop(el);
        return { what: describe(el, ''), ratio: ratio(own, behind), fg: css(own), bg: css(behind) };
      });
    return { text, fills };
  }, fillSelector);
}

/** Samples below `min`, one line each: "span.x "text": 2.87:1 (rgb(…) on rgb(…)), needs 4.5:1". */
export function belowContrast(samples: ContrastSample[], min: number): string[] {
  return samples.filter((s) => s.ratio < min).map((s) => `${s.what}: ${s.ratio.toFixed(2)}:1 (${s.fg} on ${s.bg}), needs ${min}:1`);
}
