// Explain Images in Folder… end to end: the real command and gallery panel code, the scripted stand-in for the vscode
// API, and the real engine process (dist/engine.js) explaining the planted-truth image model over a folder with three
// images and one corrupt file. Then: opening cards, stale or malformed messages, cancellation, the cap on large
// folders, and restoring the gallery after a reload from the state the webview saved.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ExtensionToGallery, GalleryItem, GalleryState, GalleryStatus } from '../../src/shared/galleryProtocol';
import { createFakeVscode, FakePanel, installFakeVscode, type PickScript } from './helpers/fakeVscode';

const repo = join(__dirname, '../..');
const enginePath = join(repo, 'dist/engine.js');
const fixtures = join(repo, 'test/fixtures/image');
const workspace = mkdtempSync(join(tmpdir(), 'al-gallery-'));
const folder = join(workspace, 'photos');
const modelDir = join(workspace, 'models/planted');
const textModelDir = join(workspace, 'models/words');

let answers: Record<string, (labels: string[]) => string | undefined> = {};
const script: PickScript = (title, items) => {
  const key = Object.keys(answers).find((k) => title.startsWith(k));
  assert.ok(key, `unexpected quick pick '${title}'`);
  const label = answers[key](items.map((i) => i.label));
  return label === undefined ? undefined : items.find((i) => i.label === label);
};
const { vscode, rec } = createFakeVscode(workspace, script);
let trusted = true;
Object.defineProperty(vscode.workspace, 'isTrusted', { get: () => trusted });

const state = new Map<string, unknown>();
let restore: () => void;
let registration: { dispose(): void };
let mod: typeof import('../../src/extension/commands/explainImageFolder');
let ExplanationPanel: typeof import('../../src/extension/panels/explanationPanel').ExplanationPanel;
let deps: import('../../src/extension/commands/explainImageFolder').ExplainImageFolderDeps;
let engine: import('../../src/extension/engineService').EngineService;

before(async () => {
  assert.ok(existsSync(enginePath), 'dist/engine.js is missing: run `npm run build` first');
  mkdirSync(folder, { recursive: true });
  mkdirSync(modelDir, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'model.lens.json']) copyFileSync(join(fixtures, 'planted', f), join(modelDir, f));
  for (const f of ['000.png', '001.png', '002.png']) copyFileSync(join(fixtures, 'test', f), join(folder, f));
  writeFileSync(join(folder, 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]));
  writeFileSync(join(folder, 'readme.txt'), 'not an image');
  mkdirSync(join(folder, 'nested'));
  copyFileSync(join(fixtures, 'test', '003.png'), join(folder, 'nested', '003.png'));
  // A text model (its manifest says so), which the command must refuse for images.
  mkdirSync(textModelDir, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) copyFileSync(join(fixtures, 'planted', f), join(textModelDir, f));
  writeFileSync(join(textModelDir, 'model.lens.json'), JSON.stringify({ modality: 'text' }));

  restore = installFakeVscode(vscode);
  mod = await import('../../src/extension/commands/explainImageFolder');
  ({ ExplanationPanel } = await import('../../src/extension/panels/explanationPanel'));
  const { EngineService } = await import('../../src/extension/engineService');
  const { LastChoices } = await import('../../src/extension/lastChoices');
  const { StatusBar } = await import('../../src/extension/statusBar');
  const { createLog } = await import('../../src/extension/output');
  const log = createLog();
  engine = new EngineService(enginePath, log);
  const workspaceState = { get: <T>(k: string) => state.get(k) as T | undefined, update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] };
  deps = {
    engine,
    lastChoices: new LastChoices(workspaceState),
    statusBar: new StatusBar(engine),
    log,
    panel: { extensionUri: vscode.Uri.file(repo) as never, log, engine },
    workspaceState: workspaceState as never,
  };
  registration = mod.registerExplainImageFolder(deps);
});

after(() => {
  engine.dispose();
  restore();
  rmSync(workspace, { recursive: true, force: true });
});

