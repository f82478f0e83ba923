// The dataset lens commands end to end: package.json contributes them, activation registers them and the CodeLens
// provider, lenses appear on a dataset next to a text model, and an Explain lens runs the real engine process
// (dist/engine.js, built by `npm run build`), decorates the editor and retitles the lens; Clear removes it all.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BUCKETS } from '../../src/extension/text/decorationModel';
import { createFakeVscode, installFakeVscode, TextDocument, ThemeColor, type CodeLens } from './helpers/fakeVscode';

const repo = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const jsonlPath = join(repo, 'test/fixtures/text/data/reviews.jsonl');
let answer: (title: string, labels: string[]) => string | undefined = () => undefined;
const { vscode, rec } = createFakeVscode(repo, (title, items) => {
  const label = answer(title, items.map((i) => i.label));
  return items.find((i) => i.label === label);
});
const subscriptions: { dispose(): unknown }[] = [];
const state = new Map<string, unknown>();
let restore: () => void;

/** A visible editor recording what each decoration type draws. */
const drawn = new Map<unknown, { range: { start: { line: number; character: number } }; hoverMessage?: { value: string } }[]>();
const doc = new TextDocument(jsonlPath, readFileSync(jsonlPath, 'utf8'));
const editor: { document: TextDocument; visibleRanges: unknown[]; setDecorations(type: unknown, options: never[]): void } = {
  document: doc,
  visibleRanges: [{ start: { line: 0 }, end: { line: 40 } }],
  setDecorations: (type: unknown, options: never[]) => drawn.set(type, options),
};

before(async () => {
  assert.ok(existsSync(join(repo, 'dist/engine.js')), 'dist/engine.js is missing: run `npm run build` first');
  restore = installFakeVscode(vscode);
  (vscode.window.visibleTextEditors as unknown[]).push(editor);
  const { activate } = await import('../../src/extension/extension');
  activate({
    subscriptions,
    extensionUri: vscode.Uri.file(repo),
    asAbsolutePath: (p: string) => join(repo, p),
    workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) },
  } as never);
});

after(() => {
  for (const s of subscriptions) s.dispose();
  restore();
});

const NEW_COMMANDS = ['attributionLens.explainDatasetFile', 'attributionLens.clearExplanations', 'attributionLens.explainDatasetExample', 'attributionLens.chooseTextField'];

test('package.json contributes the dataset commands, hides the per-example one, and activation registers them all', () => {
  const titles = Object.fromEntries(pkg.contributes.commands.map((c: { command: string; title: string; category: string }) => [c.command, `${c.category}: ${c.title}`]));
  assert.equal(titles['attributionLens.explainDatasetFile'], 'Attribution Lens: Explain Dataset File');
  assert.equal(titles['attributionLens.clearExplanations'], 'Attribution Lens: Clear Explanations');
  assert.deepEqual(pkg.contributes.menus.commandPalette, [{ command: 'attributionLens.explainDatasetExample', when: 'false' }]);
  for (const id of NEW_COMMANDS) {
    assert.ok(id in titles, `${id} contributed`);
    assert.equal(typeof rec.commands.get(id), 'function', `${id} registered`);
  }
  assert.equal(rec.codeLensProviders.length, 1);
  // Theme colors only (contributed by the extension): backgrounds stacked per bucket, borders and ruler marks.
  assert.equal(rec.decorationTypes.length, 2 * BUCKETS + 2);
  const colors = rec.decorationTypes.flatMap((t) => Object.values(t.options as object).filter((v) => v instanceof ThemeColor).map((v) => (v as ThemeColor).id));
  assert.deepEqual([...new Set(colors)].sort(), ['attributionLens.lowersBackground', 'attributionLens.lowersBorder', 'attributionLens.raisesBackground', 'attributionLens.raisesBorder']);
  // Every color is contributed, with a default for each kind of theme (the same red/blue as the panel).
  const contributed = new Map((pkg.contributes.colors as { id: string; defaults: Record<string, string> }[]).map((c) => [c.id, c.defaults]));
  for (const id of new Set(colors)) {
    assert.deepEqual(Object.keys(contributed.get(id) ?? {}).sort(), ['dark', 'highContrast', 'highContrastLight', 'light'], id);
  }
});

