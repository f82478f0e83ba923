// Attribution Lens: Explain Images in Folder… — right-click a folder: model (remembered per folder, shared with
// Explain Image) → method → every PNG/JPEG directly in the folder explained through the engine (sorted by name, at
// most MAX_FOLDER_IMAGES, a cancellable progress notification) → a gallery of cards that fills as the images are done.
// A file the engine cannot read is listed with its error and the run goes on; an error about the model or the
// method stops the run.
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { GalleryRun, GalleryStatus } from '../../shared/galleryProtocol';
import type { ExplainRequest, MethodId, MethodOptions } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import { defaultMethodFor, methodOptionsFromConfig } from '../methodCatalog';
import { galleryItemFrom, nameInFolder } from '../panels/galleryMessages';
import { GALLERY_VIEW_TYPE, GalleryPanel, type GalleryRunHandle } from '../panels/galleryPanel';
import { pickMethod } from '../pickers';
import { reportError } from '../reportError';
import { refuseUntrusted } from './explainModel';
import { IMAGE_FILE, pickImageModel, type ExplainImageDeps } from './explainImage';

export const EXPLAIN_IMAGE_FOLDER_COMMAND = 'attributionLens.explainImageFolder';
/** Images explained per folder at most; the gallery says how many more there are (the CLI explains any number). */
export const MAX_FOLDER_IMAGES = 500;
/** Engine error codes that concern one file: it is listed as failed and the run goes on. */
const PER_IMAGE_CODES = new Set(['INPUT_INVALID', 'UNSUPPORTED']);

export interface ExplainImageFolderDeps extends ExplainImageDeps {
  /** Overrides MAX_FOLDER_IMAGES (tests). */
  limit?: number;
}

const codeOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The PNG/JPEG files directly in the folder, by name (code point order, as the CLI sorts). */
export async function listFolderImages(folder: string): Promise<string[]> {
  const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(folder));
  return entries
    .filter(([name, type]) => (type & vscode.FileType.File) !== 0 && IMAGE_FILE.test(name))
    .map(([name]) => name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(folder, name));
}

async function pickFolder(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'Select a folder of images (PNG or JPEG)', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Explain' });
  return picked?.[0]?.fsPath;
}

/** The engine's message names the file by its absolute path first; the gallery shows the name beside it. */
function errorText(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

interface FolderRun {
  run: GalleryRun;
  files: string[];
  options: MethodOptions;
}

/** Explains the files one by one into the gallery; resolves when done or cancelled, rejects when the run must stop. */
function explainAll(deps: ExplainImageFolderDeps, gallery: GalleryRunHandle, { run, files, options }: FolderRun): Thenable<void> {
  const total = files.length;
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Explaining ${total} image${total === 1 ? '' : 's'} in ${basename(run.folder)} with ${modelDisplayName(run.modelPath)} (${run.method})`,
      cancellable: true,
    },
    async (progress, token) => {
      // Cancel in the notification, closing the gallery or a new run in it stop this one.
      const controller = new AbortController();
      const stop = () => controller.abort();
      gallery.signal.addEventListener('abort', stop);
      const subscription = token.onCancellationRequested(stop);
      if (gallery.signal.aborted) stop();
      let done = 0;
      const running = (): GalleryStatus => ({ state: 'running', done, total });
      try {
        for (const file of files) {
          if (controller.signal.aborted) break;
          const name = nameInFolder(run.folder, file) ?? basename(file);
          progress.report({ message: `${done + 1}/${total}: ${name}` });
          const request: ExplainRequest = { modelPath: run.modelPath, input: { kind: 'image-file', path: file }, method: run.method, options };
          try {
            const explanation = await deps.engine.explain(request, { signal: controller.signal });
            done++;
            const item = galleryItemFrom(explanation, run.folder);
            if (item) gallery.add(item, explanation, running());
            else gallery.fail({ file, name, error: 'the explanation has no image map to show' }, running());
            if (done === 1 && explanation.prediction.labels) await deps.lastChoices.rememberLabels(run.modelPath, explanation.prediction.labels);
          } catch (e) {
            if (controller.signal.aborted || codeOf(e) === 'CANCELLED') break;
            if (!PER_IMAGE_CODES.has(codeOf(e) ?? '')) {
              gallery.setStatus({ state: 'failed', error: (e as Error).message ?? String(e) });
              throw e;
            }
            done++;
            deps.log.warn(`explain images: ${(e as Error).message}`);
            gallery.fail({ file, name, error: errorText((e as Error).message, file) }, running());
          }
          progress.report({ increment: 100 / total });
        }
        gallery.setStatus(done < total ? { state: 'cancelled', done, total } : { state: 'done' });
        deps.log.info(`explain images: ${run.folder}: ${done} of ${total} with ${run.method}${done < total ? ' (cancelled)' : ''}`);
      } finally {
        subscription.dispose();
        gallery.signal.removeEventListener('abort', stop);
      }
    },
  );
}

export async function explainImageFolder(deps: ExplainImageFolderDeps, uri?: vscode.Uri): Promise<void> {
  if (await refuseUntrusted()) return;
  const { engine, lastChoices, log } = deps;
  const config = vscode.workspace.getConfiguration('attributionLens');
  try {
    const folder = uri?.scheme === 'file' ? uri.fsPath : await pickFolder();
    if (!folder) return;
    const shown = vscode.workspace.asRelativePath(folder) || basename(folder);
    const all = await listFolderImages(folder);
    if (!all.length) {
      void vscode.window.showInformationMessage(`There are no PNG or JPEG images directly in ${shown}.`);
      return;
    }
    const chosen = await pickImageModel(deps, folder, `Explain images in ${shown}: choose an image model`);
    if (!chosen) return;
    const { modelPath } = chosen;
    const method: MethodId | undefined = await pickMethod(
      defaultMethodFor('image', config.get<string>('defaultMethod')),
      lastChoices.get().method,
      'image',
      'Explain Images in Folder: attribution method',
    );
    if (!method) return;
    await lastChoices.remember({ modelPath, method });
    const limit = deps.limit ?? MAX_FOLDER_IMAGES;
    const files = all.slice(0, limit);
    const run: GalleryRun = { folder, modelPath, method, found: all.length, limit };
    const options = methodOptionsFromConfig(method, config);
    log.info(`explain images in ${folder}: ${files.length} of ${all.length} with ${modelPath} (${method}) ${JSON.stringify(options)}`);
    const gallery = GalleryPanel.start(deps.panel, run, files.length);
    await explainAll(deps, gallery, { run, files, options });
  } catch (e) {
    await reportError(log, e, 'Explain Images in Folder');
  }
}

/** The command and the gallery's serializer (so a gallery open when VS Code closed comes back). */
export function registerExplainImageFolder(deps: ExplainImageFolderDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(EXPLAIN_IMAGE_FOLDER_COMMAND, (uri?: unknown) => explainImageFolder(deps, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.window.registerWebviewPanelSerializer(GALLERY_VIEW_TYPE, GalleryPanel.serializer(deps.panel)),
  );
}
