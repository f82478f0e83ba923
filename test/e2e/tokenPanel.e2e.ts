// The token heatmap panel: a text dataset row's Explain lens opens the panel with the row's tokens colored by the
// CLI's attributions; a token (clicked, or reached with Tab and Enter) selects exactly its characters in the
// dataset editor; Words reruns the explanation; a second method goes side by side; Export JSON writes the set only
// where the save dialog says; a row holding markup shows as literal text.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { cliExplainAsync } from './harness/cliAsync';
import { activeTextEditor, clickCodeLens, editorLayout, openFromExplorer, waitUntil } from './harness/editor';
import { e2eFile } from './harness/e2e';
import { parseShownNumber, sameShownNumber } from './harness/panel';
import { answerSaveDialog, changedFiles, chooseOption, listFiles, recordStatus, screenshotsInLightAndDark, selectValue, statusSeen, statusText } from './harness/panelControls';
import { MARKUP_TEXT_ROWS } from './harness/workspace';
import { activeEditorName, waitForEditorSelection, webviewFrame } from './harness/workbench';
import type { Explanation, SourceSpan } from '../../src/shared/types';

const file = e2eFile('token-panel');
/** What the lens asks the engine for: layer integrated gradients with the settings' defaults. */
const METHOD = 'layer-integrated-gradients';
const DEFAULTS = ['--steps', '50', '--batch-size', '32'];
const ROW = 2;
/** Row 2 of reviews.csv is on line 4 (the header is line 1). */
const LINE = 4;

function segments(path: string): string[] {
  return relative(file.session.workspace.root, path).split(sep);
}

/** The status bar shows the cursor, which a reveal leaves at the end of the selected range. */
function selectionOf(span: SourceSpan) {
  return { line: span.line + 1, column: span.column + span.length + 1, selected: span.length };
}

interface ShownToken {
  featureIndex: number;
  text: string;
  scoreText: string;
}

/** The token buttons of one heatmap column, in text order, with the score their tooltip gives. */
async function shownTokens(frame: FrameLocator, column: number): Promise<ShownToken[]> {
  return frame.locator(`.text-column[data-explanation-index="${column}"] .text-tokens button.tok`).evaluateAll((els) =>
    els.map((el) => ({
      featureIndex: Number(el.getAttribute('data-feature-index')),
      text: el.textContent ?? '',
      scoreText: (el.getAttribute('title') ?? '').split(' · ')[1] ?? '',
    })),
  );
}

/** One button per feature, in order, with the feature's text and (to the panel's 4 digits) its score. */
function assertTokensAre(shown: ShownToken[], e: Explanation, what: string): void {
  assert.deepEqual(
    shown.map((t) => [t.featureIndex, t.text]),
    e.features.map((f, i) => [i, f.text ?? f.name]),
    `${what}: token buttons vs the CLI's features`,
  );
  for (const [i, t] of shown.entries()) {
    assert.ok(sameShownNumber(parseShownNumber(t.scoreText), e.features[i].score), `${what}: '${t.text}' shows ${t.scoreText}, the CLI computed ${e.features[i].score}`);
  }
}

async function explainRowFromLens(page: Page, path: string, line: number, minLenses: number): Promise<void> {
  await openFromExplorer(page, segments(path));
  const editor = activeTextEditor(page);
  await waitUntil(
    () => editorLayout(editor),
    (l) => l.lenses.length >= minLenses,
    (l) => `lenses: ${JSON.stringify(l.lenses)}`,
    60_000,
  );
  await clickCodeLens(editor, line);
}

async function waitForColumns(frame: FrameLocator, count: number): Promise<void> {
  await waitUntil(
    () => frame.locator('.text-column').count().catch(() => 0),
    (n) => n === count,
    (n) => `the panel shows ${n} heatmap column(s), expected ${count}`,
    60_000,
  );
}

