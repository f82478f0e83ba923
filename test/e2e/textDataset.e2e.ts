// Text datasets in the editor: a CSV with a text column next to the planted text model gets an "Explain" CodeLens
// above every row; explaining a row draws one decoration per token with the CLI's attributions (its hover shows the
// score); "Explain Dataset File" runs with a cancellable progress notification, and after a cancel the extension
// still explains.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { cliExplain } from './harness/cli';
import { activeTextEditor, clickCodeLens, editorLayout, hoverText, openFromExplorer, waitUntil, type DecorationBox, type EditorLayout } from './harness/editor';
import { e2eFile } from './harness/e2e';
import { TEXT_MANY_COPIES } from './harness/workspace';
import { notification, notificationMessages, runCommand, TIMEOUT } from './harness/workbench';
import type { Explanation } from '../../src/shared/types';

const file = e2eFile('text-dataset');
/** What the lens asks the engine for: layer integrated gradients with the settings' defaults. */
const METHOD = 'layer-integrated-gradients';
const BUCKETS = 5;
/** 1-based lines where the records of a CSV after its header start (a quoted field may hold line breaks). */
function recordStartLines(text: string): number[] {
  const starts: number[] = [];
  let line = 1;
  let quoted = false;
  let atStart = true;
  for (const c of text) {
    if (atStart && c !== '\r' && c !== '\n') {
      starts.push(line);
      atStart = false;
    }
    if (c === '"') quoted = !quoted;
    else if (c === '\n') {
      line++;
      if (!quoted) atStart = true;
    }
  }
  return starts.slice(1);
}
const MANY_ROWS = TEXT_MANY_COPIES * 300;

function segments(path: string): string[] {
  return relative(file.session.workspace.root, path).split(sep);
}

function cliReference(path: string, row: number): Explanation {
  return cliExplain({ model: file.session.workspace.textModel, input: path, row, method: METHOD, args: ['--steps', '50', '--batch-size', '32'] });
}

interface Token {
  text: string;
  score: number;
  line: number;
  start: number;
  end: number;
}

function tokensOf(e: Explanation): Token[] {
  return e.features.map((f) => {
    const span = f.span!;
    return { text: f.text ?? f.name, score: f.score, line: span.line + 1, start: span.column, end: span.column + span.length };
  });
}

