// Chooses the input to explain, for the model's modality: the CSV row under the cursor, the last input, or a file
// (then a row): CSV/JSON for tabular models, an image for image models, a dataset example or typed text for text.
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { InputSpec, Modality } from '../shared/types';
import { currentRowChoice, isCsvPath, rowChoices } from './csvRows';
import { INPUT_EXTENSIONS, inputGlob, isInputCandidate, orderInputFiles } from './inputFiles';
import type { Choices, FileInput } from './lastChoices';
import { documentExamples } from './text/documentExamples';

type PickedInput = FileInput | Extract<InputSpec, { kind: 'text' }>;

const EXCLUDE = '{**/node_modules/**,**/.git/**}';
const MAX_WORKSPACE_FILES = 500;
/** The editor text is parsed on every pick; huge files are left to the file picker. */
const MAX_EDITOR_CHARS = 20 * 1024 * 1024;
const MAX_ROWS_LISTED = 5000;

interface InputItem extends vscode.QuickPickItem {
  choose?: () => Promise<PickedInput | undefined>;
}

function describeInput(input: FileInput): string {
  return input.kind === 'csv-file' || input.kind === 'dataset-file' ? `${basename(input.path)} · row ${input.row}` : basename(input.path);
}

function currentLineItem(modality: Modality): InputItem | undefined {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  if (modality !== 'tabular' && modality !== 'timeseries') return undefined;
  if (!editor || !doc || doc.uri.scheme !== 'file' || !isCsvPath(doc.fileName)) return undefined;
  const text = doc.getText();
  if (text.length > MAX_EDITOR_CHARS) return undefined;
  const choice = currentRowChoice(text, editor.selection.active.line);
  if (!choice) return undefined;
  return {
    label: `$(location) Current line (row ${choice.row})`,
    description: `${basename(doc.fileName)} · line ${choice.line + 1}`,
    detail: choice.summary,
    choose: async () => {
      // The engine reads the file from disk, so the row must be saved to be the one explained.
      if (doc.isDirty) {
        const save = 'Save and Explain';
        const answer = await vscode.window.showWarningMessage(
          `${basename(doc.fileName)} has unsaved changes; the engine reads the saved file.`,
          { modal: true },
          save,
        );
        if (answer !== save || !(await doc.save())) return undefined;
      }
      return { kind: 'csv-file', path: doc.uri.fsPath, row: choice.row };
    },
  };
}

async function filesBesideModel(modelPath: string): Promise<string[]> {
  try {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(dirname(modelPath)));
    return entries.filter(([, type]) => type === vscode.FileType.File).map(([name]) => join(dirname(modelPath), name));
  } catch {
    return [];
  }
}