file.scenario('token panel: Explain lens → heatmap; tokens select their range (mouse, keyboard); Words; side by side; Export JSON', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const csv = readFileSync(ws.textCsv, 'utf8');
  // The CLI runs in the background while the editor is driven.
  const references = (async () => ({
    tokens: await cliExplainAsync({ model: ws.textModel, input: ws.textCsv, row: ROW, method: METHOD, args: DEFAULTS }),
    words: await cliExplainAsync({ model: ws.textModel, input: ws.textCsv, row: ROW, method: METHOD, args: [...DEFAULTS, '--granularity', 'word'] }),
    occlusion: await cliExplainAsync({ model: ws.textModel, input: ws.textCsv, row: ROW, method: 'occlusion', args: ['--batch-size', '32', '--granularity', 'word'] }),
  }))();
  references.catch(() => undefined);
  await s.step(`open text/reviews.csv and click Explain above line ${LINE} (row ${ROW})`, () => explainRowFromLens(page, ws.textCsv, LINE, 9));
  const frame = webviewFrame(page);
  const ref = await s.step('the CLI explains the same rows', () => references);
  await s.step('the panel opens with one heatmap column: the row text, one button per token, the CLI scores', async () => {
    await waitForColumns(frame, 1);
    assert.equal(await frame.locator('.text-column h3').textContent(), METHOD);
    assert.equal(await frame.locator('.text-column .text-tokens').textContent(), ref.tokens.text!.text, 'the heatmap shows the row text exactly');
    const shown = await shownTokens(frame, 0);
    assert.equal(shown.length, 10, 'row 2 has 10 tokens');
    assertTokensAre(shown, ref.tokens, METHOD);
    assert.equal(await selectValue(frame, 'granularity-select'), 'token');
  });
  await s.screenshot('heatmap');
  const great = ref.tokens.features.findIndex((f) => f.name === 'great');
  const greatSpan = ref.tokens.features[great].span!;
  await s.step("click the token 'great': reviews.csv selects exactly its 5 characters", async () => {
    assert.equal(csv.slice(greatSpan.offset, greatSpan.offset + greatSpan.length), 'great', 'the CLI span is the token in the file');
    await frame.locator(`.text-column[data-explanation-index="0"] .text-tokens button.tok[data-feature-index="${great}"]`).click();
    await waitForEditorSelection(page, selectionOf(greatSpan));
    // reviews.csv is the file shown beside the panel. (Which of the two groups ends up with the focus varies: the
    // webview reports the click's focus asynchronously, sometimes after the reveal focused the editor.)
    const shownBeside = page.locator('.editor-group-container .tabs-container .tab.active[data-resource-name="reviews.csv"]');
    assert.equal(await shownBeside.count(), 1, `reviews.csv is the shown tab of one editor group (active editor: ${await activeEditorName(page)})`);
    assert.deepEqual(selectionOf(greatSpan), { line: LINE, column: 31, selected: 5 });
  });
  const focused = frame.locator('.text-tokens button.tok:focus');
  await s.step('keyboard: Tab from the panel heading reaches the first token button, with a visible focus', async () => {
    await frame.locator('h1').click();
    for (let i = 0; i < 40 && (await focused.count()) === 0; i++) await page.keyboard.press('Tab');
    assert.equal(await focused.count(), 1, 'a token button has the keyboard focus after at most 40 Tab presses');
    assert.equal(await focused.getAttribute('data-feature-index'), '0', 'the first token of the heatmap comes first in the tab order');
    const outline = await focused.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused token shows an outline');
  });
  await s.screenshot('focused token');
  await s.step("Enter on it selects 'With' (row 2, columns 0–4) instead of 'great'", async () => {
    const span = ref.tokens.features[0].span!;
    assert.equal(csv.slice(span.offset, span.offset + span.length), 'With');
    await page.keyboard.press('Enter');
    await waitForEditorSelection(page, selectionOf(span));
    assert.deepEqual(selectionOf(span), { line: LINE, column: 5, selected: 4 });
  });
  await s.step('choose Words: the panel reruns (status line) and shows the word-level features', async () => {
    await recordStatus(frame);
    await chooseOption(frame, 'granularity-select', 'Words (sub-word scores summed)');
    await waitUntil(
      () => selectValue(frame, 'granularity-select').catch(() => ''),
      (v) => v === 'word',
      (v) => `granularity after the rerun: '${v}'`,
      60_000,
    );
    assert.ok((await statusSeen(frame)).includes(`Running ${METHOD}…`), `status line showed ${JSON.stringify(await statusSeen(frame))}`);
    assert.equal(await statusText(frame), '', 'the status line is cleared when the rerun is done');
    assert.equal(ref.words.text!.granularity, 'word');
    assertTokensAre(await shownTokens(frame, 0), ref.words, `${METHOD}, words`);
    const settings = await frame.locator('[aria-labelledby="settings-heading"] tr').allTextContents();
    assert.ok(settings.some((r) => /granularity/i.test(r) && /word/.test(r)), `the method settings name the word granularity: ${settings.join(' | ')}`);
  });
  await s.step('choose Occlusion and Add side by side: two columns, the CLI occlusion tokens in the second', async () => {
    await chooseOption(frame, 'method-select', 'Occlusion');
    assert.equal(await selectValue(frame, 'method-select'), 'occlusion');
    await frame.locator('#rerun-add').click();
    await waitForColumns(frame, 2);
    assert.equal(await frame.locator('.text-columns.side-by-side').count(), 1);
    assert.deepEqual(await frame.locator('.text-column h3').allTextContents(), [METHOD, 'occlusion']);
    assertTokensAre(await shownTokens(frame, 0), ref.words, METHOD);
    assertTokensAre(await shownTokens(frame, 1), ref.occlusion, 'occlusion');
  });
  await screenshotsInLightAndDark(s, frame, 'side by side', () => waitForColumns(frame, 2));
  const target = join(ws.root, 'text', 'exported.explanation.json');
  const before = listFiles(ws.root);
  await s.step('Export JSON opens the save dialog; a path typed there is where the file goes', async () => {
    await frame.locator('#export-json').click();
    const suggested = await answerSaveDialog(page, target, '.json');
    assert.equal(suggested, join(ws.root, 'text', 'planted-reviews-row2.explanation.json'), 'the dialog suggests a name beside the dataset');
    await waitUntil(
      async () => existsSync(target),
      (v) => v,
      () => `${target} was not written`,
    );
  });
  await s.step('the file is the explanation set shown, and nothing else in the workspace changed', async () => {
    // The write may be in flight right after the file appears.
    const set = await waitUntil(
      async () => {
        try {
          return JSON.parse(readFileSync(target, 'utf8')) as Explanation[];
        } catch {
          return undefined;
        }
      },
      (v) => v !== undefined,
      () => `${target} does not parse as JSON`,
    );
    assert.ok(Array.isArray(set), 'two explanations side by side export as an array');
    assert.deepEqual(set!.map((e) => e.method.id), [METHOD, 'occlusion']);
    for (const [i, e] of set!.entries()) {
      const r = i === 0 ? ref.words : ref.occlusion;
      assert.equal(e.text?.granularity, 'word');
      assert.equal(e.text?.text, r.text!.text);
      assert.deepEqual(e.features.map((f) => [f.name, f.span?.offset]), r.features.map((f) => [f.name, f.span?.offset]));
      for (const [k, f] of e.features.entries()) assert.ok(sameShownNumber(f.score, r.features[k].score), `${e.method.id} '${f.name}': ${f.score} vs CLI ${r.features[k].score}`);
    }
    assert.deepEqual(changedFiles(before, listFiles(ws.root)), [relative(ws.root, target)]);
  });
});

