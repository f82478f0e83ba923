// Wires the dataset lenses: the Explain lens command, "Explain Dataset File", "Clear Explanations", and keeping
// decorations in step with edits (results of edited examples are dropped, later ones shifted; see explanationStore).
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { fileRange, type TextExample } from '../../engine/modalities/text/datasets/types';
import type { ExplainRequest, Explanation, InputSpec, MethodId } from '../../shared/types';
import type { EngineService } from '../engineService';
import { methodOptionsFromConfig } from '../methodCatalog';
import { ExplanationPanel, type PanelContext } from '../panels/explanationPanel';
import type { Log } from '../output';
import { reportError } from '../reportError';
import { DatasetCodeLensProvider, EXPLAIN_EXAMPLE_COMMAND } from './datasetCodeLens';
import { DatasetDecorations } from './datasetDecorations';
import { datasetSummary } from './datasetSummary';
import { exampleDecorations, predictionTitle } from './decorationModel';
import { documentExamples, exampleRange } from './documentExamples';
import { ExplanationStore, type ExampleResult } from './explanationStore';
import { chosenField, fieldNames } from './textFields';
import { isTextModel, TextModelLocator } from './textModelLocator';

export const EXPLAIN_DATASET_FILE_COMMAND = 'attributionLens.explainDatasetFile';
export const CLEAR_EXPLANATIONS_COMMAND = 'attributionLens.clearExplanations';
export const CHOOSE_TEXT_FIELD_COMMAND = 'attributionLens.chooseTextField';
const FIELD_BY_FILE_KEY = 'attributionLens.textFieldByFile';
const MODEL_BY_FOLDER_KEY = 'attributionLens.textModelByFolder';
/** Text models are explained on their embeddings (gradients of token ids mean nothing). */
const METHOD: MethodId = 'layer-integrated-gradients';
const DATASET_SELECTOR: vscode.DocumentSelector = ['csv', 'tsv', 'jsonl', 'ndjson', 'txt'].map((ext) => ({ scheme: 'file', pattern: `**/*.${ext}` }));

export interface TextDatasetDeps {
  engine: EngineService;
  /** Where an example explained from its lens is shown as a token heatmap. */
  panel: PanelContext;
  log: Log;
  workspaceState: vscode.Memento;
}

