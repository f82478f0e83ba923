// The explanation webview panel: one panel, reused for each new explanation, restored after a reload by a serializer.
// It shows one input explained by one or more methods side by side; the webview asks for other methods or targets
// ('rerun') and the panel runs them on the engine. The HTML carries no data: the webview gets it as messages.
import { basename, dirname, extname, join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionToPanel, PanelToExtension } from '../../shared/panelProtocol';
import { textReportHtml } from '../../shared/textReport';
import type { Explanation } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import type { EngineService } from '../engineService';
import type { Log } from '../output';
import { revealSpan, revealSpans } from '../revealSpan';
import { createNonce, webviewHtml } from '../webviewHtml';
import { parsePanelMessage, parsePanelState } from './panelMessages';
import { methodChoicesFor, rerunRequest, withAdded } from './explanationSet';

export const EXPLANATION_VIEW_TYPE = 'attributionLens.explanation';

export interface PanelContext {
  extensionUri: vscode.Uri;
  log: Log;
  /** Runs the panel's reruns; absent in contexts that only display. */
  engine?: EngineService;
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

const STYLES = ['explanation.css', 'explanation-text.css', 'explanation-image.css'];

export class ExplanationPanel {
  private static current: ExplanationPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private running: AbortController | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly ctx: PanelContext,
    private explanations: Explanation[],
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(ctx.extensionUri);
    const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'media', file)).toString();
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview', 'explanation.js')).toString(),
      styleUri: STYLES.map(media),
      nonce: createNonce(),
      title: panelTitle(explanations[0]),
    });
    panel.title = panelTitle(explanations[0]);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** What the open panel shows first, if a panel is open (the extension's API; used by the tests). */
  static currentExplanation(): Explanation | undefined {
    return ExplanationPanel.current?.explanations[0];
  }

  /** Every explanation the open panel shows, side by side. */
  static currentExplanations(): Explanation[] {
    return ExplanationPanel.current?.explanations.slice() ?? [];
  }

  static show(ctx: PanelContext, explanation: Explanation, options: { add?: boolean } = {}): void {
    const existing = ExplanationPanel.current;
    if (existing) {
      existing.update(explanation, options.add ?? false);
      existing.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EXPLANATION_VIEW_TYPE,
      panelTitle(explanation),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(ctx.extensionUri), retainContextWhenHidden: false, enableFindWidget: true },
    );
    ExplanationPanel.current = new ExplanationPanel(panel, ctx, [explanation]);
  }

  /** Restores a panel after VS Code restarts, from the state the webview saved. */
  static serializer(ctx: PanelContext): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        ExplanationPanel.current?.panel.dispose();
        ExplanationPanel.current = new ExplanationPanel(panel, ctx, parsePanelState(state).explanations ?? []);
      },
    };
  }

  /** A new input replaces the set; `add` (same model and input) puts the explanation beside the others. */
  private update(explanation: Explanation, add: boolean): void {
    this.explanations = add ? withAdded(this.explanations, explanation) : [explanation];
    this.panel.title = panelTitle(this.explanations[0]);
    this.postAll();
  }

  private postAll(): void {
    const first = this.explanations[0];
    this.post({ type: 'explanations', explanations: this.explanations, methods: first ? methodChoicesFor(first) : [] });
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
    const e = this.explanations[0];
    switch (message.type) {
      case 'ready':
        // Sent on every (re)load of the webview; it may already show its saved state, this brings it up to date.
        this.postAll();
        return;
      case 'reveal': {
        const feature = this.explanations[message.explanationIndex ?? 0]?.features[message.featureIndex];
        if (!feature) return;
        if (!feature.span) {
          void vscode.window.showInformationMessage(`Feature '${feature.name}' has no location in a file (the input was given inline).`);
          return;
        }
        await revealSpan(feature.span, this.panel.viewColumn);
        return;
      }
      case 'openInput': {
        if (!e || e.input.source === 'input') return;
        if (e.image) {
          await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(e.input.source), { viewColumn: vscode.ViewColumn.One, preview: true });
          return;
        }
        const file = e.text?.file ?? e.input.source;
        const spans = e.features.flatMap((f) => (f.span && f.span.file === file ? [f.span] : []));
        await revealSpans(file, spans, this.panel.viewColumn);
        return;
      }
      case 'copyJson':
        if (!e) return;
        await vscode.env.clipboard.writeText(JSON.stringify(this.explanations.length === 1 ? e : this.explanations, null, 2));
        vscode.window.setStatusBarMessage('Attribution Lens: explanation copied as JSON', 3000);
        return;
      case 'rerun':
        await this.rerun(message.method, message.target, message.add, message.granularity);
        return;
      case 'remove':
        if (this.explanations.length > 1 && message.explanationIndex < this.explanations.length) {
          this.explanations.splice(message.explanationIndex, 1);
          this.postAll();
        }
        return;
      case 'export':
        if (e) await this.export(message.format);
        return;
      case 'exportPng':
        await this.save(message.suggestedName, { 'PNG image': ['png'] }, new Uint8Array(Buffer.from(message.base64, 'base64')));
        return;
    }
  }

  private async rerun(method: Explanation['method']['id'], target: number | undefined, add: boolean, granularity?: 'token' | 'word'): Promise<void> {
    const e = this.explanations[0];
    const engine = this.ctx.engine;
    if (!e || !engine) return;
    const steps = vscode.workspace.getConfiguration('attributionLens').get<number>('integratedGradients.steps');
    const request = rerunRequest(e, method, target, steps, granularity);
    if (!request) {
      this.post({ type: 'status', busy: false, error: 'This input was given inline and cannot be explained again from the panel; run Explain Model… instead.' });
      return;
    }
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.post({ type: 'status', busy: true, message: `Running ${method}…` });
    try {
      const result = await engine.explain(request, {
        signal: controller.signal,
        onProgress: (fraction) => this.post({ type: 'status', busy: true, message: `Running ${method}… ${Math.round(fraction * 100)}%` }),
      });
      if (controller.signal.aborted) return;
      this.update(result, add);
      this.post({ type: 'status', busy: false });
    } catch (err) {
      if (controller.signal.aborted) return;
      this.ctx.log.error(`panel rerun ${JSON.stringify(request)}: ${(err as Error).message}`);
      this.post({ type: 'status', busy: false, error: (err as Error).message });
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private async export(format: 'json' | 'html'): Promise<void> {
    const e = this.explanations[0]!;
    const stem = `${modelDisplayName(e.model.path)}-${basename(e.input.source, extname(e.input.source))}${e.input.row !== undefined ? `-row${e.input.row}` : ''}`;
    if (format === 'json') {
      const data = JSON.stringify(this.explanations.length === 1 ? e : this.explanations, null, 2);
      await this.save(`${stem}.explanation.json`, { JSON: ['json'] }, new TextEncoder().encode(data));
      return;
    }
    if (!this.explanations.every((x) => x.text)) {
      void vscode.window.showInformationMessage('HTML reports are made for text explanations; use Export JSON (or Export PNG for images).');
      return;
    }
    await this.save(`${stem}.explanation.html`, { HTML: ['html'] }, new TextEncoder().encode(textReportHtml(this.explanations)));
  }

  /** Writes only where the user chose in the save dialog. */
  private async save(suggestedName: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const e = this.explanations[0];
    const folder = e && e.input.source !== 'input' ? dirname(e.text?.file ?? e.input.source) : undefined;
    const safeName = basename(suggestedName).replace(/[^\w.\- ]+/g, '_') || 'explanation';
    const uri = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.file(join(folder, safeName)) } : {}),
      filters,
      saveLabel: 'Export',
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, bytes);
    vscode.window.setStatusBarMessage(`Attribution Lens: saved ${vscode.workspace.asRelativePath(uri)}`, 4000);
  }

  private dispose(): void {
    this.running?.abort();
    if (ExplanationPanel.current === this) ExplanationPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
