// Attribution Lens: Configure Model… — reads the model (engine `info`), proposes what its tensors mean, asks the user
// to confirm or change each answer, shows the resulting manifest and writes `<model>.lens.json` (or updates the
// folder's lens.json when that is the manifest the engine reads) only after the user confirms; never overwrites
// without asking. The manifest's fields and schema: schemas/lens.schema.json; the drafting logic: manifestDraft.ts.
import { basename, dirname, isAbsolute, relative } from 'node:path';
import * as vscode from 'vscode';
import type { ModelSummary } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import type { EngineService } from '../engineService';
import {
  applyImagePreset,
  buildManifest,
  checkAnswers,
  IMAGE_PRESETS,
  imageGeometry,
  manifestPathFor,
  manifestText,
  mergeWithExisting,
  parseLabelList,
  proposeDefaults,
  type ManifestAnswers,
  type Modality,
  type ProposedDefaults,
} from '../manifestDraft';
import type { Log } from '../output';
import { reportError } from '../reportError';

export const CONFIGURE_MODEL_COMMAND = 'attributionLens.configureModel';

export interface ConfigureModelDeps {
  engine: EngineService;
  log: Log;
}

const EXCLUDE = '{**/node_modules/**,**/.git/**}';
const MAX_MODELS_LISTED = 200;
const TITLE = 'Configure Model';

interface ValueItem<T> extends vscode.QuickPickItem {
  value: T;
}

/** Thrown (and swallowed) when the user dismisses a question. */
class Dismissed extends Error {}

function answered<T>(value: T | undefined): T {
  if (value === undefined) throw new Dismissed();
  return value;
}

async function pickOne<T>(title: string, items: ValueItem<T>[], placeHolder?: string): Promise<T> {
  const picked = await vscode.window.showQuickPick(items, { title: `${TITLE}: ${title}`, placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  return answered(picked).value;
}

async function ask(title: string, options: Omit<vscode.InputBoxOptions, 'title'>): Promise<string> {
  return answered(await vscode.window.showInputBox({ ...options, title: `${TITLE}: ${title}`, ignoreFocusOut: true }));
}

async function browseModel(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Select a model (TF.js model.json or .onnx)',
    canSelectMany: false,
    filters: { Models: ['json', 'onnx'] },
    openLabel: 'Configure',
  });
  return picked?.[0]?.fsPath;
}

/** The right-clicked model, else a model.json / .onnx from the workspace, else an open dialog. */
async function pickModelFile(uri: vscode.Uri | undefined): Promise<string | undefined> {
  if (uri?.scheme === 'file') return uri.fsPath;
  const found = [
    ...(await vscode.workspace.findFiles('**/model.json', EXCLUDE, MAX_MODELS_LISTED)),
    ...(await vscode.workspace.findFiles('**/*.onnx', EXCLUDE, MAX_MODELS_LISTED)),
  ];
  const paths = [...new Set(found.map((u) => u.fsPath))].sort((a, b) => a.localeCompare(b));
  if (!paths.length) return browseModel();
  const items: ValueItem<string | undefined>[] = [
    ...paths.map((p) => ({ label: modelDisplayName(p), description: vscode.workspace.asRelativePath(p), value: p })),
    { label: '$(folder-opened) Browse…', value: undefined, alwaysShow: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `${TITLE}: choose a model`, placeHolder: 'model.json or .onnx', matchOnDescription: true });
  if (!picked) return undefined;
  return picked.value ?? browseModel();
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(path));
    return true;
  } catch {
    return false;
  }
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path))));
  } catch {
    return undefined;
  }
}

async function folderFiles(dir: string): Promise<string[]> {
  const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(dir));
  return entries.filter(([, type]) => type === vscode.FileType.File).map(([name]) => name);
}

const MODALITY_DETAIL: Record<Modality, string> = {
  text: 'token ids from a tokenizer (tokenizer.json, vocab.txt or a word-level vocabulary)',
  image: 'pixels: size, layout, channels and normalisation',
  tabular: 'one row of features, e.g. CSV columns',
  timeseries: 'a sequence of feature vectors',
};

async function askModality(defaults: ProposedDefaults, note: string): Promise<Modality> {
  const proposed = defaults.answers.modality;
  const order: Modality[] = [proposed, ...(['text', 'image', 'tabular', 'timeseries'] as Modality[]).filter((m) => m !== proposed)];
  return pickOne(
    'what is the input?',
    order.map((m) => ({ label: m, description: m === proposed ? `proposed: ${note}` : undefined, detail: MODALITY_DETAIL[m], value: m })),
  );
}

async function askLabels(summary: ModelSummary, defaults: ProposedDefaults, existing: string[] | undefined): Promise<string[] | undefined> {
  const count = defaults.labelPlaceholders?.length;
  if (!count) return undefined;
  const initial = existing?.length === count ? existing : defaults.labelPlaceholders!;
  const text = await ask(`class labels (${modelDisplayName(summary.path)} has ${count} outputs)`, {
    prompt: `${count} class names, comma-separated, in output order. Clear the box to write no labels.`,
    value: initial.join(', '),
    validateInput: (v) => {
      const n = parseLabelList(v).length;
      return n === 0 || n === count ? undefined : `${n} labels; the model has ${count} outputs`;
    },
  });
  const labels = parseLabelList(text);
  return labels.length ? labels : undefined;
}

