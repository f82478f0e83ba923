// The image gallery webview panel (Explain Images in Folder…): one card per explained image, filled while the folder
// is explained, restored after a reload by a serializer from the state the webview saved. Choosing a card opens that
// explanation in the explanation panel: the one computed during the run while it is kept in memory, else (after a
// reload, or for large runs) the same request explained again. The HTML carries no data; the webview gets messages.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionToGallery, GalleryFailure, GalleryItem, GalleryRun, GalleryStatus, GalleryToExtension } from '../../shared/galleryProtocol';
import type { ExplainRequest, Explanation } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import { methodOptionsFromConfig } from '../methodCatalog';
import { describeError } from '../userErrors';
import { createNonce, webviewHtml } from '../webviewHtml';
import { ExplanationPanel, type PanelContext } from './explanationPanel';
import { parseGalleryMessage, parseGalleryState } from './galleryMessages';

export const GALLERY_VIEW_TYPE = 'attributionLens.gallery';

/**
 * Attribution and pixel-map values of the full explanations kept for opening cards without recomputing (about 8
 * bytes each: 16 M values ≈ 128 MB). Beyond it, a card's explanation is computed again when it is opened.
 */
export const KEPT_VALUES_BUDGET = 16_000_000;

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

const titleOf = (run: GalleryRun | undefined): string => (run ? `Images: ${basename(run.folder)}` : 'Attribution Lens: Images');

const valueCount = (e: Explanation): number => e.attributions.values.length + (e.image?.pixelMap.values.length ?? 0);

/**
 * One run's access to the gallery. Its signal aborts when the user closes the gallery or a new run takes it over;
 * from then on its cards are ignored, so two runs never mix.
 */
export interface GalleryRunHandle {
  readonly signal: AbortSignal;
  add(item: GalleryItem, explanation: Explanation, status: GalleryStatus): void;
  fail(failure: GalleryFailure, status: GalleryStatus): void;
  setStatus(status: GalleryStatus): void;
}

