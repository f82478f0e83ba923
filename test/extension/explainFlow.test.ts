// Activation and the Explain Model flow end to end: the real extension code, a scripted stand-in for the vscode API,
// and the real engine process (dist/engine.js, built by `npm run build`) explaining the linear fixture model.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Explanation } from '../../src/shared/types';
import { createFakeVscode, FakePanel, installFakeVscode, TextDocument, type PickScript } from './helpers/fakeVscode';

const repo = join(__dirname, '../..');
const enginePath = join(repo, 'dist/engine.js');
const workspace = mkdtempSync(join(tmpdir(), 'al-ext-'));
const modelDir = join(workspace, 'models/credit');
const csvPath = join(workspace, 'data/rows.csv');
const header = 'income,debt_ratio,age,credit_history_years,num_late_payments,loan_amount,savings,employment_years,label';
const csvText = [header, '1,2,3,4,5,6,7,8,low', '0.5,"-1",0,2,1,0,0,3,high', '-1,0,1,0,2,1,0.25,-2,medium', ''].join('\n');

let answers: Record<string, (labels: string[]) => string | undefined> = {};
const script: PickScript = (title, items) => {
  const key = Object.keys(answers).find((k) => title.startsWith(k));
  assert.ok(key, `unexpected quick pick '${title}'`);
  const label = answers[key](items.map((i) => i.label));
  return label === undefined ? undefined : items.find((i) => i.label === label);
};

let trusted = true;
let activeEditor: { doc: TextDocument; line: number } | undefined;
const { vscode, rec } = createFakeVscode(workspace, script);
// Trust and the active editor change between tests.
Object.defineProperty(vscode.workspace, 'isTrusted', { get: () => trusted });
Object.defineProperty(vscode.window, 'activeTextEditor', {
  get: () => activeEditor && { document: activeEditor.doc, selection: { active: new vscode.Position(activeEditor.line, 0) } },
});

const state = new Map<string, unknown>();
const subscriptions: { dispose(): unknown }[] = [];
let restore: () => void;

before(async () => {
  assert.ok(existsSync(enginePath), 'dist/engine.js is missing: run `npm run build` first');
  mkdirSync(modelDir, { recursive: true });
  mkdirSync(join(workspace, 'data'));
  for (const f of ['model.json', 'weights.bin']) copyFileSync(join(repo, 'test/fixtures/tabular/linear', f), join(modelDir, f));
  writeFileSync(csvPath, csvText);
  restore = installFakeVscode(vscode);
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
  rmSync(workspace, { recursive: true, force: true });
});

const run = (id: string, ...args: unknown[]) => rec.commands.get(id)!(...args) as Promise<void>;
/** The last set of explanations posted to the panel; `explanation` is its primary one. */
const lastPosted = (panel: FakePanel) => {
  const message = panel.posted.filter((m) => (m as { type: string }).type === 'explanations').pop() as { type: string; explanations: Explanation[] };
  return { ...message, explanation: message.explanations[0]! };
};

test('activation registers the commands and the panel serializer without starting the engine', () => {
  assert.deepEqual([...rec.commands.keys()].sort(), [
    'attributionLens.chooseTextField',
    'attributionLens.clearExplanations',
    'attributionLens.configureModel',
    'attributionLens.explainDatasetExample',
    'attributionLens.explainDatasetFile',
    'attributionLens.explainImage',
    'attributionLens.explainImageFolder',
    'attributionLens.explainModel',
    'attributionLens.selectBackend',
    'attributionLens.showLog',
  ]);
  assert.ok(rec.serializers.has('attributionLens.explanation'));
  assert.ok(rec.serializers.has('attributionLens.gallery'));
  assert.equal(rec.statusBar.text, '$(graph) Attribution Lens · auto');
  assert.equal(rec.statusBar.command, 'attributionLens.selectBackend');
  assert.ok(!rec.logs.some((l) => l.includes('starting engine')));
});

test('untrusted workspaces are refused before anything runs', async () => {
  trusted = false;
  await run('attributionLens.explainModel');
  trusted = true;
  assert.equal(rec.picks.length, 0);
  assert.match(rec.errors.pop() ?? '', /only in trusted workspaces/);
});

