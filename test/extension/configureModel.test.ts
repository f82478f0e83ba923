// Configure Model… end to end on a copy of tiny-bert (ONNX, three text inputs): the real command code with the
// scripted vscode stand-in (extended here with input boxes, modal answers and file writes), the engine's own
// summary reader in place of the engine process, and the written manifest read back by the engine's reader.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readModelSummary } from '../../src/engine/models/index';
import { readLensManifest } from '../../src/engine/models/manifest';
import { createFakeVscode, installFakeVscode, type PickScript } from './helpers/fakeVscode';

const workspace = mkdtempSync(join(tmpdir(), 'al-configure-'));
const modelDir = join(workspace, 'bert');
const modelPath = join(modelDir, 'model.onnx');
const manifestPath = join(modelDir, 'model.lens.json');

/** Quick pick answers by title prefix: the label to choose (undefined dismisses). */
let picks: Record<string, (labels: string[]) => string | undefined> = {};
/** Input box answers by title prefix. */
let inputs: Record<string, (value: string, validate: (v: string) => string | undefined) => string | undefined> = {};
/** The button chosen in the confirmation dialog. */
let confirm: (message: string, detail: string, buttons: string[]) => string | undefined = () => undefined;
const asked: string[] = [];
const dialogs: { message: string; detail: string }[] = [];

const script: PickScript = (title, items) => {
  asked.push(title);
  const key = Object.keys(picks).find((k) => title.startsWith(k));
  assert.ok(key, `unexpected quick pick '${title}'`);
  const label = picks[key](items.map((i) => i.label));
  return label === undefined ? undefined : items.find((i) => i.label === label);
};
const { vscode, rec } = createFakeVscode(workspace, script);
const modal = (m: string, o: { modal?: boolean; detail?: string }, ...buttons: string[]) => {
  assert.equal(o?.modal, true, 'the confirmation is modal');
  dialogs.push({ message: m, detail: o.detail ?? '' });
  return Promise.resolve(confirm(m, o.detail ?? '', buttons));
};
Object.assign(vscode.window, {
  showInputBox: async (o: { title: string; value?: string; validateInput?: (v: string) => string | undefined }) => {
    asked.push(o.title);
    const key = Object.keys(inputs).find((k) => o.title.startsWith(k));
    assert.ok(key, `unexpected input box '${o.title}'`);
    return inputs[key](o.value ?? '', (v) => o.validateInput?.(v));
  },
  showInformationMessage: modal,
  showWarningMessage: modal,
  showErrorMessage: async (m: string) => void rec.errors.push(m),
  showTextDocument: async (doc: { fileName: string }) => void opened.push(doc.fileName),
});
const opened: string[] = [];
const written: string[] = [];
Object.assign(vscode.workspace.fs, {
  stat: async (u: { fsPath: string }) => statSync(u.fsPath),
  writeFile: async (u: { fsPath: string }, bytes: Uint8Array) => {
    written.push(u.fsPath);
    writeFileSync(u.fsPath, bytes);
  },
});

let restore: () => void;
let configureModel: typeof import('../../src/extension/commands/configureModel').configureModel;
const log = { info: () => {}, warn: () => {}, error: (m: string) => rec.errors.push(m), show: () => {} };
const engine = { info: (p: string) => readModelSummary(p) };
const deps = () => ({ engine, log }) as never;

before(async () => {
  mkdirSync(modelDir);
  for (const f of ['model.onnx', 'tokenizer.json', 'vocab.txt']) copyFileSync(join(__dirname, '../fixtures/text/tiny-bert', f), join(modelDir, f));
  restore = installFakeVscode(vscode);
  ({ configureModel } = await import('../../src/extension/commands/configureModel'));
});

after(() => {
  restore();
  rmSync(workspace, { recursive: true, force: true });
});

function answerTextQuestions(proposedLabels = 'class 0, class 1'): void {
  picks = {
    'Configure Model: what is the input?': (labels) => labels[0],
    'Configure Model: tokenizer': (labels) => labels[0],
    "Configure Model: role of input 'input_ids'": (labels) => labels[0],
    "Configure Model: role of input 'attention_mask'": (labels) => labels[0],
    "Configure Model: role of input 'token_type_ids'": (labels) => labels[0],
    'Configure Model: baseline': () => 'mask',
  };
  inputs = {
    'Configure Model: class labels': (value, validate) => {
      assert.equal(value, proposedLabels, 'the placeholder (or existing) labels are proposed');
      assert.equal(validate('a, b, c'), '3 labels; the model has 2 outputs');
      assert.equal(validate(''), undefined, 'no labels is allowed');
      return 'negative, positive';
    },
    'Configure Model: maximum length': (value, validate) => {
      assert.equal(value, '128');
      assert.equal(validate('0'), 'a positive whole number');
      return '64';
    },
  };
}

