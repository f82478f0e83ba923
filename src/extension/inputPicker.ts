// Chooses the input to explain: the CSV row under the cursor, the last input, or a CSV/JSON file (then a row).
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { InputSpec } from '../shared/types';
import { currentRowChoice, isCsvPath, rowChoices } from './csvRows';
import { orderInputFiles } from './inputFiles';
import type { Choices } from './lastChoices';

type FileInput = Extract<InputSpec, { kind: 'csv-file' | 'json-file' }>;

const EXCLUDE = '{**/node_modules/**,**/.git/**}';
const MAX_WORKSPACE_FILES = 500;
/** The editor text is parsed on every pick; huge files are left to the file picker. */
const MAX_EDITOR_CHARS = 20 * 1024 * 1024;
const MAX_ROWS_LISTED = 5000;

interface InputItem extends vscode.QuickPickItem {
  choose?: () => Promise<FileInput | undefined>;
}

function describeInput(input: FileInput): string {
  return input.kind === 'csv-file' ? `${basename(input.path)} · row ${input.row}` : basename(input.path);
}

function currentLineItem(): InputItem | undefined {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
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

async function fileInput(path: string, last: Choices['input']): Promise<FileInput | undefined> {
  if (!isCsvPath(path)) return { kind: 'json-file', path };
  const row = await pickRow(path, last?.kind === 'csv-file' && last.path === path ? last.row : undefined);
  return row === undefined ? undefined : { kind: 'csv-file', path, row };
}

function fileItem(path: string, last: Choices['input']): InputItem {
  return {
    label: `$(${isCsvPath(path) ? 'table' : 'json'}) ${basename(path)}`,
    description: vscode.workspace.asRelativePath(path),
    choose: () => fileInput(path, last),
  };
}

export async function pickInput(modelPath: string, last: Choices['input']): Promise<FileInput | undefined> {
  const [beside, workspace] = await Promise.all([
    filesBesideModel(modelPath),
    vscode.workspace.findFiles('**/*.{csv,tsv,json}', EXCLUDE, MAX_WORKSPACE_FILES).then((uris) => uris.map((u) => u.fsPath)),
  ]);
  const files = orderInputFiles(modelPath, beside, workspace);
  const separator = (label: string): InputItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const current = currentLineItem();
  const items: InputItem[] = [
    ...(current ? [current] : []),
    ...(last ? [{ label: `$(history) ${describeInput(last)}`, description: 'last input', choose: async () => last }] : []),
    ...(files.beside.length ? [separator('beside the model'), ...files.beside.map((p) => fileItem(p, last))] : []),
    ...(files.elsewhere.length ? [separator('workspace'), ...files.elsewhere.map((p) => fileItem(p, last))] : []),
    separator(''),
    {
      label: '$(folder-opened) Browse…',
      alwaysShow: true,
      choose: async () => {
        const picked = await vscode.window.showOpenDialog({
          title: 'Select an input (CSV row or JSON tensor)',
          canSelectMany: false,
          defaultUri: vscode.Uri.file(dirname(modelPath)),
          filters: { 'CSV / JSON': ['csv', 'tsv', 'json'] },
        });
        return picked?.[0] ? fileInput(picked[0].fsPath, last) : undefined;
      },
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Explain Model: input',
    placeHolder: 'A CSV row or a JSON tensor',
    matchOnDescription: true,
  });
  return picked?.choose?.();
}