export async function pickRow(path: string, lastRow: number | undefined): Promise<number | undefined> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(path));
  const { choices, total } = rowChoices(new TextDecoder('utf-8').decode(bytes), MAX_ROWS_LISTED);
  if (!choices.length) {
    void vscode.window.showErrorMessage(`${path}: the file has no data rows (the first line is the header)`);
    return undefined;
  }
  const items = choices.map((c) => ({ label: `row ${c.row}`, description: `line ${c.line + 1}`, detail: c.summary, row: c.row }));
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.title = `Explain Model: row of ${basename(path)}${total > choices.length ? ` (first ${choices.length} of ${total} rows)` : ''}`;
  qp.placeholder = 'Type to filter by row number or values';
  qp.items = items;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const last = items.find((i) => i.row === lastRow);
  if (last) qp.activeItems = [last];
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve((qp.selectedItems[0] ?? qp.activeItems[0])?.row);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** An example of a text dataset, listed with the engine's own reader (so row numbers match what it explains). */
export async function pickExample(path: string, lastRow: number | undefined): Promise<number | undefined> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(path));
  const { examples, error } = documentExamples(path, new TextDecoder('utf-8').decode(bytes));
  if (!examples.length) {
    void vscode.window.showErrorMessage(`${path}: ${error ?? 'no examples found'}`);
    return undefined;
  }
  const items = examples.slice(0, MAX_ROWS_LISTED).map((e) => ({
    label: `row ${e.row}`,
    description: `line ${e.line + 1}`,
    detail: e.text.length > 160 ? `${e.text.slice(0, 160)}…` : e.text,
    row: e.row,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Explain Model: example of ${basename(path)}${examples.length > items.length ? ` (first ${items.length} of ${examples.length})` : ''}`,
    placeHolder: 'Type to filter by text',
    matchOnDetail: true,
  });
  return picked?.row ?? (picked ? lastRow : undefined);
}

async function fileInput(path: string, last: Choices['input'], modality: Modality): Promise<FileInput | undefined> {
  if (modality === 'image') return { kind: 'image-file', path };
  const lastRow = last && 'row' in last && last.path === path ? last.row : undefined;
  if (modality === 'text') {
    const row = await pickExample(path, lastRow);
    return row === undefined ? undefined : { kind: 'dataset-file', path, row };
  }
  if (!isCsvPath(path)) return { kind: 'json-file', path };
  const row = await pickRow(path, lastRow);
  return row === undefined ? undefined : { kind: 'csv-file', path, row };
}

function fileIcon(path: string, modality: Modality): string {
  if (modality === 'image') return 'file-media';
  if (modality === 'text') return 'note';
  return isCsvPath(path) ? 'table' : 'json';
}

function fileItem(path: string, last: Choices['input'], modality: Modality): InputItem {
  return {
    label: `$(${fileIcon(path, modality)}) ${basename(path)}`,
    description: vscode.workspace.asRelativePath(path),
    choose: () => fileInput(path, last, modality),
  };
}

const PLACEHOLDERS: Record<Modality, string> = {
  tabular: 'A CSV row or a JSON tensor',
  timeseries: 'A CSV row or a JSON tensor',
  image: 'A PNG or JPEG image',
  text: 'An example of a text dataset (CSV, TSV, JSONL, TXT), or a text you type',
};

export async function pickInput(modelPath: string, last: Choices['input'], modality: Modality = 'tabular'): Promise<PickedInput | undefined> {
  const [beside, workspace] = await Promise.all([
    filesBesideModel(modelPath),
    vscode.workspace.findFiles(inputGlob(modality), EXCLUDE, MAX_WORKSPACE_FILES).then((uris) => uris.map((u) => u.fsPath)),
  ]);
  const files = orderInputFiles(modelPath, beside, workspace, modality);
  const separator = (label: string): InputItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const current = currentLineItem(modality);
  const lastFits = last && isInputCandidate(last.path, modality) && (modality === 'image') === (last.kind === 'image-file');
  const typed: InputItem = {
    label: '$(edit) Type a text…',
    alwaysShow: true,
    choose: async () => {
      const text = await vscode.window.showInputBox({ title: 'Explain Model: text to explain', prompt: 'The text the model classifies', ignoreFocusOut: true });
      return text ? { kind: 'text', text } : undefined;
    },
  };
  const items: InputItem[] = [
    ...(current ? [current] : []),
    ...(modality === 'text' ? [typed] : []),
    ...(last && lastFits ? [{ label: `$(history) ${describeInput(last)}`, description: 'last input', choose: async () => last }] : []),
    ...(files.beside.length ? [separator('beside the model'), ...files.beside.map((p) => fileItem(p, last, modality))] : []),
    ...(files.elsewhere.length ? [separator('workspace'), ...files.elsewhere.map((p) => fileItem(p, last, modality))] : []),
    separator(''),
    {
      label: '$(folder-opened) Browse…',
      alwaysShow: true,
      choose: async () => {
        const picked = await vscode.window.showOpenDialog({
          title: `Select an input (${PLACEHOLDERS[modality]})`,
          canSelectMany: false,
          defaultUri: vscode.Uri.file(dirname(modelPath)),
          filters: { Inputs: [...INPUT_EXTENSIONS[modality]] },
        });
        return picked?.[0] ? fileInput(picked[0].fsPath, last, modality) : undefined;
      },
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Explain Model: input',
    placeHolder: PLACEHOLDERS[modality],
    matchOnDescription: true,
  });
  return picked?.choose?.();
}