test('proposes text defaults for tiny-bert, writes model.lens.json only after confirming, and opens it', async () => {
  answerTextQuestions();
  confirm = (message, _detail, buttons) => {
    assert.equal(message, 'Write bert/model.lens.json?');
    assert.deepEqual(buttons, ['Write']);
    return 'Write';
  };
  await configureModel(deps(), vscode.Uri.file(modelPath) as never);
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(written, [manifestPath]);
  assert.deepEqual(opened, [manifestPath], 'the written file is opened');
  assert.match(dialogs[0].detail, /"inputs": \{\n {4}"ids": "input_ids"/, 'the dialog shows the manifest');
  const parsed = await readLensManifest(modelPath);
  assert.equal(parsed?.path, manifestPath);
  assert.equal(parsed?.modality, 'text');
  assert.deepEqual(parsed?.labels, ['negative', 'positive']);
  assert.equal(parsed?.text?.tokenizer?.path, join(modelDir, 'tokenizer.json'));
  assert.deepEqual(parsed?.text?.inputs, { ids: 'input_ids', mask: 'attention_mask', typeIds: 'token_type_ids' });
  assert.equal(parsed?.text?.maxLength, 64);
  assert.equal(parsed?.text?.baseline, 'mask');
  // Roles are offered with the proposed one first.
  assert.ok(asked.some((t) => t.startsWith("Configure Model: role of input 'attention_mask' [?, ?] int64")));
});

test('an existing manifest is not overwritten unless the user says so; unasked fields survive', async () => {
  const before = readFileSync(manifestPath, 'utf8');
  const edited = { ...JSON.parse(before), embeddingLayer: '/embeddings/Add', notes: 'hand-written' };
  writeFileSync(manifestPath, JSON.stringify(edited));
  written.length = 0;
  dialogs.length = 0;
  answerTextQuestions('negative, positive');
  confirm = () => undefined; // Escape
  await configureModel(deps(), vscode.Uri.file(modelPath) as never);
  assert.deepEqual(written, []);
  assert.deepEqual(JSON.parse(readFileSync(manifestPath, 'utf8')), edited);
  assert.equal(dialogs[0].message, 'bert/model.lens.json exists. Overwrite it with this manifest?');
  assert.match(dialogs[0].detail, /Kept from the existing file: embeddingLayer, notes\./);

  answerTextQuestions('negative, positive');
  confirm = (_m, _d, buttons) => (assert.deepEqual(buttons, ['Overwrite']), 'Overwrite');
  await configureModel(deps(), vscode.Uri.file(modelPath) as never);
  assert.deepEqual(written, [manifestPath]);
  const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  assert.equal(json.embeddingLayer, '/embeddings/Add');
  assert.equal(json.notes, 'hand-written');
  assert.equal(json.baseline, 'mask');
});

test('dismissing a question stops without writing or an error; an untrusted workspace is refused', async () => {
  rmSync(manifestPath);
  written.length = 0;
  rec.errors.length = 0;
  answerTextQuestions();
  picks['Configure Model: tokenizer'] = () => undefined;
  await configureModel(deps(), vscode.Uri.file(modelPath) as never);
  assert.deepEqual(written, []);
  assert.equal(existsSync(manifestPath), false);
  assert.deepEqual(rec.errors, []);

  Object.defineProperty(vscode.workspace, 'isTrusted', { value: false, configurable: true });
  await configureModel(deps(), vscode.Uri.file(modelPath) as never);
  Object.defineProperty(vscode.workspace, 'isTrusted', { value: true, configurable: true });
  assert.equal(rec.errors.length, 1);
  assert.match(rec.errors[0], /trusted workspaces/);
});

test('an engine failure is reported, not thrown', async () => {
  rec.errors.length = 0;
  const failing = { info: async () => Promise.reject(new Error('boom')) };
  await configureModel({ engine: failing, log } as never, vscode.Uri.file(modelPath) as never);
  assert.equal(rec.errors[0], 'Configure Model: Attribution Lens failed: boom');
});

test('an NCHW image model (cnn2d.onnx): ImageNet preset keeps the model size; problems are shown before writing', async () => {
  const dir = join(workspace, 'cnn');
  mkdirSync(dir);
  copyFileSync(join(__dirname, '../fixtures/onnx/cnn2d.onnx'), join(dir, 'cnn2d.onnx'));
  written.length = 0;
  dialogs.length = 0;
  rec.errors.length = 0;
  picks = {
    'Configure Model: what is the input?': (labels) => (assert.equal(labels[0], 'image'), 'image'),
    'Configure Model: image preprocessing': (labels) => labels.find((l) => l.startsWith('ImageNet')),
    'Configure Model: channel order': () => 'BGR',
  };
  inputs = { 'Configure Model: class labels': (value) => (assert.equal(value, 'class 0, class 1, class 2, class 3'), value) };
  confirm = (message, detail) => {
    assert.equal(message, 'Write cnn/cnn2d.lens.json?');
    assert.doesNotMatch(detail, /would refuse/);
    return 'Write';
  };
  await configureModel(deps(), vscode.Uri.file(join(dir, 'cnn2d.onnx')) as never);
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(written, [join(dir, 'cnn2d.lens.json')]);
  const parsed = await readLensManifest(join(dir, 'cnn2d.onnx'));
  assert.deepEqual(parsed?.labels, ['class 0', 'class 1', 'class 2', 'class 3']);
  assert.deepEqual(parsed?.image, { size: [12, 12], layout: 'NCHW', channels: 'BGR', scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'center-crop' });
  assert.equal(readFileSync(join(dir, 'cnn2d.lens.json'), 'utf8').includes('"size": [12, 12]'), true);
});