const run = (...args: unknown[]) => rec.commands.get('attributionLens.explainImageFolder')!(...args) as Promise<void>;
const galleries = () => rec.panels.filter((p) => p.viewType === 'attributionLens.gallery');
const explanationPanels = () => rec.panels.filter((p) => p.viewType === 'attributionLens.explanation');
const messages = (panel: FakePanel) => panel.posted as ExtensionToGallery[];
const lastGallery = (panel: FakePanel) => messages(panel).filter((m) => m.type === 'gallery').pop() as Extract<ExtensionToGallery, { type: 'gallery' }>;
const lastStatus = (panel: FakePanel): GalleryStatus | undefined =>
  messages(panel).flatMap((m) => (m.type === 'gallery' || m.type === 'append' || m.type === 'status' ? [m.status] : [])).pop();

const pickPlanted = () => {
  answers = {
    'Explain images in photos: choose an image model': () => 'planted',
    'Explain Images in Folder: attribution method': () => 'grad-cam',
  };
};

test('registers the command and the gallery serializer', () => {
  assert.ok(rec.commands.has('attributionLens.explainImageFolder'));
  assert.ok(rec.serializers.has('attributionLens.gallery'));
});

test('untrusted workspaces are refused before anything runs', async () => {
  trusted = false;
  await run(vscode.Uri.file(folder));
  trusted = true;
  assert.equal(rec.picks.length, 0);
  assert.match(rec.errors.pop() ?? '', /only in trusted workspaces/);
});

test('a text model is refused for a folder of images', async () => {
  answers = { 'Explain images in photos: choose an image model': () => 'words' };
  await run(vscode.Uri.file(folder));
  assert.match(rec.errors.pop() ?? '', /^words takes text input, not images/);
  assert.equal(galleries().length, 0);
});

test('the folder is explained into a gallery: one card per image, the corrupt file listed with its error', async () => {
  pickPlanted();
  rec.errors.length = 0;
  await run(vscode.Uri.file(folder));
  assert.deepEqual(rec.errors, []);
  assert.equal(galleries().length, 1);
  const panel = galleries()[0]!;
  assert.equal(panel.title, 'Images: photos');
  assert.equal(panel.options.retainContextWhenHidden, false);
  assert.equal(panel.webview.options.enableScripts, true);
  assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.fsPath), [join(repo, 'dist/webview'), join(repo, 'media')]);
  assert.match(panel.webview.html, /script-src 'nonce-[\w-]{22}'/);
  assert.match(panel.webview.html, /src="https:\/\/fake\.vscode-cdn\.net[^"]*\/dist\/webview\/gallery\.js"/);
  assert.match(panel.webview.html, /href="https:\/\/fake\.vscode-cdn\.net[^"]*\/media\/gallery\.css"/);
  assert.doesNotMatch(panel.webview.html, /000\.png|planted/, 'no data in the HTML');

  // Cards arrive one by one while the run goes, then the status says done.
  const appends = messages(panel).filter((m) => m.type === 'append') as Extract<ExtensionToGallery, { type: 'append' }>[];
  assert.equal(appends.length, 4);
  assert.deepEqual(appends.map((m) => m.status), [1, 2, 3, 4].map((done) => ({ state: 'running', done, total: 4 })));
  assert.deepEqual(lastStatus(panel), { state: 'done' });

  await panel.fromWebview({ type: 'ready' });
  const g = lastGallery(panel);
  assert.deepEqual(g.run, { folder, modelPath: join(modelDir, 'model.json'), method: 'grad-cam', found: 4, limit: 500 });
  assert.deepEqual(g.items.map((i) => [i.name, i.prediction.label]), [['000.png', 'red'], ['001.png', 'green'], ['002.png', 'blue']]);
  for (const i of g.items) {
    assert.equal(i.method, 'grad-cam');
    assert.ok(i.prediction.probabilities && i.prediction.score > 0.5 && i.prediction.score <= 1);
    assert.deepEqual([i.thumbnail.width, i.thumbnail.height, i.map.width, i.map.height], [32, 32, 32, 32]);
    assert.equal(i.map.values.length, 32 * 32);
  }
  assert.equal(g.failures.length, 1);
  assert.equal(g.failures[0]!.name, 'broken.png');
  assert.equal(g.failures[0]!.file, join(folder, 'broken.png'));
  assert.match(g.failures[0]!.error, /corrupt|truncated/i);
  // The model is remembered for this folder (shared with Explain Image).
  assert.deepEqual(state.get('attributionLens.imageModelByFolder'), { [folder]: join(modelDir, 'model.json') });
});