async function askTokenizer(modelDir: string, defaults: ProposedDefaults): Promise<string | undefined> {
  const browse = Symbol('browse');
  const none = Symbol('none');
  const items: ValueItem<string | typeof browse | typeof none>[] = [
    ...defaults.tokenizerFiles.map((f, i) => ({ label: f, description: i === 0 ? 'found beside the model' : undefined, value: f })),
    { label: '$(folder-opened) Browse…', description: 'a tokenizer.json, vocab.txt or word-level vocabulary JSON', value: browse },
    { label: 'None', description: 'no tokenizer in the manifest (the engine looks beside the model)', value: none },
  ];
  const choice = await pickOne('tokenizer', items);
  if (choice === none) return undefined;
  if (choice !== browse) return choice;
  const picked = await vscode.window.showOpenDialog({
    title: 'Select the tokenizer or vocabulary file',
    defaultUri: vscode.Uri.file(modelDir),
    canSelectMany: false,
    filters: { Tokenizer: ['json', 'txt'] },
    openLabel: 'Use',
  });
  return answered(picked?.[0]?.fsPath);
}

async function askInputRoles(summary: ModelSummary, answers: ManifestAnswers): Promise<void> {
  if (summary.inputs.length < 2) return;
  const proposed = answers.inputs ?? {};
  const roles = { ids: 'token ids', mask: 'attention mask', typeIds: 'token type (segment) ids', positions: 'position ids (0 … L−1)' } as const;
  const chosen: ManifestAnswers['inputs'] = {};
  for (const input of summary.inputs) {
    const current = (Object.keys(roles) as (keyof typeof roles)[]).find((r) => proposed[r] === input.name);
    const free = (Object.keys(roles) as (keyof typeof roles)[]).filter((r) => chosen[r] === undefined);
    const order = current && free.includes(current) ? [current, ...free.filter((r) => r !== current)] : free;
    const role = await pickOne(
      `role of input '${input.name}' [${input.shape.map((d) => (d === null ? '?' : d)).join(', ')}] ${input.dtype}`,
      order.map((r) => ({ label: r, description: r === current ? `proposed: ${roles[r]}` : roles[r], value: r })),
    );
    chosen[role] = input.name;
  }
  answers.inputs = chosen;
}

async function askPositiveInteger(title: string, prompt: string, value: number | undefined, optional: boolean): Promise<number | undefined> {
  const text = await ask(title, {
    prompt,
    value: value !== undefined ? String(value) : '',
    validateInput: (v) => {
      if (optional && v.trim() === '') return undefined;
      return /^\s*[1-9]\d*\s*$/.test(v) ? undefined : 'a positive whole number';
    },
  });
  return text.trim() === '' ? undefined : Number(text);
}

async function askText(summary: ModelSummary, defaults: ProposedDefaults, answers: ManifestAnswers): Promise<void> {
  const modelDir = dirname(summary.path);
  answers.tokenizer = await askTokenizer(modelDir, defaults);
  await askInputRoles(summary, answers);
  const length = summary.inputs[0]?.shape[1];
  const dynamic = length === null || length === undefined;
  answers.maxLength = await askPositiveInteger(
    'maximum length',
    dynamic
      ? "Most tokens fed to the model, special tokens included (the model's sequence length is dynamic)."
      : `Most tokens fed to the model, special tokens included (at most ${length}). Clear the box for the model's length.`,
    answers.maxLength ?? (dynamic ? 128 : undefined),
    !(dynamic && summary.inputs.length === 1),
  );
  answers.baseline = await pickOne('baseline (the reference input of gradient and perturbation methods)', [
    { label: 'pad', description: 'every token of the text replaced by [PAD]', value: 'pad' as const },
    { label: 'mask', description: 'every token of the text replaced by [MASK]', value: 'mask' as const },
  ]);
}

function parseSize(v: string): [number, number] | undefined {
  const m = /^\s*(\d+)\s*(?:[x×,]\s*(\d+))?\s*$/i.exec(v);
  if (!m) return undefined;
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  return h > 0 && w > 0 ? [h, w] : undefined;
}