file.scenario('token panel: rows holding markup show as literal text, nothing runs', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const references = Promise.all(
    MARKUP_TEXT_ROWS.map((_, row) => cliExplainAsync({ model: ws.textModel, input: ws.textMarkupCsv, row, method: METHOD, args: DEFAULTS })),
  );
  references.catch(() => undefined);
  const frame = webviewFrame(page);
  for (const [row, text] of MARKUP_TEXT_ROWS.entries()) {
    await s.step(`Explain row ${row} of text/markup.csv`, async () => {
      if (row === 0) await explainRowFromLens(page, ws.textMarkupCsv, row + 2, MARKUP_TEXT_ROWS.length);
      else await clickCodeLens(activeTextEditor(page), row + 2);
    });
    await s.step(`the heatmap shows row ${row} character for character`, async () => {
      await waitUntil(
        () => frame.locator('.text-column .text-tokens').first().textContent().catch(() => ''),
        (t) => t === text,
        (t) => `the heatmap text is '${t}', expected '${text}'`,
        60_000,
      );
      const injected = await frame.locator('body').evaluate((b) => ({
        img: b.querySelectorAll('img').length,
        script: b.querySelectorAll('#root script').length,
        bold: b.querySelectorAll('#root b').length,
      }));
      assert.deepEqual(injected, { img: 0, script: 0, bold: 0 }, 'no element made from the row');
      // Every token button shows its characters as text: the CLI's tokens ('<', 'img', 'src', '=', …) and scores.
      const reference = (await references)[row];
      assert.equal(reference.text!.text, text);
      assertTokensAre(await shownTokens(frame, 0), reference, `markup row ${row}`);
    });
  }
  await s.step('no dialog was opened (no alert ran)', async () => {
    assert.deepEqual(dialogs, []);
  });
  await s.screenshot('markup row');
});

file.teardownTest();