test('model → CSV file → row → method → target opens the panel with the explanation', async () => {
  answers = {
    'Explain Model: choose a model': () => 'credit',
    'Explain Model: input': (labels) => labels.find((l) => l.endsWith('rows.csv')),
    'Explain Model: row of rows.csv': () => 'row 1',
    'Explain Model: attribution method': () => 'integrated-gradients',
    'Explain Model: target': () => 'output 0',
  };
  await run('attributionLens.explainModel');
  assert.deepEqual(rec.errors, []);
  assert.equal(rec.panels.length, 1);
  const panel = rec.panels[0];
  assert.equal(panel.viewType, 'attributionLens.explanation');
  assert.equal(panel.title, 'Explain: credit');
  assert.equal(panel.options.retainContextWhenHidden, false);
  assert.equal(panel.webview.options.enableScripts, true);
  assert.deepEqual(
    panel.webview.options.localResourceRoots?.map((u) => u.fsPath),
    [join(repo, 'dist/webview'), join(repo, 'media')],
  );
  assert.match(panel.webview.html, /script-src 'nonce-[\w-]{22}'/);
  assert.match(panel.webview.html, /src="https:\/\/fake\.vscode-cdn\.net[^"]*\/dist\/webview\/explanation\.js"/);

  await panel.fromWebview({ type: 'ready' });
  const message = lastPosted(panel);
  assert.equal(message.type, 'explanations');
  assert.equal(message.explanations.length, 1);
  const e = message.explanation;
  assert.equal(e.method.id, 'integrated-gradients');
  assert.equal(e.method.options.steps, 50);
  assert.equal(e.target.index, 0);
  assert.equal(e.input.row, 1);
  assert.deepEqual(
    e.features.map((f) => f.name),
    header.split(',').slice(0, 8),
  );
  assert.equal(rec.statusBar.text, `$(graph) credit · ${e.backend}`);
  assert.deepEqual((state.get('attributionLens.lastChoices') as { input: unknown }).input, { kind: 'csv-file', path: csvPath, row: 1 });
  // The contributed setting defaults reach the engine.
  assert.ok(rec.logs.some((l) => l.includes('"method":"integrated-gradients","options":{"steps":50,"batchSize":32,"memoryBudgetMB":512}')));
});

test('clicking a feature selects its field in the CSV', async () => {
  const panel = rec.panels[0];
  await panel.fromWebview({ type: 'reveal', featureIndex: 1 });
  const shown = rec.shownSelections.pop();
  assert.ok(shown);
  assert.equal(shown.file, csvPath);
  const doc = new TextDocument(csvPath, csvText);
  const text = csvText.slice(doc.offsetAt(shown.start), doc.offsetAt(shown.end));
  assert.equal(text, '"-1"', 'the raw field, quotes included');
  assert.equal(shown.start.line, 2);
  await panel.fromWebview({ type: 'reveal', featureIndex: 99 });
  await panel.fromWebview({ type: 'runCommand', command: 'workbench.action.quit' });
  assert.equal(rec.shownSelections.length, 0);
  assert.ok(rec.logs.some((l) => l.startsWith('warn: ignored an unexpected message')));
  await panel.fromWebview({ type: 'copyJson' });
  assert.equal((JSON.parse(rec.clipboard) as Explanation).input.row, 1);
});

test('the CSV row under the cursor is offered first and reuses the same panel', async () => {
  activeEditor = { doc: new TextDocument(csvPath, csvText), line: 3 };
  let inputLabels: string[] = [];
  answers = {
    'Explain Model: choose a model': () => 'credit',
    'Explain Model: input': (labels) => ((inputLabels = labels), labels[0]),
    'Explain Model: attribution method': (labels) => labels.find((l) => l === 'saliency'),
    'Explain Model: target': (labels) => labels[0],
  };
  await run('attributionLens.explainModel');
  activeEditor = undefined;
  assert.deepEqual(rec.errors, []);
  assert.equal(inputLabels[0], '$(location) Current line (row 2)');
  assert.equal(rec.panels.length, 1);
  const e = lastPosted(rec.panels[0]).explanation;
  assert.equal(e.input.row, 2);
  assert.equal(e.method.id, 'saliency');
  assert.equal(e.target.index, e.prediction.index, 'predicted class by default');
});

test('cancelling a picker ends quietly', async () => {
  const posted = rec.panels[0].posted.length;
  answers = { 'Explain Model: choose a model': () => 'credit', 'Explain Model: input': () => undefined };
  await run('attributionLens.explainModel');
  assert.deepEqual(rec.errors, []);
  assert.equal(rec.panels[0].posted.length, posted);
});