async function askImage(summary: ModelSummary, answers: ManifestAnswers): Promise<void> {
  const shape = summary.inputs[0]?.shape ?? [];
  const geometry = imageGeometry(shape);
  const proposed = { ...(answers.image ?? {}) };
  if (!geometry) {
    proposed.layout = await pickOne(`layout of the input [${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`, [
      { label: 'NHWC', description: 'channels last (TensorFlow, Keras)', value: 'NHWC' as const },
      { label: 'NCHW', description: 'channels first (PyTorch, most ONNX models)', value: 'NCHW' as const },
    ]);
  }
  const preset = await pickOne(
    'image preprocessing',
    IMAGE_PRESETS.map((p) => ({ label: p.label, detail: p.detail, value: p })),
  );
  let image = applyImagePreset(proposed, preset);
  // The model's own size wins over a preset's; a dynamic size is asked for.
  if (geometry?.size) image = { ...image, size: geometry.size };
  else {
    const initial = image.size ?? [224, 224];
    const text = await ask('image size', {
      prompt: "The model's height × width is dynamic: the size images are resized to, e.g. 224 × 224.",
      value: `${initial[0]} × ${initial[1]}`,
      validateInput: (v) => (parseSize(v) ? undefined : 'height × width in pixels, e.g. 224 × 224'),
    });
    image = { ...image, size: parseSize(text) };
  }
  if (!image.channels && geometry) image.channels = geometry.channelCount === 1 ? 'L' : 'RGB';
  if (image.channels !== 'L' && geometry?.channelCount !== 1) {
    image.channels = await pickOne('channel order', [
      { label: 'RGB', description: 'most models', value: 'RGB' as const },
      { label: 'BGR', description: 'Caffe / OpenCV-trained models', value: 'BGR' as const },
    ]);
  }
  answers.image = image;
}

/** Where to write: the manifest the engine reads now (asked before overwriting), else `<model>.lens.json`. */
async function targetPath(modelPath: string): Promise<{ path: string; exists: boolean }> {
  for (const path of [manifestPathFor(modelPath, 'per-model'), manifestPathFor(modelPath, 'folder')]) {
    if (await fileExists(path)) return { path, exists: true };
  }
  return { path: manifestPathFor(modelPath, 'per-model'), exists: false };
}

function shown(path: string): string {
  const rel = vscode.workspace.asRelativePath(path);
  return isAbsolute(rel) ? basename(path) : rel;
}

export async function configureModel(deps: ConfigureModelDeps, uri?: vscode.Uri): Promise<void> {
  const { engine, log } = deps;
  try {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('Attribution Lens reads models only in trusted workspaces: loading a model executes it. Trust this workspace to configure models.');
      return;
    }
    const modelPath = await pickModelFile(uri);
    if (!modelPath) return;
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Reading ${modelDisplayName(modelPath)}…` },
      () => engine.info(modelPath),
    );
    const target = await targetPath(summary.path);
    const existing = target.exists ? await readJsonFile(target.path) : undefined;
    const existingLabels = (existing as { labels?: unknown } | undefined)?.labels;
    const files = await folderFiles(dirname(summary.path));
    const proposed = proposeDefaults(summary, files);
    log.info(`configure ${summary.path}: ${proposed.notes.join('; ')}`);

    const modality = await askModality(proposed, proposed.notes[0]?.replace(/^modality \w+: /, '') ?? '');
    // Another modality than the proposed one gets its own defaults from the same summary.
    const defaults = modality === proposed.answers.modality ? proposed : proposeDefaults(summary, files, modality);
    const answers: ManifestAnswers = { ...defaults.answers };
    answers.labels = await askLabels(summary, defaults, Array.isArray(existingLabels) && existingLabels.every((l) => typeof l === 'string') ? existingLabels : undefined);
    if (modality === 'text') await askText(summary, defaults, answers);
    if (modality === 'image') await askImage(summary, answers);

    const problems = checkAnswers(summary, answers);
    const built = buildManifest(summary, answers, target.path);
    const { manifest, kept, dropped } = mergeWithExisting(existing, built);
    const text = manifestText(manifest);
    log.info(`configure ${summary.path}: ${target.path}\n${text}`);
    const detail = [
      text,
      ...(problems.length ? [`The engine would refuse this: ${problems.join('; ')}.`] : []),
      ...(kept.length ? [`Kept from the existing file: ${kept.join(', ')}.`] : []),
      ...(dropped.length ? [`Removed from the existing file: ${dropped.join(', ')}.`] : []),
    ].join('\n');
    const action = target.exists ? 'Overwrite' : 'Write';
    const message = target.exists ? `${shown(target.path)} exists. Overwrite it with this manifest?` : `Write ${shown(target.path)}?`;
    const confirm = problems.length
      ? await vscode.window.showWarningMessage(message, { modal: true, detail }, action)
      : await vscode.window.showInformationMessage(message, { modal: true, detail }, action);
    if (confirm !== action) {
      log.info(`configure ${summary.path}: not written`);
      return;
    }
    const uriOut = vscode.Uri.file(target.path);
    await vscode.workspace.fs.writeFile(uriOut, new TextEncoder().encode(text));
    log.info(`configure ${summary.path}: wrote ${target.path} (${relative(dirname(summary.path), target.path)})`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uriOut), { preview: false });
  } catch (e) {
    if (e instanceof Dismissed) return;
    await reportError(log, e, 'Configure Model');
  }
}

export function registerConfigureModel(deps: ConfigureModelDeps): vscode.Disposable {
  return vscode.commands.registerCommand(CONFIGURE_MODEL_COMMAND, (uri?: unknown) => configureModel(deps, uri instanceof vscode.Uri ? uri : undefined));
}