/** Touching or overlapping [start, end) ranges merged, as VS Code draws one decoration type. */
function merge(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * What the editor must draw for one explained row, layer by layer: a token of intensity k (1 … 5, |score| relative
 * to the row's largest) has the background of layers 1 … k of its sign. One entry per non-empty layer: its ranges.
 */
function expectedLayers(tokens: Token[]): string[] {
  const maxAbs = Math.max(...tokens.map((t) => Math.abs(t.score)));
  const layers: string[] = [];
  for (const sign of [1, -1]) {
    for (let k = 1; k <= BUCKETS; k++) {
      const inLayer = tokens.filter((t) => Math.sign(t.score) === sign && Math.ceil((Math.abs(t.score) / maxAbs) * BUCKETS - 1e-9) >= k);
      if (inLayer.length) layers.push(JSON.stringify(merge(inLayer.map((t) => [t.start, t.end]))));
    }
  }
  return layers.sort();
}

/** The drawn decorations of one line, layer (decoration class set) by layer, in the same form. */
function drawnLayers(boxes: DecorationBox[]): string[] {
  const byClass = new Map<string, [number, number][]>();
  for (const b of boxes) {
    const key = b.classes.join(' ');
    byClass.set(key, [...(byClass.get(key) ?? []), [b.start, b.end]]);
  }
  return [...byClass.values()].map((r) => JSON.stringify(merge(r))).sort();
}

const sameLayers = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);

function describeLayout(l: EditorLayout): string {
  return `lenses: ${JSON.stringify(l.lenses)}; decorations: ${JSON.stringify(l.decorations)}`;
}

/** "positive 97.8%": the lens title of an explained row (the model outputs probabilities). */
function predictionTitle(e: Explanation): string {
  const p = e.prediction;
  return `${p.labels![p.index]} ${(p.scores[p.index] * 100).toFixed(1)}%`;
}

function formatScore(v: number): string {
  return `${v > 0 ? '+' : ''}${v.toFixed(4)}`;
}

file.scenario('text dataset: Explain lenses above every row, Explain on row 2 decorates its tokens with the CLI scores', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const ROW = 2;
  const reference = cliReference(ws.textCsv, ROW);
  const tokens = tokensOf(reference);
  const line = tokens[0].line; // row 2 is on line 4 (header on line 1)
  const records = recordStartLines(readFileSync(ws.textCsv, 'utf8'));
  await s.step('open text/reviews.csv', () => openFromExplorer(page, segments(ws.textCsv)));
  const editor = activeTextEditor(page);
  await s.step(`an "Explain" lens right above each of the ${records.length} rows`, async () => {
    assert.equal(records.length, 9, 'reviews.csv has 9 rows, one of them on two lines');
    const layout = await waitUntil(
      () => editorLayout(editor),
      (l) => l.lenses.length >= records.length,
      (l) => `expected ${records.length} lenses; ${describeLayout(l)}`,
      60_000,
    );
    assert.deepEqual(
      layout.lenses.map((l) => l.line).sort((a, b) => a - b),
      records,
      'one lens above the first line of each row, none above the header or a continuation line',
    );
    assert.ok(layout.lenses.every((l) => l.text === 'Explain'), JSON.stringify(layout.lenses));
    assert.equal(layout.decorations.length, 0, 'nothing is decorated before Explain');
  });
  await s.step(`click Explain above line ${line} (row ${ROW})`, () => clickCodeLens(editor, line));
  const layout = await s.step(`the ${tokens.length} tokens of line ${line} are decorated as the CLI's attributions say`, async () => {
    assert.equal(tokens.length, 10, `the CLI finds 10 tokens in '${reference.text ?? ''}'`);
    assert.ok(tokens.every((t) => t.score !== 0 && t.line === line), 'every token has a non-zero score and lies on the row');
    const expected = expectedLayers(tokens);
    // The layers arrive one setDecorations call at a time: wait for the full picture, then compare.
    const l = await waitUntil(
      () => editorLayout(editor),
      (l) => sameLayers(drawnLayers(l.decorations), expected),
      (l) => `after Explain, the drawn layers ${JSON.stringify(drawnLayers(l.decorations))} are not the CLI's ${JSON.stringify(expected)}; ${describeLayout(l)}`,
      60_000,
    );
    assert.ok(
      l.decorations.every((d) => d.line === line),
      `decorations only on line ${line}: ${JSON.stringify(l.decorations)}`,
    );
    // Every token is covered with its sign's colors and intensity, and nothing else is.
    assert.deepEqual(drawnLayers(l.decorations), expected, `drawn layers vs. the CLI's tokens ${JSON.stringify(tokens)}`);
    const covered = (c: number) => l.decorations.some((d) => d.start <= c && c < d.end);
    const decorated = tokens.filter((t) => Array.from({ length: t.end - t.start }, (_, i) => t.start + i).every(covered));
    assert.equal(decorated.length, tokens.length, `decorated tokens: ${decorated.map((t) => t.text).join(' ')}`);
    const columns = new Set(tokens.flatMap((t) => Array.from({ length: t.end - t.start }, (_, i) => t.start + i)));
    const stray = l.decorations.flatMap((d) => Array.from({ length: d.end - d.start }, (_, i) => d.start + i)).filter((c) => !columns.has(c));
    assert.deepEqual(stray, [], 'decorated columns outside every token');
    // The drawn text is the tokens' text.
    const text = l.lines[line];
    for (const t of tokens) assert.equal(text.slice(t.start, t.end), t.text, `token ${t.text} at columns ${t.start}–${t.end}`);
    return l;
  });
  await s.step('the lens above the row now shows the prediction', async () => {
    const title = predictionTitle(reference);
    const l = await waitUntil(
      () => editorLayout(editor),
      (l) => l.lenses.some((x) => x.line === line && x.text.includes(title)),
      (l) => `no lens '${title} · Explain again' above line ${line}; ${describeLayout(l)}`,
    );
    assert.equal(l.lenses.find((x) => x.line === line)?.text, `${title} · Explain again`);
    assert.ok(l.lenses.filter((x) => x.line !== line).every((x) => x.text === 'Explain'), 'the other rows are unexplained');
  });
  await s.screenshot('decorated row');
  const strongest = [...tokens].sort((a, b) => Math.abs(b.score) - Math.abs(a.score))[0];
  await s.step(`hovering '${strongest.text}' shows its attribution`, async () => {
    assert.ok(layout.lines[line]);
    const text = await hoverText(page, editor, line, strongest.start + 1, 'attribution');
    const label = reference.target.label ?? reference.prediction.labels![reference.target.index];
    const direction = strongest.score > 0 ? 'for' : 'against';
    assert.match(text, new RegExp(`\\b${strongest.text}\\b`), text);
    assert.ok(text.includes(`attribution ${formatScore(strongest.score)} ${direction} ${label}`), `hover '${text}' shows attribution ${formatScore(strongest.score)} ${direction} ${label}`);
    assert.ok(text.includes(`method: ${METHOD}`), text);
  });
  await s.screenshot('hover');
});

