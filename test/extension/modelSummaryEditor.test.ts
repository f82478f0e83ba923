// The model summary custom editor against a fake vscode: the HTML shell (CSP + nonce, no data), the messages it
// sends for a real and a corrupt .onnx (read by the engine's readModelSummary), the Explain button, and the
// package.json contribution.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelSummary } from '../../src/engine/models';
import { MODEL_SUMMARY_VIEW_TYPE } from '../../src/extension/editors/modelSummaryView';
import { createFakeVscode, FakePanel, installFakeVscode, Uri } from './helpers/fakeVscode';

const root = join(__dirname, '../..');
const CNN2D = join(root, 'test/fixtures/onnx/cnn2d.onnx');

// One fake for the file: the editor module is loaded (and cached) once, bound to it.
const { vscode, rec } = createFakeVscode(root, () => undefined);
const registered: { viewType: string; provider: unknown; options: unknown }[] = [];
// The shared fake has no custom-editor API; this test adds the one call the editor makes.
Object.assign(vscode.window, {
  registerCustomEditorProvider: (viewType: string, provider: unknown, options: unknown) => {
    registered.push({ viewType, provider, options });
    return { dispose: () => {} };
  },
});
type EditorModule = typeof import('../../src/extension/editors/modelSummaryEditor');
const restore = installFakeVscode(vscode);
// Loaded after the fake is installed so its `import * as vscode` gets the fake.
const mod = require('../../src/extension/editors/modelSummaryEditor') as EditorModule;
restore();

function setup() {
  const infoCalls: string[] = [];
  const engine = { info: async (p: string) => (infoCalls.push(p), readModelSummary(p)) };
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const deps = { engine, extensionUri: Uri.file('/ext'), log } as unknown as import('../../src/extension/editors/modelSummaryEditor').ModelSummaryEditorDeps;
  return { deps, infoCalls, logs };
}

/** The engine reads the file asynchronously: wait (polling, bounded) until the panel got `count` messages. */
async function posted(panel: FakePanel, count: number): Promise<unknown[]> {
  for (let i = 0; i < 400 && panel.posted.length < count; i++) await new Promise((r) => setTimeout(r, 25));
  return panel.posted;
}

async function open(file: string) {
  const s = setup();
  const provider = new mod.ModelSummaryEditorProvider(s.deps);
  const uri = Uri.file(file);
  const document = provider.openCustomDocument(uri as never);
  const panel = new FakePanel(MODEL_SUMMARY_VIEW_TYPE, 'x', {});
  provider.resolveCustomEditor(document, panel as never);
  return { ...s, panel, uri };
}

test('the editor HTML has a strict CSP, a nonce on its one external script, and no model data', async () => {
  const { panel } = await open(CNN2D);
  const html = panel.webview.html;
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(csp, 'the page has a CSP');
  const nonce = /script-src 'nonce-([A-Za-z0-9_-]{16,})'/.exec(csp)?.[1];
  assert.ok(nonce, 'scripts are allowed only by nonce');
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${nonce}"`));
  assert.match(scripts[0][1], /src="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\/modelSummary\.js"/);
  assert.match(html, /href="https:\/\/fake\.vscode-cdn\.net\/ext\/media\/modelSummary\.css"/);
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
  assert.doesNotMatch(html, /Conv|772/, 'the summary travels as a message, not in the HTML');
  assert.equal(panel.webview.options.enableScripts, true);
  assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.fsPath), ['/ext/dist/webview', '/ext/media']);
});

test('on ready the editor sends loading, then the summary the engine read; a second ready reuses it', async () => {
  const { panel, infoCalls } = await open(CNN2D);
  await panel.fromWebview({ type: 'ready' });
  await posted(panel, 2);
  assert.deepEqual(panel.posted[0], { type: 'loading', file: 'cnn2d.onnx' });
  const m = panel.posted[1] as { type: string; file: string; summary: { layers: unknown[]; parameterCount: number } };
  assert.equal(m.type, 'summary');
  assert.equal(m.file, 'cnn2d.onnx');
  assert.equal(m.summary.layers.length, 16);
  assert.equal(m.summary.parameterCount, 772);
  await panel.fromWebview({ type: 'ready' });
  await posted(panel, 4);
  assert.equal(infoCalls.length, 1, 'the model is parsed once per editor');
  assert.deepEqual(panel.posted[3], m, 'the same summary is sent again');
  await panel.fromWebview({ type: 'reload' });
  await posted(panel, 6);
  assert.equal(infoCalls.length, 2, 'reload parses again');
});

test('a corrupt .onnx shows an error naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'al-summary-'));
  const file = join(dir, 'broken model.onnx');
  writeFileSync(file, 'this is not a protobuf \u00ff\u00fe'.repeat(8), 'latin1');
  const { panel } = await open(file);
  await panel.fromWebview({ type: 'ready' });
  await posted(panel, 2);
  const m = panel.posted.find((p) => (p as { type: string }).type !== 'loading') as { type: string; file: string; message: string };
  assert.equal(m.type, 'error', JSON.stringify(m));
  assert.equal(m.file, 'broken model.onnx');
  assert.match(m.message, /broken model\.onnx/);
});

test('Explain runs attributionLens.explainModel with the model uri; unknown messages are ignored', async () => {
  const { panel, uri } = await open(CNN2D);
  const calls: unknown[][] = [];
  rec.commands.set('attributionLens.explainModel', (...a: unknown[]) => calls.push(a));
  await panel.fromWebview({ type: 'explain' });
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], uri);
  await panel.fromWebview({ type: 'runCommand', command: 'workbench.action.terminal.new' });
  assert.equal(calls.length, 1);
  assert.deepEqual(panel.posted, []);
});

test('registerModelSummaryEditor registers the provider under the contributed view type', () => {
  mod.registerModelSummaryEditor(setup().deps);
  assert.deepEqual(registered.map((r) => r.viewType), ['attributionLens.modelSummary']);
  assert.ok(registered[0].provider instanceof mod.ModelSummaryEditorProvider);
});

test('package.json contributes the read-only editor for *.onnx and activates on it', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const editors = pkg.contributes.customEditors as { viewType: string; selector: { filenamePattern: string }[]; priority: string }[];
  const editor = editors.find((e) => e.viewType === MODEL_SUMMARY_VIEW_TYPE);
  assert.ok(editor, 'the custom editor is contributed');
  assert.deepEqual(editor.selector, [{ filenamePattern: '*.onnx' }]);
  assert.equal(editor.priority, 'default');
  assert.ok(pkg.activationEvents.includes(`onCustomEditor:${MODEL_SUMMARY_VIEW_TYPE}`));
  const ext = readFileSync(join(root, 'src/extension/extension.ts'), 'utf8');
  assert.match(ext, /registerModelSummaryEditor\(/, 'activation registers the editor');
});