test('opening a card shows its explanation in the explanation panel; stale or malformed messages are ignored', async () => {
  const panel = galleries()[0]!;
  const items = lastGallery(panel).items;
  await panel.fromWebview({ type: 'open', index: 1, file: items[1]!.file });
  assert.equal(explanationPanels().length, 1);
  const shown = ExplanationPanel.currentExplanation()!;
  assert.equal(shown.input.source, join(folder, '001.png'));
  assert.equal(shown.method.id, 'grad-cam');
  assert.equal(shown.prediction.label, 'green');
  assert.ok(!rec.logs.some((l) => l.includes('explain again')), 'the kept explanation is shown, not recomputed');

  const logs = rec.logs.length;
  for (const bad of [{ type: 'open', index: 1, file: items[2]!.file }, { type: 'open', index: 9, file: items[0]!.file }, { type: 'open', index: -1, file: 'x' }, { type: 'exec', command: 'rm' }, 'open']) {
    await panel.fromWebview(bad);
  }
  assert.equal(ExplanationPanel.currentExplanation()!.input.source, join(folder, '001.png'));
  assert.equal(rec.logs.slice(logs).filter((l) => l.startsWith('warn: ') && /gallery/.test(l)).length, 5);
});

test('cancelling stops after the current image; the same gallery shows what was done', async () => {
  pickPlanted();
  const original = vscode.window.withProgress;
  vscode.window.withProgress = async (o: unknown, task: (p: unknown, t: unknown) => unknown) => {
    const options = o as { title?: string; cancellable?: boolean };
    let cancel: (() => void) | undefined;
    const token = { onCancellationRequested: (l: () => void) => ((cancel = l), { dispose: () => {} }) };
    // The user presses Cancel once the first image is done.
    return task({ report: (r: { increment?: number }) => void (r.increment !== undefined && options.cancellable && cancel?.()) }, token);
  };
  try {
    await run(vscode.Uri.file(folder));
  } finally {
    vscode.window.withProgress = original;
  }
  assert.equal(galleries().length, 1, 'the gallery is reused');
  const panel = galleries()[0]!;
  assert.deepEqual(lastStatus(panel), { state: 'cancelled', done: 1, total: 4 });
  await panel.fromWebview({ type: 'ready' });
  assert.deepEqual(lastGallery(panel).items.map((i) => i.name), ['000.png']);
});

test('large folders are capped, and the gallery says how many images there are', async () => {
  pickPlanted();
  await mod.explainImageFolder({ ...deps, limit: 2 }, vscode.Uri.file(folder) as never);
  const panel = galleries()[0]!;
  await panel.fromWebview({ type: 'ready' });
  const g = lastGallery(panel);
  assert.deepEqual([g.run.found, g.run.limit], [4, 2]);
  assert.deepEqual(g.items.map((i) => i.name), ['000.png', '001.png']);
  assert.deepEqual(g.status, { state: 'done' });
});