export class GalleryPanel {
  private static current: GalleryPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The run filling the gallery, if one is. */
  private active: AbortController | undefined;
  private readonly explanations = new Map<number, Explanation>();
  private keptValues = 0;
  private opening: AbortController | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly ctx: PanelContext,
    private run: GalleryRun | undefined,
    private items: GalleryItem[],
    private failures: GalleryFailure[],
    private status: GalleryStatus,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(ctx.extensionUri);
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview', 'gallery.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'media', 'gallery.css')).toString(),
      nonce: createNonce(),
      title: titleOf(run),
    });
    panel.title = titleOf(run);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The open gallery, if any (for tests and the command). */
  static get currentPanel(): GalleryPanel | undefined {
    return GalleryPanel.current;
  }

  /**
   * Opens the gallery (or reuses the open one, stopping the run that was filling it) for a new run; the run's cards
   * arrive through the handle.
   */
  static start(ctx: PanelContext, run: GalleryRun, total: number): GalleryRunHandle {
    const status: GalleryStatus = { state: 'running', done: 0, total };
    let gallery = GalleryPanel.current;
    if (gallery) {
      gallery.reset(run, status);
      gallery.panel.reveal(undefined, false);
    } else {
      const panel = vscode.window.createWebviewPanel(
        GALLERY_VIEW_TYPE,
        titleOf(run),
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        { ...webviewOptions(ctx.extensionUri), retainContextWhenHidden: false, enableFindWidget: true },
      );
      gallery = new GalleryPanel(panel, ctx, run, [], [], status);
      GalleryPanel.current = gallery;
    }
    const controller = new AbortController();
    gallery.active = controller;
    const g = gallery;
    const live = () => !controller.signal.aborted && g.active === controller;
    return {
      signal: controller.signal,
      add: (item, explanation, s) => void (live() && g.add(item, explanation, s)),
      fail: (failure, s) => void (live() && g.fail(failure, s)),
      setStatus: (s) => void (live() && g.setStatus(s)),
    };
  }

  /** Restores a gallery after VS Code restarts, from the state the webview saved (validated). */
  static serializer(ctx: PanelContext): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const saved = parseGalleryState(state);
        GalleryPanel.current?.panel.dispose();
        GalleryPanel.current = new GalleryPanel(panel, ctx, saved.run, saved.items ?? [], saved.failures ?? [], saved.status ?? { state: 'done' });
      },
    };
  }

  get isDisposed(): boolean {
    return GalleryPanel.current !== this;
  }

  /** The cards and failures the panel holds (what 'ready' sends). */
  snapshot(): { run: GalleryRun | undefined; items: GalleryItem[]; failures: GalleryFailure[]; status: GalleryStatus } {
    return { run: this.run, items: this.items.slice(), failures: this.failures.slice(), status: this.status };
  }

  private add(item: GalleryItem, explanation: Explanation, status: GalleryStatus): void {
    const index = this.items.push(item) - 1;
    const size = valueCount(explanation);
    if (this.keptValues + size <= KEPT_VALUES_BUDGET) {
      this.explanations.set(index, explanation);
      this.keptValues += size;
    }
    this.status = status;
    this.post({ type: 'append', items: [item], failures: [], status });
  }

  private fail(failure: GalleryFailure, status: GalleryStatus): void {
    this.failures.push(failure);
    this.status = status;
    this.post({ type: 'append', items: [], failures: [failure], status });
  }

  private setStatus(status: GalleryStatus): void {
    this.status = status;
    this.post({ type: 'status', status });
  }

  private reset(run: GalleryRun, status: GalleryStatus): void {
    this.active?.abort();
    this.opening?.abort();
    this.run = run;
    this.items = [];
    this.failures = [];
    this.status = status;
    this.explanations.clear();
    this.keptValues = 0;
    this.panel.title = titleOf(run);
    this.postAll();
  }

  private postAll(): void {
    if (!this.run) return;
    this.post({ type: 'gallery', run: this.run, items: this.items, failures: this.failures, status: this.status });
  }

  private post(message: ExtensionToGallery): void {
    if (this.isDisposed) return;
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message: GalleryToExtension | undefined = parseGalleryMessage(raw);
    if (!message) {
      this.ctx.log.warn(`ignored an unexpected message from the image gallery: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') {
      this.postAll();
      return;
    }
    const item = this.items[message.index];
    if (!item || item.file !== message.file) {
      this.ctx.log.warn(`image gallery: card ${message.index} (${message.file}) is not in the gallery; ignored`);
      return;
    }
    try {
      const explanation = this.explanations.get(message.index) ?? (await this.explainAgain(item));
      if (explanation) ExplanationPanel.show(this.ctx, explanation);
    } catch (e) {
      const report = describeError(e);
      if (report.kind === 'cancelled') return;
      this.ctx.log.error(`image gallery: opening ${item.file}: ${report.message}`);
      this.post({ type: 'error', message: `${item.name}: ${report.message}` });
    }
  }

  /** The card's request run again (its explanation was not kept, e.g. after a reload). */
  private async explainAgain(item: GalleryItem): Promise<Explanation | undefined> {
    const engine = this.ctx.engine;
    const run = this.run;
    if (!engine || !run) return undefined;
    const config = vscode.workspace.getConfiguration('attributionLens');
    const request: ExplainRequest = {
      modelPath: run.modelPath,
      input: { kind: 'image-file', path: item.file },
      method: item.method,
      options: methodOptionsFromConfig(item.method, config),
      target: item.target.index,
    };
    this.opening?.abort();
    const controller = new AbortController();
    this.opening = controller;
    this.ctx.log.info(`image gallery: explain again ${JSON.stringify(request)}`);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Explaining ${item.name} with ${modelDisplayName(run.modelPath)} (${item.method})`, cancellable: true },
        (_progress, token) => {
          const subscription = token.onCancellationRequested(() => controller.abort());
          return Promise.resolve(engine.explain(request, { signal: controller.signal })).finally(() => subscription.dispose());
        },
      );
    } finally {
      if (this.opening === controller) this.opening = undefined;
    }
  }

  private dispose(): void {
    this.active?.abort();
    this.opening?.abort();
    if (GalleryPanel.current === this) GalleryPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