function lenses(): CodeLens[] {
  const provider = rec.codeLensProviders[0].provider as { provideCodeLenses(d: unknown, t: unknown): CodeLens[] };
  return provider.provideCodeLenses(doc, { isCancellationRequested: false });
}

test('an Explain lens on every JSONL example; running one decorates its tokens and shows the prediction', async () => {
  const before = lenses();
  assert.deepEqual(before.map((l) => [l.range.start.line, l.command?.title]), Array.from({ length: 9 }, (_, i) => [i, 'Explain']));
  assert.equal(before[6].command?.command, 'attributionLens.explainDatasetExample');
  assert.deepEqual(before[6].command?.arguments?.[1], 6);
  await rec.commands.get('attributionLens.explainDatasetExample')!(...(before[6].command?.arguments ?? []));
  assert.deepEqual(rec.errors, []);
  const after = lenses();
  assert.match(after[6].command!.title, /^\$\(sparkle\) (negative|positive) \d+\.\d% · Explain again$/);
  assert.equal(after[5].command!.title, 'Explain');
  const hovers = [...drawn.values()].flat().filter((o) => o.hoverMessage);
  assert.ok(hovers.length >= 4, `${hovers.length} hovers`);
  // Every decoration is on line 6, the explained example.
  for (const o of [...drawn.values()].flat()) assert.equal(o.range.start.line, 6);
  assert.ok(hovers.some((h) => h.hoverMessage!.value.startsWith('**superb**')));
});

test('Clear Explanations removes decorations and lens titles', async () => {
  await rec.commands.get('attributionLens.clearExplanations')!();
  assert.deepEqual([...drawn.values()].flat(), []);
  assert.ok(lenses().every((l) => l.command?.title === 'Explain'));
});

test('no lenses on a dataset without a text model nearby', () => {
  const provider = rec.codeLensProviders[0].provider as { provideCodeLenses(d: unknown, t: unknown): CodeLens[] };
  const other = new TextDocument(join(repo, 'test/fixtures/tabular/linear/rows.csv'), 'a,b\n1,2\n');
  assert.deepEqual(provider.provideCodeLenses(other, { isCancellationRequested: false }), []);
});