test('an engine error is shown as its one-line message naming the file, and the extension keeps working', async () => {
  const bad = join(repo, 'test/fixtures/bad-models/unknown-format/model.json');
  // Reported right after the model is chosen, before any other question.
  answers = {};
  await run('attributionLens.explainModel', vscode.Uri.file(bad));
  assert.equal(rec.errors.length, 1);
  assert.ok(rec.errors[0].includes(bad), rec.errors[0]);
  assert.ok(!rec.errors[0].includes('\n'));
  rec.errors.length = 0;
});

test('Select Backend switches the running engine and saves the setting', async () => {
  answers = { 'Attribution Lens: Select Backend': () => 'cpu' };
  await run('attributionLens.selectBackend');
  assert.deepEqual(rec.errors, []);
  assert.equal(rec.config.get('attributionLens.backend'), 'cpu');
  assert.equal(rec.statusBar.text, '$(graph) credit · cpu');
});

/** Sends a rerun and waits for the panel to report it finished (the engine runs in another process). */
async function rerun(panel: FakePanel, message: Record<string, unknown>): Promise<void> {
  const before = panel.posted.length;
  await panel.fromWebview({ type: 'rerun', ...message });
  const done = () => panel.posted.slice(before).some((m) => (m as { type: string; busy?: boolean }).type === 'status' && !(m as { busy: boolean }).busy);
  for (let waited = 0; !done(); waited += 50) {
    assert.ok(waited < 60_000, `the rerun did not finish: ${JSON.stringify(panel.posted.slice(before).map((m) => (m as { type: string }).type))} ${rec.logs.slice(-3).join(" / ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the panel explains the same input with another method side by side, replaces it on a new target, and removes columns', async () => {
  const panel = rec.panels[0];
  const first = lastPosted(panel).explanation;
  await rerun(panel, { method: 'feature-ablation', add: true });
  const pair = lastPosted(panel).explanations;
  assert.deepEqual(pair.map((e) => e.method.id), [first.method.id, 'feature-ablation']);
  assert.equal(pair[1].input.row, first.input.row);
  assert.equal(pair[1].target.index, first.target.index);
  // The same method again replaces its column instead of adding one.
  await rerun(panel, { method: 'feature-ablation', add: true });
  assert.equal(lastPosted(panel).explanations.length, 2);
  const statuses = panel.posted.filter((m) => (m as { type: string }).type === 'status') as { busy: boolean; error?: string }[];
  assert.ok(statuses.some((s) => s.busy) && statuses.at(-1)?.busy === false && !statuses.at(-1)?.error);

  await panel.fromWebview({ type: 'remove', explanationIndex: 1 });
  assert.deepEqual(lastPosted(panel).explanations.map((e) => e.method.id), [first.method.id]);
  // The last column stays.
  const count = panel.posted.length;
  await panel.fromWebview({ type: 'remove', explanationIndex: 0 });
  assert.equal(panel.posted.length, count);

  const other = first.target.index === 0 ? 1 : 0;
  await rerun(panel, { method: 'saliency', target: other, add: false });
  const retargeted = lastPosted(panel).explanations;
  assert.equal(retargeted.length, 1);
  assert.equal(retargeted[0].target.index, other);
  assert.equal(retargeted[0].method.id, 'saliency');
  // Messages the panel cannot trust are ignored.
  await panel.fromWebview({ type: 'rerun', method: 'rm -rf', add: true });
  await panel.fromWebview({ type: 'exportPng', base64: '<script>', suggestedName: 'x.png' });
  assert.equal(lastPosted(panel).explanations[0].method.id, 'saliency');
});

test('a panel restored after a reload shows the saved explanation', async () => {
  const saved = lastPosted(rec.panels[0]).explanation;
  const panel = new FakePanel('attributionLens.explanation', 'restored', {});
  const serializer = rec.serializers.get('attributionLens.explanation') as { deserializeWebviewPanel(p: unknown, s: unknown): Promise<void> };
  await serializer.deserializeWebviewPanel(panel, { explanation: saved, sort: 'input' });
  assert.match(panel.webview.html, /Content-Security-Policy/);
  await panel.fromWebview({ type: 'ready' });
  assert.deepEqual(lastPosted(panel).explanation, saved);
});
