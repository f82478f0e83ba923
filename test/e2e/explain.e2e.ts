// The main path through the palette: explain a row of the sample, compare the panel with the CLI, and follow a
// feature back to its cell in the CSV, with the mouse and with the keyboard alone; the panel in dark and light.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { cliExplain } from './harness/cli';
import { e2eFile } from './harness/e2e';
import { explainFromPalette, waitForPanel } from './harness/explainFlow';
import { renderedClassScores, renderedFeatures, sameShownNumber } from './harness/panel';
import { activeEditorName, waitForEditorSelection, setColorTheme, webviewFrame } from './harness/workbench';
import type { Explanation, SourceSpan } from '../../src/shared/types';

const file = e2eFile('explain');
const ROW = 3;
const METHOD = 'integrated-gradients';
const answers = { model: 'credit-risk', input: 'data.csv', row: ROW, method: METHOD };

/** The extension asks the engine for the settings' defaults (50 steps, batch size 32); the CLI gets the same. */
function cliReference(): Explanation {
  const ws = file.session.workspace;
  return cliExplain({ model: ws.sampleModel, input: ws.sampleCsv, row: ROW, method: METHOD, args: ['--steps', '50', '--batch-size', '32'] });
}

/** The status bar shows the cursor, which a reveal leaves at the end of the selected cell. */
function selectionOf(span: SourceSpan) {
  return { line: span.line + 1, column: span.column + span.length + 1, selected: span.length };
}

/** Features by decreasing |attribution|, ties in input order: the panel's default sort. */
function byMagnitude(e: Explanation) {
  return e.features.map((f, index) => ({ ...f, index })).sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.index - b.index);
}

file.scenario('palette: Explain Model… on credit-risk row 3 with integrated gradients shows the CLI numbers', async (s) => {
  const page = s.page;
  await s.step('run Explain Model… and answer the pickers', () => explainFromPalette(page, answers));
  await s.step('the panel shows attribution bars', () => waitForPanel(page));
  const frame = webviewFrame(page);
  const shown = await s.step('read the panel', () => renderedFeatures(frame));
  const reference = cliReference();
  await s.step('feature order and attributions equal the CLI', async () => {
    const expected = byMagnitude(reference);
    assert.deepEqual(
      shown.map((f) => f.name),
      expected.map((f) => f.name),
    );
    for (const [i, f] of shown.entries()) {
      assert.ok(sameShownNumber(f.score, expected[i].score), `${f.name}: panel shows ${f.scoreText}, CLI computed ${expected[i].score}`);
      assert.equal(f.value, String(expected[i].value), `${f.name}: value`);
    }
    // At least one bar is non-trivial, so the comparison is not between zeros.
    assert.ok(shown.some((f) => Math.abs(f.score) > 0.1), 'some attribution is larger than 0.1');
  });
  await s.step('prediction scores equal the CLI', async () => {
    const classes = await renderedClassScores(frame);
    const labels = reference.prediction.labels ?? [];
    assert.equal(classes.length, reference.prediction.scores.length);
    for (const c of classes) {
      const i = labels.indexOf(c.label);
      assert.ok(i >= 0, `class '${c.label}' is one of the model's labels`);
      assert.ok(sameShownNumber(c.score, reference.prediction.scores[i]), `${c.label}: panel ${c.score}, CLI ${reference.prediction.scores[i]}`);
      assert.equal(c.predicted, i === reference.prediction.index, `${c.label} predicted badge`);
    }
  });
  await s.step('the subtitle names the method and the row', async () => {
    const subtitle = (await frame.locator('.subtitle').textContent()) ?? '';
    assert.match(subtitle, new RegExp(`${METHOD}.*data\\.csv · row ${ROW}`));
  });
});

file.scenario('panel → editor: clicking a feature selects its cell in data.csv', async (s) => {
  const page = s.page;
  await s.step('explain row 3', async () => {
    await explainFromPalette(page, answers);
    await waitForPanel(page);
  });
  const reference = cliReference();
  const feature = byMagnitude(reference)[1]; // not the first row, so the click is clearly on the chosen one
  const span = feature.span!;
  await s.step(`click the bar of ${feature.name}`, () =>
    webviewFrame(page).locator(`.feature-row[data-feature-index="${feature.index}"]`).click(),
  );
  await s.step('data.csv is active with the cell selected', async () => {
    await waitForEditorSelection(page, selectionOf(span));
    assert.equal(await activeEditorName(page), basename(span.file));
  });
  await s.step('the panel stays visible beside the file', async () => {
    assert.ok(await page.locator('iframe.webview.ready').first().isVisible(), 'the explanation panel is visible');
    assert.ok(await webviewFrame(page).locator('.feature-list').isVisible(), 'its feature bars are visible');
  });
});

file.scenario('keyboard: Tab reaches a feature bar, the focus is visible, Enter reveals it', async (s) => {
  const page = s.page;
  await s.step('explain row 3', async () => {
    await explainFromPalette(page, answers);
    await waitForPanel(page);
  });
  const frame = webviewFrame(page);
  const focused = frame.locator('.feature-row:focus');
  await s.step('focus the panel and Tab to the first feature bar', async () => {
    await frame.locator('h1').click(); // a non-interactive spot: puts the keyboard focus in the panel
    for (let i = 0; i < 20 && (await focused.count()) === 0; i++) await page.keyboard.press('Tab');
    assert.equal(await focused.count(), 1, 'a feature bar has the keyboard focus after at most 20 Tab presses');
  });
  const index = Number(await focused.getAttribute('data-feature-index'));
  await s.step('the focused bar shows a focus outline', async () => {
    const outline = await focused.evaluate((el) => {
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width > 0, `outline width ${outline.width}`);
  });
  await s.screenshot('focused bar');
  const span = cliReference().features[index].span!;
  await s.step('Enter selects the feature in data.csv', async () => {
    await page.keyboard.press('Enter');
    await waitForEditorSelection(page, selectionOf(span));
  });
});

file.scenario('themes: the panel in dark, light and high-contrast themes', async (s) => {
  const page = s.page;
  await s.step('explain row 3', async () => {
    await explainFromPalette(page, answers);
    await waitForPanel(page);
  });
  const themes = [
    ['Dark Modern', 'vs-dark'],
    ['Light Modern', 'vs'],
    ['Dark High Contrast', 'hc-black'],
  ] as const;
  for (const [theme, kind] of themes) {
    await s.step(`switch to ${theme}`, async () => {
      await setColorTheme(page, theme, kind);
      // The webview gets the theme's colors as CSS variables and a body class.
      await webviewFrame(page).locator(`body.vscode-${kind === 'vs' ? 'light' : kind === 'vs-dark' ? 'dark' : 'high-contrast'}`).waitFor();
    });
    await s.screenshot(theme);
  }
  // Theme choices are user settings, shared by the next windows of this session.
  await s.step('back to the dark theme', () => setColorTheme(page, 'Dark Modern', 'vs-dark'));
});

file.teardownTest();