export function registerTextDatasets(deps: TextDatasetDeps): vscode.Disposable {
  const { engine, log, workspaceState } = deps;
  const store = new ExplanationStore();
  const locator = new TextModelLocator(() => workspaceState.get<Record<string, string>>(MODEL_BY_FOLDER_KEY) ?? {});
  const decorations = new DatasetDecorations();
  const userFields = () => workspaceState.get<Record<string, string>>(FIELD_BY_FILE_KEY) ?? {};
  const fieldFor = (fileName: string) => chosenField(userFields()[fileName], locator.modelFor(fileName));
  const lenses = new DatasetCodeLensProvider(store, locator, fieldFor);

  const redraw = (uri?: string) => {
    for (const editor of vscode.window.visibleTextEditors) {
      const key = editor.document.uri.toString();
      if (uri === undefined || key === uri) decorations.render(editor, store.get(key));
    }
    lenses.refresh();
  };

  async function explainExample(
    document: vscode.TextDocument,
    example: TextExample,
    modelPath: string,
    signal?: AbortSignal,
  ): Promise<{ result: ExampleResult; explanation: Explanation }> {
    // A saved document is explained as the file row (the engine maps tokens to file offsets itself); an unsaved one
    // as its current text, mapped back through the example's offsets.
    const input: InputSpec = document.isDirty
      ? { kind: 'text', text: example.text }
      : { kind: 'dataset-file', path: document.fileName, row: example.row, ...(fieldFor(document.fileName) ? { field: fieldFor(document.fileName)! } : {}) };
    const config = vscode.workspace.getConfiguration('attributionLens');
    const request: ExplainRequest = {
      modelPath,
      input,
      method: METHOD,
      // Same settings as integrated gradients (steps, batch size): the layer variant takes the same options.
      options: methodOptionsFromConfig('layer-integrated-gradients', config),
    };
    const explanation = await engine.explain(request, { signal });
    const toDocument = input.kind === 'text' ? (s: number, e: number) => fileRange(example, s, e) : undefined;
    const p = explanation.prediction;
    const result: ExampleResult = {
      row: example.row,
      ...exampleRange(example),
      label: p.label ?? p.labels?.[p.index] ?? `output ${p.index}`,
      title: predictionTitle(explanation),
      decorations: exampleDecorations(explanation, toDocument),
    };
    return { result, explanation };
  }

  /** Problems with the document itself: one line to the user, no stack (they are not bugs). */
  const userProblem = (message: string) => {
    log.warn(message);
    void vscode.window.showErrorMessage(message);
  };

  async function modelFor(document: vscode.TextDocument, ask: boolean): Promise<string | undefined> {
    const found = locator.modelFor(document.fileName);
    if (found || !ask) return found;
    const picked = await vscode.window.showOpenDialog({
      title: 'No text model next to this file: choose its model (model.json or .onnx)',
      canSelectMany: false,
      filters: { Models: ['json', 'onnx'] },
    });
    const path = picked?.[0]?.fsPath;
    if (!path) return undefined;
    if (!isTextModel(path)) {
      void vscode.window.showErrorMessage(`${path}: not a text model (its lens.json must say "modality": "text", or a tokenizer.json / vocab.txt must sit beside it)`);
      return undefined;
    }
    const remembered = { ...(workspaceState.get<Record<string, string>>(MODEL_BY_FOLDER_KEY) ?? {}), [dirname(document.fileName)]: path };
    await workspaceState.update(MODEL_BY_FOLDER_KEY, remembered);
    return path;
  }

  const explainRow = async (uri: vscode.Uri, row: number) => {
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      const modelPath = await modelFor(document, true);
      if (!modelPath) return;
      const example = documentExamples(document.fileName, document.getText(), fieldFor(document.fileName)).examples.find((e) => e.row === row);
      if (!example) return userProblem(`${document.fileName}: row ${row} is no longer a well-formed example of this file`);
      const { result, explanation } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Explaining row ${row}…` },
        () => explainExample(document, example, modelPath),
      );
      store.set(uri.toString(), result);
      redraw(uri.toString());
      // The heatmap beside the file, without taking the focus from it.
      if (vscode.workspace.getConfiguration('attributionLens').get<boolean>('text.openPanelOnExplain', true)) {
        ExplanationPanel.show(deps.panel, explanation);
      }
    } catch (e) {
      await reportError(log, e, 'Explain example');
    }
  };

  const explainFile = async (uri?: vscode.Uri) => {
    try {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage('Open a .csv, .tsv, .jsonl or .txt dataset file to explain it.');
        return;
      }
      const document = await vscode.workspace.openTextDocument(target);
      const { examples, error } = documentExamples(document.fileName, document.getText(), fieldFor(document.fileName));
      // Reader errors (EngineError) already name the file.
      if (error) return userProblem(error.includes(document.fileName) ? error : `${document.fileName}: ${error}`);
      const modelPath = await modelFor(document, true);
      if (!modelPath) return;
      const key = target.toString();
      let failed = 0;
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Explaining ${examples.length} example(s)`, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          const sub = token.onCancellationRequested(() => controller.abort());
          try {
            for (const [i, example] of examples.entries()) {
              if (token.isCancellationRequested) break;
              try {
                store.set(key, (await explainExample(document, example, modelPath, controller.signal)).result);
              } catch (e) {
                if (token.isCancellationRequested) break;
                failed++;
                log.warn(`row ${example.row} (line ${example.line + 1}): ${e instanceof Error ? e.message : String(e)}`);
              }
              progress.report({ increment: 100 / examples.length, message: `${i + 1}/${examples.length}` });
              if ((i + 1) % 20 === 0) redraw(key);
            }
          } finally {
            sub.dispose();
          }
        },
      );
      redraw(key);
      for (const line of datasetSummary(document.fileName, store.get(key), failed)) log.info(line);
      log.show(true);
    } catch (e) {
      await reportError(log, e, 'Explain dataset file');
    }
  };

  const chooseField = async (uri?: vscode.Uri) => {
    try {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file') {
        void vscode.window.showInformationMessage('Open a .csv, .tsv or .jsonl dataset file to choose its text field.');
        return;
      }
      const document = await vscode.workspace.openTextDocument(target);
      const names = fieldNames(document.fileName, document.getText());
      if (!names.length) return userProblem(`${document.fileName}: no fields to choose from (a .txt file has one example per line)`);
      const current = fieldFor(document.fileName);
      const picked = await vscode.window.showQuickPick(
        names.map((name) => ({ label: name, description: name === current ? 'current' : undefined })),
        { title: `Text field of ${vscode.workspace.asRelativePath(document.fileName)}`, placeHolder: 'The column or field that holds the text to explain' },
      );
      if (!picked) return;
      await workspaceState.update(FIELD_BY_FILE_KEY, { ...userFields(), [document.fileName]: picked.label });
      // Results of the old field no longer match the lenses' ranges.
      store.clear(target.toString());
      redraw(target.toString());
    } catch (e) {
      await reportError(log, e, 'Choose text field');
    }
  };

  const clear = () => {
    const uris = store.documents();
    store.clear();
    for (const uri of uris) redraw(uri);
    lenses.refresh();
  };

  // A manifest or tokenizer added, edited or removed can change which model explains which folder.
  const modelFiles = vscode.workspace.createFileSystemWatcher('**/{lens.json,*.lens.json,tokenizer.json,vocab.txt,config.json,model.json,*.onnx}');
  const modelsChanged = () => {
    locator.forget();
    lenses.refresh();
  };

  return vscode.Disposable.from(
    modelFiles,
    modelFiles.onDidCreate(modelsChanged),
    modelFiles.onDidChange(modelsChanged),
    modelFiles.onDidDelete(modelsChanged),
    decorations,
    lenses,
    vscode.languages.registerCodeLensProvider(DATASET_SELECTOR, lenses),
    vscode.commands.registerCommand(EXPLAIN_EXAMPLE_COMMAND, explainRow),
    vscode.commands.registerCommand(EXPLAIN_DATASET_FILE_COMMAND, explainFile),
    vscode.commands.registerCommand(CLEAR_EXPLANATIONS_COMMAND, clear),
    vscode.commands.registerCommand(CHOOSE_TEXT_FIELD_COMMAND, chooseField),
    vscode.workspace.onDidChangeTextDocument((e) => {
      const key = e.document.uri.toString();
      if (store.edit(key, e.contentChanges)) redraw(key);
    }),
    vscode.window.onDidChangeVisibleTextEditors(() => redraw()),
    vscode.workspace.onDidCloseTextDocument((d) => store.clear(d.uri.toString())),
  );
}
