// Reads what the explanation panel shows, as a person would see it: the feature rows in their order, with the
// name, value and attribution texts.
import type { FrameLocator } from 'playwright-core';
import { TIMEOUT } from './workbench';

export interface RenderedFeature {
  /** data-feature-index: the feature's index in the explanation. */
  index: number;
  name: string;
  value: string;
  scoreText: string;
  /** scoreText read back as a number ("−1.741" → -1.741). */
  score: number;
  revealable: boolean;
}

/** "+2.743", "−1.741", "7.06e-3" → number; the panel writes a real minus sign. */
export function parseShownNumber(text: string): number {
  return Number(text.trim().replace(/^\u2212/, '-').replace(/^\+/, ''));
}

export async function waitForFeatureBars(frame: FrameLocator, timeoutMs = TIMEOUT): Promise<void> {
  await frame.locator('.feature-list .feature-row').first().waitFor({ timeout: timeoutMs });
}

export async function renderedFeatures(frame: FrameLocator): Promise<RenderedFeature[]> {
  const rows = await frame.locator('.feature-list .feature-row').evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('data-feature-index')),
      name: el.querySelector('.feature-name')?.textContent ?? '',
      value: el.querySelector('.feature-value')?.textContent ?? '',
      scoreText: el.querySelector('.number')?.textContent ?? '',
      revealable: el.tagName === 'BUTTON',
    })),
  );
  return rows.map((r) => ({ ...r, score: parseShownNumber(r.scoreText) }));
}

export async function renderedClassScores(frame: FrameLocator): Promise<{ label: string; score: number; predicted: boolean }[]> {
  const rows = await frame.locator('.class-list .class-row').evaluateAll((els) =>
    els.map((el) => ({
      label: el.querySelector('.class-label')?.textContent ?? '',
      scoreText: el.querySelector('.number')?.textContent ?? '',
      predicted: el.classList.contains('is-predicted'),
    })),
  );
  return rows.map((r) => ({ label: r.label, score: parseShownNumber(r.scoreText), predicted: r.predicted }));
}

/** The panel shows 4 significant digits (3 in exponent notation): equal within that rounding. */
export function sameShownNumber(shown: number, exact: number): boolean {
  return Math.abs(shown - exact) <= 5e-3 * Math.abs(exact) + 1e-12;
}
