// Colors in the high-contrast themes, measured where they are painted: in the explanation panel and the model
// summary editor, every visible text reaches 4.5:1 against its background and every attribution bar, legend swatch
// and histogram bar 3:1 against what is behind it (WCAG 1.4.3 and 1.4.11). A failure names the element and its ratio.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { Page } from 'playwright-core';
import { belowContrast, frameWith, measureContrast, type ContrastReport } from './harness/contrast';
import { e2eFile } from './harness/e2e';
import { explainFromPalette, waitForPanel } from './harness/explainFlow';
import { renderedFeatures } from './harness/panel';
import { resultsPath } from './harness/paths';
import { dismissHover, revealInExplorer, setColorTheme, TIMEOUT, waitForExtension, webviewFrame } from './harness/workbench';

const file = e2eFile('contrast');
const TEXT_MIN = 4.5;
const FILL_MIN = 3;
const THEMES = [
  ['Dark High Contrast', 'hc-black'],
  ['Light High Contrast', 'hc-light'],
] as const;

const PANEL = { name: 'explanation panel', marker: '.feature-list', fills: '.fill, .swatch' };
const SUMMARY = { name: 'model summary editor', marker: 'table.histogram', fills: '.bar' };

async function measure(page: Page, what: typeof PANEL, kind: string): Promise<ContrastReport> {
  const frame = await frameWith(page, `body.vscode-high-contrast${kind === 'hc-light' ? '.vscode-high-contrast-light' : ':not(.vscode-high-contrast-light)'} ${what.marker}`);
  return measureContrast(frame, what.fills);
}

/** What is wrong with one view in one theme, one line each; empty when it all meets the minimums. */
function contrastProblems(report: ContrastReport, what: string, theme: string, minima: { texts: number; fills: number }): string[] {
  const problems: string[] = [];
  // Enough was measured that a broken measurement cannot pass unnoticed.
  if (report.text.length < minima.texts) problems.push(`only ${report.text.length} texts measured, expected at least ${minima.texts}`);
  if (report.fills.length < minima.fills) problems.push(`only ${report.fills.length} bars measured, expected at least ${minima.fills}`);
  problems.push(...belowContrast(report.text, TEXT_MIN), ...belowContrast(report.fills, FILL_MIN));
  return problems.map((p) => `${what} in ${theme}: ${p}`);
}

file.scenario('high contrast: panel and summary editor text ≥ 4.5:1, bars ≥ 3:1 in dark and light high-contrast themes', async (s) => {
  const page = s.page;
  await s.step('explain credit-risk row 3', async () => {
    await explainFromPalette(page, { model: 'credit-risk', input: 'data.csv', row: 3, method: 'integrated-gradients' });
    await waitForPanel(page);
  });
  const features = (await renderedFeatures(webviewFrame(page))).length;
  // Texts: title, subtitle, class labels and scores, feature names, values and scores. Fills: one bar per class
  // with a score and per feature with an attribution, and the two legend swatches.
  const panelMinima = { texts: 3 * features, fills: features };
  const summaryMinima = { texts: 40, fills: 10 };
  const reports: Record<string, ContrastReport> = {};
  const [dark, light] = THEMES;

  await s.step(`switch to ${dark[0]}`, () => setColorTheme(page, dark[0], dark[1]));
  reports.panelDark = await s.step(`measure the ${PANEL.name} in ${dark[0]}`, () => measure(page, PANEL, dark[1]));
  await s.screenshot(`${PANEL.name} ${dark[0]}`);

  await s.step('open onnx/cnn2d.onnx', async () => {
    await waitForExtension(page);
    const row = await revealInExplorer(page, relative(file.session.workspace.root, file.session.workspace.onnxCnn).split(sep));
    await dismissHover(page);
    await row.click();
    await frameWith(page, SUMMARY.marker, 60_000);
  });
  reports.summaryDark = await s.step(`measure the ${SUMMARY.name} in ${dark[0]}`, () => measure(page, SUMMARY, dark[1]));
  await s.screenshot(`${SUMMARY.name} ${dark[0]}`);

  await s.step(`switch to ${light[0]}`, () => setColorTheme(page, light[0], light[1]));
  reports.summaryLight = await s.step(`measure the ${SUMMARY.name} in ${light[0]}`, () => measure(page, SUMMARY, light[1]));
  await s.screenshot(`${SUMMARY.name} ${light[0]}`);
  await s.step('back to the explanation panel', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'Explain: credit-risk' }).first().click();
    await frameWith(page, PANEL.marker, TIMEOUT);
  });
  reports.panelLight = await s.step(`measure the ${PANEL.name} in ${light[0]}`, () => measure(page, PANEL, light[1]));
  await s.screenshot(`${PANEL.name} ${light[0]}`);

  // Every measurement is kept beside the screenshots, to see how close to the minimums the colors are.
  writeFileSync(resultsPath('contrast', 'contrast-ratios.json'), JSON.stringify(reports, null, 2));
  // Checked after measuring everything, so one run reports every theme and view.
  await s.step('every text ≥ 4.5:1 and every bar ≥ 3:1', async () => {
    const problems = Object.entries(reports).flatMap(([key, report]) =>
      contrastProblems(
        report,
        key.startsWith('panel') ? PANEL.name : SUMMARY.name,
        key.endsWith('Dark') ? dark[0] : light[0],
        key.startsWith('panel') ? panelMinima : summaryMinima,
      ),
    );
    assert.ok(problems.length === 0, `${problems.length} contrast problem(s):\n  ${problems.join('\n  ')}`);
    return problems;
  });
  await s.step('back to the dark theme', () => setColorTheme(page, 'Dark Modern', 'vs-dark'));
});

file.teardownTest();
