// package.json contributions and the extension source agree: every contributed command is registered, every
// registered command is contributed, menus and settings point at things that exist.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METHOD_IDS } from '../../src/extension/methodCatalog';

const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : [];
  });
}

/** Command ids registered in src/extension, following `export const X_COMMAND = '...'` constants. */
function registeredCommands(): Set<string> {
  const files = sources(join(root, 'src/extension')).map((f) => readFileSync(f, 'utf8'));
  const constants = new Map<string, string>();
  for (const text of files) {
    for (const m of text.matchAll(/const\s+(\w+)\s*=\s*'([\w.]+)'/g)) constants.set(m[1], m[2]);
  }
  const ids = new Set<string>();
  for (const text of files) {
    for (const m of text.matchAll(/registerCommand\(\s*(?:'([\w.]+)'|(\w+))/g)) {
      const id = m[1] ?? constants.get(m[2]);
      assert.ok(id, `registerCommand(${m[2]}) uses a constant the test cannot resolve`);
      ids.add(id);
    }
  }
  return ids;
}

test('every contributed command has a handler and every handler is contributed', () => {
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const registered = registeredCommands();
  assert.deepEqual([...registered].sort(), [...contributed].sort());
  assert.deepEqual([...contributed].sort(), [
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
});

test('command titles read "Attribution Lens: …" in the palette', () => {
  const titles = Object.fromEntries(
    pkg.contributes.commands.map((c: { command: string; title: string; category?: string }) => [
      c.command,
      c.category ? `${c.category}: ${c.title}` : c.title,
    ]),
  );
  assert.deepEqual(titles, {
    'attributionLens.explainModel': 'Attribution Lens: Explain Model…',
    'attributionLens.selectBackend': 'Attribution Lens: Select Backend',
    'attributionLens.showLog': 'Attribution Lens: Show Engine Log',
    'attributionLens.explainDatasetFile': 'Attribution Lens: Explain Dataset File',
    'attributionLens.clearExplanations': 'Attribution Lens: Clear Explanations',
    'attributionLens.explainDatasetExample': 'Attribution Lens: Explain Dataset Example',
    'attributionLens.explainImage': 'Attribution Lens: Explain Image with Model…',
    'attributionLens.configureModel': 'Attribution Lens: Configure Model…',
    'attributionLens.chooseTextField': 'Attribution Lens: Choose Text Field…',
    'attributionLens.explainImageFolder': 'Attribution Lens: Explain Images in Folder…',
  });
});

test('menus reference contributed commands; each explorer entry is offered on the files it takes', () => {
  const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const item of items) assert.ok(contributed.has(item.command), item.command);
  }
  const explorer = pkg.contributes.menus['explorer/context'];
  assert.deepEqual(explorer.map((i: { command: string; when: string }) => [i.command, i.when]), [
    ['attributionLens.explainModel', 'resourceFilename == model.json || resourceExtname == .onnx'],
    ['attributionLens.explainImage', 'resourceExtname =~ /^\\.(png|jpe?g)$/i'],
    ['attributionLens.explainImageFolder', 'explorerResourceIsFolder'],
    ['attributionLens.explainDatasetFile', 'resourceExtname =~ /^\\.(csv|tsv|jsonl|ndjson|txt)$/i'],
    ['attributionLens.configureModel', 'resourceFilename == model.json || resourceExtname == .onnx'],
  ]);
  // The when-clause regular expressions accept what they should.
  const when = (command: string) => explorer.find((i: { command: string }) => i.command === command).when as string;
  const regex = (clause: string) => {
    const m = /=~ \/(.+)\/(\w*)$/.exec(clause)!;
    return new RegExp(m[1], m[2]);
  };
  assert.ok(regex(when('attributionLens.explainImage')).test('.JPG') && !regex(when('attributionLens.explainImage')).test('.gif'));
  assert.ok(regex(when('attributionLens.explainDatasetFile')).test('.jsonl') && !regex(when('attributionLens.explainDatasetFile')).test('.json'));
  assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: ['*.lens.json', 'lens.json'], url: './schemas/lens.schema.json' }]);
  assert.ok(existsSync(join(root, 'schemas/lens.schema.json')));
});

test('settings: backend choices, the default method among the methods, IG steps and batch size', () => {
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['attributionLens.backend'].enum, ['auto', 'tensorflow', 'wasm', 'cpu']);
  assert.equal(props['attributionLens.backend'].default, 'auto');
  assert.deepEqual(props['attributionLens.defaultMethod'].enum, [...METHOD_IDS]);
  assert.ok(METHOD_IDS.includes(props['attributionLens.defaultMethod'].default));
  assert.equal(props['attributionLens.integratedGradients.steps'].default, 50);
  assert.equal(props['attributionLens.batchSize'].type, 'integer');
  // Every setting the source reads is declared.
  const read = new Set<string>();
  for (const f of sources(join(root, 'src/extension'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\.(?:get|inspect)<[^>]+>\('([\w.]+)'/g)) read.add(`attributionLens.${m[1]}`);
  }
  assert.ok(read.size >= 4);
  for (const key of read) assert.ok(props[key], `${key} is read but not contributed`);
});

test('the panel serializer view type is an activation event, and the icon and webview files exist', () => {
  const panel = readFileSync(join(root, 'src/extension/panels/explanationPanel.ts'), 'utf8');
  const viewType = /EXPLANATION_VIEW_TYPE = '([\w.]+)'/.exec(panel)?.[1];
  assert.ok(viewType);
  assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${viewType}`));
  assert.ok(existsSync(join(root, pkg.icon)));
  assert.ok(existsSync(join(root, 'media/explanation.css')));
  assert.ok(existsSync(join(root, 'webview/explanation.ts')));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
});