test('Explain Dataset File explains every example and logs a summary; an edit clears only the edited example', async () => {
  await rec.commands.get('attributionLens.explainDatasetFile')!(vscode.Uri.file(jsonlPath));
  assert.deepEqual(rec.errors, []);
  const titles = lenses().map((l) => l.command!.title);
  assert.equal(titles.filter((t) => t.startsWith('$(sparkle)')).length, 9);
  assert.ok(rec.logs.some((l) => /reviews\.jsonl: 9 example\(s\) explained$/.test(l)), rec.logs.slice(-12).join('\n'));
  assert.ok(rec.logs.some((l) => /^info:   predicted (positive|negative): \d+$/.test(l)));
  assert.ok(rec.logs.some((l) => /^info:     for (positive|negative): "/.test(l)));
  const lines = new Set([...drawn.values()].flat().map((o) => o.range.start.line));
  assert.deepEqual([...lines].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // Typing inside the text of row 2 drops that example only.
  const offset = doc.getText().indexOf('bad good');
  rec.documentChanged.fire({ document: doc, contentChanges: [{ rangeOffset: offset, rangeLength: 3, text: 'fine' }] });
  const after = new Set([...drawn.values()].flat().map((o) => o.range.start.line));
  assert.deepEqual([...after].sort((a, b) => a - b), [0, 1, 3, 4, 5, 6, 7, 8]);
  assert.equal(lenses()[2].command!.title.startsWith('$(sparkle)'), false);
});

test('an unsaved document is explained from its current text, not the file on disk', async () => {
  await rec.commands.get('attributionLens.clearExplanations')!();
  // A record inserted above in the editor only: on disk, row 8 is another example.
  const text = '{"text": "inserted first"}\n' + doc.getText();
  const dirty = new TextDocument(jsonlPath, text);
  dirty.isDirty = true;
  const openTextDocument = vscode.workspace.openTextDocument;
  vscode.workspace.openTextDocument = async () => dirty;
  editor.document = dirty;
  try {
    const provider = rec.codeLensProviders[0].provider as { provideCodeLenses(d: unknown, t: unknown): CodeLens[] };
    const lens = provider.provideCodeLenses(dirty, { isCancellationRequested: false })[8];
    assert.deepEqual(lens.command?.arguments?.[1], 8);
    await rec.commands.get('attributionLens.explainDatasetExample')!(...(lens.command?.arguments ?? []));
  } finally {
    vscode.workspace.openTextDocument = openTextDocument;
    editor.document = doc;
  }
  assert.deepEqual(rec.errors, []);
  const hovers = [...drawn.values()].flat().filter((o) => o.hoverMessage);
  const naive = hovers.find((h) => h.hoverMessage!.value.startsWith('**naïve**'));
  assert.ok(naive, hovers.map((h) => h.hoverMessage!.value.split('\n')[0]).join(' '));
  assert.deepEqual(naive.range.start, dirty.positionAt(text.indexOf('na\\u00efve')));
});

test('a model chosen for a folder is remembered; a document the reader refuses is reported in one line', async () => {
  // A folder of its own inside a fresh one: the locator also looks at the parent folder and its subfolders.
  const root = mkdtempSync(join(tmpdir(), 'al-text-'));
  const dir = join(root, 'data');
  mkdirSync(dir);
  try {
    const good = join(dir, 'ok.txt');
    const empty = join(dir, 'empty.csv');
    writeFileSync(good, 'great film\nweak plot\n');
    writeFileSync(empty, '');
    const provider = rec.codeLensProviders[0].provider as { provideCodeLenses(d: unknown, t: unknown): CodeLens[] };
    const okDoc = new TextDocument(good, 'great film\nweak plot\n');
    assert.deepEqual(provider.provideCodeLenses(okDoc, { isCancellationRequested: false }), []);
    state.set('attributionLens.textModelByFolder', { [dir]: join(repo, 'test/fixtures/text/planted/model.json') });
    assert.deepEqual(provider.provideCodeLenses(okDoc, { isCancellationRequested: false }).map((l) => l.range.start.line), [0, 1]);
    await rec.commands.get('attributionLens.explainDatasetFile')!(vscode.Uri.file(empty));
    assert.deepEqual(rec.errors, [`${empty}: the file is empty`]);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rec.errors.length = 0;
  }
});

test('Choose Text Field: the chosen column is what the lenses and the engine read', async () => {
  const root = mkdtempSync(join(tmpdir(), 'al-field-'));
  const dir = join(root, 'data');
  mkdirSync(dir);
  try {
    // Two text columns: the reader's guess is "text" (a short title here); the user wants "review".
    const csv = join(dir, 'two.csv');
    const content = 'text,review,label\nShort,"A wonderful, great film",positive\nMeh,"Dull and weak, bad",negative\n';
    writeFileSync(csv, content);
    state.set('attributionLens.textModelByFolder', { [dir]: join(repo, 'test/fixtures/text/planted/model.json') });
    const csvDoc = new TextDocument(csv, content);
    (vscode.window.visibleTextEditors as unknown[]).push({ document: csvDoc, visibleRanges: [], setDecorations: () => {} });
    let offered: string[] = [];
    answer = (title, labels) => ((offered = labels), title.startsWith('Text field of') ? 'review' : undefined);
    await rec.commands.get('attributionLens.chooseTextField')!(vscode.Uri.file(csv));
    assert.deepEqual(offered, ['text', 'review', 'label']);
    assert.deepEqual(state.get('attributionLens.textFieldByFile'), { [csv]: 'review' });

    await rec.commands.get('attributionLens.explainDatasetExample')!(vscode.Uri.file(csv), 0);
    assert.deepEqual(rec.errors, []);
    const e = (await import('../../src/extension/panels/explanationPanel')).ExplanationPanel.currentExplanation();
    assert.equal(e?.text?.text, 'A wonderful, great film', 'the engine explained the chosen column');
    // Feature spans point at the chosen column's characters in the file.
    for (const f of e!.features) assert.equal(content.slice(f.span!.offset, f.span!.offset + f.span!.length), f.text);
  } finally {
    answer = () => undefined;
    rmSync(root, { recursive: true, force: true });
    rec.errors.length = 0;
  }
});
