// "Explain" lenses above each example of a CSV/TSV/JSONL/TXT document that has a text model nearby; after an
// example is explained its lens shows the predicted label and probability.
import * as vscode from 'vscode';
import { isDatasetFile } from './documentExamples';
import type { ExplanationStore } from './explanationStore';
import { lensSpecs } from './lensSpecs';
import type { TextModelLocator } from './textModelLocator';

export const EXPLAIN_EXAMPLE_COMMAND = 'attributionLens.explainDatasetExample';

export class DatasetCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly store: ExplanationStore,
    private readonly locator: TextModelLocator,
    /** The text field of a document (the user's choice or the manifest's), undefined to let the reader guess. */
    private readonly fieldFor: (fileName: string) => string | undefined = () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file' || !isDatasetFile(document.fileName)) return [];
    if (!this.locator.modelFor(document.fileName) || token.isCancellationRequested) return [];
    const visible = vscode.window.visibleTextEditors
      .filter((e) => e.document.uri.toString() === document.uri.toString())
      .flatMap((e) => e.visibleRanges.map((r) => ({ startLine: r.start.line, endLine: r.end.line })));
    return lensSpecs(document.fileName, document.getText(), visible, this.store.get(document.uri.toString()), undefined, this.fieldFor(document.fileName)).map(
      (spec) =>
        new vscode.CodeLens(new vscode.Range(new vscode.Position(spec.line, 0), new vscode.Position(spec.line, 0)), {
          title: spec.title,
          command: EXPLAIN_EXAMPLE_COMMAND,
          arguments: [document.uri, spec.row],
        }),
    );
  }

  dispose(): void {
    this.changed.dispose();
  }
}
