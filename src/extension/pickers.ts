// Quick picks for the model, the method, the target class and the backend.
import * as vscode from 'vscode';
import type { BackendChoice, MethodId, Modality, ModelSummary } from '../shared/types';
import { modelDisplayName } from './displayNames';
import { methodsFor } from './methodCatalog';

const EXCLUDE = '{**/node_modules/**,**/.git/**}';
const MAX_MODELS_LISTED = 200;

interface ValueItem<T> extends vscode.QuickPickItem {
  value: T;
}

async function openModelDialog(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Select a model (TF.js model.json or ONNX)',
    canSelectMany: false,
    filters: { 'Models': ['json', 'onnx'] },
    openLabel: 'Explain',
  });
  return picked?.[0]?.fsPath;
}

/** Every model in the workspace: TF.js model.json files and ONNX files. */
export async function workspaceModels(): Promise<vscode.Uri[]> {
  return vscode.workspace.findFiles('**/{model.json,*.onnx}', EXCLUDE, MAX_MODELS_LISTED);
}

/** The right-clicked file, else a model from the workspace (last one first), else an open dialog. */
export async function pickModel(uri: vscode.Uri | undefined, lastModel: string | undefined, title = 'Explain Model: choose a model'): Promise<string | undefined> {
  if (uri?.scheme === 'file') return uri.fsPath;
  const found = await workspaceModels();
  if (!found.length) return openModelDialog();
  // The last model explained comes first.
  const paths = found.map((u) => u.fsPath).sort((a, b) => Number(b === lastModel) - Number(a === lastModel) || a.localeCompare(b));
  const browse: ValueItem<undefined> = { label: '$(folder-opened) Browse…', value: undefined, alwaysShow: true };
  const items: ValueItem<string | undefined>[] = [
    ...paths.map((p) => ({
      label: modelDisplayName(p),
      description: vscode.workspace.asRelativePath(p),
      detail: p === lastModel ? 'last explained' : undefined,
      value: p,
    })),
    browse,
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'model.json or .onnx', matchOnDescription: true });
  if (!picked) return undefined;
  return picked.value ?? openModelDialog();
}

/**
 * The methods that suit the model's modality, with one-line descriptions; the last used (else the default) is
 * preselected.
 */
export async function pickMethod(
  defaultMethod: MethodId,
  lastMethod: MethodId | undefined,
  modality?: Modality,
  title = 'Explain Model: attribution method',
): Promise<MethodId | undefined> {
  const methods = methodsFor(modality);
  if (lastMethod && !methods.some((m) => m.id === lastMethod)) lastMethod = undefined;
  const preferred = lastMethod ?? defaultMethod;
  const items: ValueItem<MethodId>[] = methods.map((m) => ({
    label: m.id,
    description: m.id === lastMethod ? 'last used' : m.id === defaultMethod ? 'default' : undefined,
    detail: m.description,
    value: m.id,
  }));
  const qp = vscode.window.createQuickPick<ValueItem<MethodId>>();
  qp.title = title;
  qp.items = items;
  qp.matchOnDetail = true;
  qp.activeItems = items.filter((i) => i.value === preferred);
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]?.value ?? qp.activeItems[0]?.value);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** Number of scores in the model's first output (its last dimension), when known. */
export function outputSize(summary: ModelSummary): number | undefined {
  const shape = summary.outputs[0]?.shape;
  const last = shape?.[shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/**
 * The predicted class (default), or one output index. Labels are the ones the model reported in an earlier
 * explanation, when there was one. Returns undefined when the user cancels; `{ target: undefined }` means predicted.
 */
export async function pickTarget(summary: ModelSummary, labels: string[] | undefined): Promise<{ target: number | undefined } | undefined> {
  const size = outputSize(summary);
  if (!size || size <= 1) return { target: undefined };
  const items: ValueItem<number | undefined>[] = [
    { label: '$(target) Predicted class', description: 'explain the class the model predicts', value: undefined },
    { label: 'Output index', kind: vscode.QuickPickItemKind.Separator, value: undefined },
    ...Array.from({ length: size }, (_, i) => ({
      label: labels?.[i] ?? `output ${i}`,
      description: labels?.[i] !== undefined ? `index ${i}` : undefined,
      value: i,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Explain Model: target (${modelDisplayName(summary.path)} has ${size} outputs)`,
    matchOnDescription: true,
  });
  return picked ? { target: picked.value } : undefined;
}

const BACKENDS: { value: BackendChoice; detail: string }[] = [
  { value: 'auto', detail: 'The fastest available: tensorflow (native, if installed), then wasm, then cpu.' },
  { value: 'tensorflow', detail: 'Native TensorFlow through @tensorflow/tfjs-node(-gpu); needs the optional package.' },
  { value: 'wasm', detail: 'WebAssembly with SIMD and threads where available; works everywhere.' },
  { value: 'cpu', detail: 'Plain JavaScript; slowest, but the reference implementation.' },
];

export async function pickBackend(current: BackendChoice, running: string | undefined): Promise<BackendChoice | undefined> {
  const items: ValueItem<BackendChoice>[] = BACKENDS.map((b) => ({
    label: b.value,
    description: b.value === current ? (running ? `current (engine: ${running})` : 'current') : undefined,
    detail: b.detail,
    value: b.value,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Attribution Lens: Select Backend' });
  return picked?.value;
}
