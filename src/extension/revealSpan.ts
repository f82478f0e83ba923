// Opens the file a feature came from and selects the feature's text.
import * as vscode from 'vscode';
import type { SourceSpan } from '../shared/types';

/**
 * The start comes from line/column rather than the offset: a UTF-8 BOM is part of the engine's offsets but not of
 * VS Code's document text, and only shifts the first line.
 */
export function spanRange(doc: vscode.TextDocument, span: SourceSpan): vscode.Range {
  const start = doc.validatePosition(new vscode.Position(span.line, span.column));
  const end = doc.positionAt(doc.offsetAt(start) + span.length);
  return new vscode.Range(start, end);
}

/**
 * `panelColumn` is where the panel asking for the reveal is: the file opens in another column, so the panel stays
 * visible (opening it in the panel's own group would hide the panel behind the file's tab).
 */
export async function revealRange(
  file: string,
  range: (doc: vscode.TextDocument) => vscode.Range | undefined,
  panelColumn?: vscode.ViewColumn,
): Promise<void> {
  const uri = vscode.Uri.file(file);
  const doc = await vscode.workspace.openTextDocument(uri);
  // Reuse the editor already showing the file, so the panel beside it stays visible.
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const fallback = panelColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
  const selection = range(doc);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: visible?.viewColumn ?? fallback, selection });
  if (selection) editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export function revealSpan(span: SourceSpan, panelColumn?: vscode.ViewColumn): Promise<void> {
  return revealRange(span.file, (doc) => spanRange(doc, span), panelColumn);
}

/** The whole row of an explained CSV input: from its first feature to its last. */
export function revealSpans(file: string, spans: SourceSpan[], panelColumn?: vscode.ViewColumn): Promise<void> {
  return revealRange(
    file,
    (doc) => {
      if (!spans.length) return undefined;
      const ranges = spans.map((s) => spanRange(doc, s));
      return ranges.reduce((a, b) => a.union(b));
    },
    panelColumn,
  );
}