file.scenario('text dataset: Explain Dataset File shows a progress notification, Cancel stops it, Explain still works', async (s) => {
  const page = s.page;
  const ws = file.session.workspace;
  const title = `Explaining ${MANY_ROWS} example(s)`;
  await s.step('open text/many.jsonl', () => openFromExplorer(page, segments(ws.textManyJsonl)));
  await s.step('run Attribution Lens: Explain Dataset File', () => runCommand(page, 'Attribution Lens: Explain Dataset File'));
  const toast = notification(page, title);
  const seen = await s.step('a progress notification counts the explained examples', async () => {
    await toast.waitFor({ timeout: TIMEOUT });
    const count = async () => Number(/(\d+)\/\d+/.exec((await toast.locator('.notification-list-item-message').textContent().catch(() => '')) ?? '')?.[1] ?? 0);
    const done = await waitUntil(count, (n) => n >= 1, (n) => `progress stayed at ${n}`, 60_000);
    assert.ok(done < MANY_ROWS, `${done} of ${MANY_ROWS} done before Cancel`);
    return done;
  });
  await s.screenshot('progress');
  await s.step('click Cancel', () => toast.locator('.monaco-button', { hasText: 'Cancel' }).click());
  const explained = await s.step('the run stops early: the notification goes and the log sums up fewer examples', async () => {
    await toast.waitFor({ state: 'detached', timeout: TIMEOUT });
    // The summary is written once the loop has stopped; the output panel opens on it.
    const summary = page.locator('.part.panel .view-lines', { hasText: /many\.jsonl:\s\d+\sexample\(s\)\sexplained/ });
    await summary.waitFor({ timeout: TIMEOUT });
    const text = ((await summary.textContent()) ?? '').replace(/\u00a0/g, ' ');
    const n = Number(/many\.jsonl: (\d+) example\(s\) explained/.exec(text)![1]);
    assert.ok(n >= seen && n < MANY_ROWS, `${n} example(s) explained: at least the ${seen} counted before Cancel, fewer than all ${MANY_ROWS}`);
    assert.deepEqual(await notificationMessages(page), [], 'no error notification');
    return n;
  });
  await s.step('the explained rows in view show their prediction', async () => {
    // Row r is on line r + 1; the lenses are asked for again after the run, a moment after the summary.
    const explainedLenses = (l: EditorLayout) => l.lenses.filter((x) => x.line <= explained);
    await waitUntil(
      () => editorLayout(activeTextEditor(page)),
      (l) => explainedLenses(l).length > 0 && explainedLenses(l).every((x) => / · Explain again$/.test(x.text)),
      (l) => `lenses of the ${explained} explained rows: ${JSON.stringify(explainedLenses(l))}`,
    );
  });
  await s.screenshot('cancelled');
  const ROW = 5;
  const reference = cliReference(ws.textCsv, ROW);
  const line = reference.features[0].span!.line + 1;
  await s.step(`afterwards, Explain on row ${ROW} of reviews.csv decorates it`, async () => {
    await openFromExplorer(page, segments(ws.textCsv));
    const editor = activeTextEditor(page);
    await waitUntil(
      () => editorLayout(editor),
      (l) => l.lenses.length >= recordStartLines(readFileSync(ws.textCsv, 'utf8')).length,
      (l) => `lenses: ${describeLayout(l)}`,
    );
    await clickCodeLens(editor, line);
    const expected = expectedLayers(tokensOf(reference));
    const l = await waitUntil(
      () => editorLayout(editor),
      (l) => l.lenses.some((x) => x.line === line && x.text.endsWith('Explain again')) && sameLayers(drawnLayers(l.decorations), expected),
      (l) => `row ${ROW} was not explained; ${describeLayout(l)}`,
      60_000,
    );
    assert.equal(l.lenses.find((x) => x.line === line)?.text, `${predictionTitle(reference)} · Explain again`);
    assert.deepEqual(drawnLayers(l.decorations.filter((d) => d.line === line)), expected, `drawn layers vs. the CLI's tokens ${JSON.stringify(tokensOf(reference))}`);
    assert.ok(l.decorations.every((d) => d.line === line), `only row ${ROW} is decorated: ${JSON.stringify(l.decorations)}`);
  });
});

file.teardownTest();
