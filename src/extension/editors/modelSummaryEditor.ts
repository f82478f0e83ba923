// Read-only custom editor for .onnx files: the engine process parses the model (so a 100 MB file never blocks the
// extension host) and the webview renders the summary it is sent. The HTML carries no data, only the CSP shell.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { EngineService } from '../engineService';
import type { Log } from '../output';
import { createNonce, webviewHtml } from '../webviewHtml';
import { MODEL_SUMMARY_VIEW_TYPE, parseSummaryWebviewMessage, type SummaryEditorMessage } from './modelSummaryView';

const EXPLAIN_MODEL_COMMAND = 'attributionLens.explainModel';

export interface ModelSummaryEditorDeps {
  engine: EngineService;
  extensionUri: vscode.Uri;
  log: Log;
}

/** One line of text for the editor: the engine's message already names the problem; make sure the file is named too. */
export function summaryErrorMessage(file: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.includes(file) ? message : `${file}: ${message}`;
}

export class ModelSummaryEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly deps: ModelSummaryEditorDeps) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => {} };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const { extensionUri, engine, log } = this.deps;
    const webview = panel.webview;
    const file = basename(document.uri.fsPath);
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'modelSummary.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'modelSummary.css')).toString(),
      nonce: createNonce(),
      title: file,
    });

    let disposed = false;
    const post = (message: SummaryEditorMessage) => {
      if (!disposed) void webview.postMessage(message);
    };
    // Parsed once per editor; a webview reload ('ready' again) re-sends the same result.
    let summary: Promise<SummaryEditorMessage> | undefined;
    const load = (): Promise<SummaryEditorMessage> =>
      (summary ??= engine.info(document.uri.fsPath).then(
        (s): SummaryEditorMessage => ({ type: 'summary', file, summary: s }),
        (err): SummaryEditorMessage => {
          log.warn(`model summary of ${document.uri.fsPath} failed: ${(err as Error)?.message ?? String(err)}`);
          return { type: 'error', file, message: summaryErrorMessage(file, err) };
        },
      ));

    const subscriptions = [
      webview.onDidReceiveMessage(async (raw: unknown) => {
        const message = parseSummaryWebviewMessage(raw);
        if (!message) {
          log.warn(`ignored an unexpected message from the model summary editor: ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (message.type === 'explain') {
          await vscode.commands.executeCommand(EXPLAIN_MODEL_COMMAND, document.uri);
          return;
        }
        if (message.type === 'reload') summary = undefined;
        post({ type: 'loading', file });
        post(await load());
      }),
      panel.onDidDispose(() => {
        disposed = true;
        for (const s of subscriptions) s.dispose();
      }),
    ];
  }
}

export function registerModelSummaryEditor(deps: ModelSummaryEditorDeps): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(MODEL_SUMMARY_VIEW_TYPE, new ModelSummaryEditorProvider(deps), {
    supportsMultipleEditorsPerDocument: true,
  });
}
