// The explanation webview panel: one panel, reused for each new explanation, restored after a reload by a serializer.
// The webview gets the Explanation as a message and renders it itself; the HTML carries no data.
import * as vscode from 'vscode';
import type { ExtensionToPanel, PanelToExtension } from '../../shared/panelProtocol';
import type { Explanation } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import type { Log } from '../output';
import { revealSpan, revealSpans } from '../revealSpan';
import { createNonce, webviewHtml } from '../webviewHtml';
import { parsePanelMessage, parsePanelState } from './panelMessages';

export const EXPLANATION_VIEW_TYPE = 'attributionLens.explanation';

export interface PanelContext {
  extensionUri: vscode.Uri;
  log: Log;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function panelTitle(e: Explanation | undefined): string {
  return e ? `Explain: ${modelDisplayName(e.model.path)}` : 'Attribution Lens';
}

export class ExplanationPanel {
  private static current: ExplanationPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly ctx: PanelContext,
    private explanation: Explanation | undefined,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(ctx.extensionUri);
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview', 'explanation.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'media', 'explanation.css')).toString(),
      nonce: createNonce(),
      title: panelTitle(explanation),
    });
    panel.title = panelTitle(explanation);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** What the open panel shows, if a panel is open (read by the extension's API, used by the extension tests). */
  static currentExplanation(): Explanation | undefined {
    return ExplanationPanel.current?.explanation;
  }

  static show(ctx: PanelContext, explanation: Explanation): void {
    const existing = ExplanationPanel.current;
    if (existing) {
      existing.update(explanation);
      existing.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EXPLANATION_VIEW_TYPE,
      panelTitle(explanation),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(ctx.extensionUri), retainContextWhenHidden: false, enableFindWidget: true },
    );
    ExplanationPanel.current = new ExplanationPanel(panel, ctx, explanation);
  }

  /** Restores a panel after VS Code restarts, from the state the webview saved. */
  static serializer(ctx: PanelContext): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        ExplanationPanel.current?.panel.dispose();
        ExplanationPanel.current = new ExplanationPanel(panel, ctx, parsePanelState(state).explanation);
      },
    };
  }

  private update(explanation: Explanation): void {
    this.explanation = explanation;
    this.panel.title = panelTitle(explanation);
    this.post({ type: 'explanation', explanation });
  }

  private post(message: ExtensionToPanel): void {
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message: PanelToExtension | undefined = parsePanelMessage(raw);
    if (!message) {
      this.ctx.log.warn(`ignored an unexpected message from the explanation panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (e) {
      this.ctx.log.error(`explanation panel: ${(e as Error).stack ?? String(e)}`);
      void vscode.window.showErrorMessage(`Attribution Lens: ${(e as Error).message}`);
    }
  }

  private async handle(message: PanelToExtension): Promise<void> {
    const e = this.explanation;
    switch (message.type) {
      case 'ready':
        // Sent on every (re)load of the webview; it may already show its saved state, this brings it up to date.
        if (e) this.post({ type: 'explanation', explanation: e });
        return;
      case 'reveal': {
        const feature = e?.features[message.featureIndex];
        if (!feature) return;
        if (!feature.span) {
          void vscode.window.showInformationMessage(`Feature '${feature.name}' has no location in a file (the input was a tensor).`);
          return;
        }
        await revealSpan(feature.span, this.panel.viewColumn);
        return;
      }
      case 'openInput': {
        if (!e || e.input.source === 'input') return;
        const spans = e.features.flatMap((f) => (f.span && f.span.file === e.input.source ? [f.span] : []));
        await revealSpans(e.input.source, spans, this.panel.viewColumn);
        return;
      }
      case 'copyJson':
        if (!e) return;
        await vscode.env.clipboard.writeText(JSON.stringify(e, null, 2));
        vscode.window.setStatusBarMessage('Attribution Lens: explanation copied as JSON', 3000);
        return;
    }
  }

  private dispose(): void {
    if (ExplanationPanel.current === this) ExplanationPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