test('after a reload the serializer restores the saved gallery, and an opened card is explained again', async () => {
  pickPlanted();
  await run(vscode.Uri.file(folder));
  const old = galleries()[0]!;
  await old.fromWebview({ type: 'ready' });
  const g = lastGallery(old);
  // What the webview saved with setState (a JSON round trip), with a tampered card pointing outside the folder.
  const saved: GalleryState = JSON.parse(JSON.stringify({ run: g.run, items: g.items, failures: g.failures, status: g.status, filter: 'blue' }));
  const outside: GalleryItem = { ...saved.items![0]!, file: join(workspace, 'models/planted/weights.bin') };
  saved.items = [...saved.items!, outside];

  const panel = new FakePanel('attributionLens.gallery', 'Images: photos', {});
  const serializer = rec.serializers.get('attributionLens.gallery') as { deserializeWebviewPanel(p: unknown, s: unknown): Promise<void> };
  await serializer.deserializeWebviewPanel(panel, saved);
  assert.match(panel.webview.html, /dist\/webview\/gallery\.js/);
  assert.equal(panel.title, 'Images: photos');
  await panel.fromWebview({ type: 'ready' });
  const restored = lastGallery(panel);
  assert.deepEqual(restored.items.map((i) => i.name), ['000.png', '001.png', '002.png']);
  assert.deepEqual(restored.failures.map((f) => f.name), ['broken.png']);

  await panel.fromWebview({ type: 'open', index: 2, file: join(folder, '002.png') });
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(rec.logs.some((l) => l.includes('image gallery: explain again')));
  const shown = ExplanationPanel.currentExplanation()!;
  assert.equal(shown.input.source, join(folder, '002.png'));
  assert.equal(shown.target.index, restored.items[2]!.target.index);
  assert.equal(shown.prediction.label, 'blue');
  // The tampered card was never restored, so it cannot be opened.
  await panel.fromWebview({ type: 'open', index: 3, file: outside.file });
  assert.equal(ExplanationPanel.currentExplanation()!.input.source, join(folder, '002.png'));
  // The user closes the restored gallery; the next run opens a new one.
  panel.dispose();
  const before = galleries().length;
  await run(vscode.Uri.file(folder));
  assert.equal(galleries().length, before + 1);
  assert.deepEqual(lastStatus(galleries().at(-1)!), { state: 'done' });
});

test('closing the gallery during a run stops the run', async () => {
  pickPlanted();
  const logs = rec.logs.length;
  const closed = galleries().at(-1)!;
  const posted = closed.posted.length;
  const original = vscode.window.withProgress;
  vscode.window.withProgress = async (o: unknown, task: (p: unknown, t: unknown) => unknown) => {
    const options = o as { cancellable?: boolean };
    const token = { onCancellationRequested: () => ({ dispose: () => {} }) };
    // The user closes the gallery once the first image is done.
    return task({ report: (r: { increment?: number }) => void (r.increment !== undefined && options.cancellable && galleries().at(-1)!.dispose()) }, token);
  };
  try {
    await run(vscode.Uri.file(folder));
  } finally {
    vscode.window.withProgress = original;
  }
  assert.ok(rec.logs.slice(logs).some((l) => l.endsWith(`explain images: ${folder}: 1 of 4 with grad-cam (cancelled)`)), rec.logs.slice(logs).join('\n'));
  // Nothing was posted to the closed panel after the first card.
  assert.equal(messages(closed).slice(posted).filter((m) => m.type === 'append').length, 1);
});

test('a new run takes the gallery over: the old run is stopped and its cards are ignored', async () => {
  const { GalleryPanel } = await import('../../src/extension/panels/galleryPanel');
  const first = { folder, modelPath: join(modelDir, 'model.json'), method: 'saliency' as const, found: 1, limit: 500 };
  const a = GalleryPanel.start(deps.panel, first, 1);
  const b = GalleryPanel.start(deps.panel, { ...first, method: 'grad-cam' }, 1);
  assert.ok(a.signal.aborted && !b.signal.aborted);
  const panel = galleries().at(-1)!;
  const n = panel.posted.length;
  a.fail({ file: join(folder, 'x.png'), name: 'x.png', error: 'late' }, { state: 'done' });
  a.setStatus({ state: 'done' });
  assert.equal(panel.posted.length, n);
  b.fail({ file: join(folder, 'y.png'), name: 'y.png', error: 'now' }, { state: 'done' });
  assert.equal(panel.posted.length, n + 1);
  await panel.fromWebview({ type: 'ready' });
  assert.deepEqual(lastGallery(panel).failures.map((f) => f.name), ['y.png']);
  assert.equal(lastGallery(panel).run.method, 'grad-cam');
});

test('a folder without images says so; the registration disposes the command', async () => {
  const empty = join(workspace, 'empty');
  mkdirSync(empty);
  const picks = rec.picks.length;
  await run(vscode.Uri.file(empty));
  assert.match(rec.infos.pop() ?? '', /no PNG or JPEG images directly in empty/);
  assert.equal(rec.picks.length, picks);
  registration.dispose();
  assert.ok(!rec.commands.has('attributionLens.explainImageFolder'));
});
