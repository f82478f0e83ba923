// Attribution Lens: Explain Image with Model… — right-click a PNG/JPEG: model (remembered per folder) → method →
// target → engine (with progress) → panel with the overlay.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { ExplainRequest, MethodId, ModelSummary } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import { defaultMethodFor, methodOptionsFromConfig } from '../methodCatalog';
import { ExplanationPanel } from '../panels/explanationPanel';
import { pickMethod, pickModel, pickTarget } from '../pickers';
import { reportError } from '../reportError';
import { refuseUntrusted, runWithProgress, type ExplainModelDeps } from './explainModel';

export const EXPLAIN_IMAGE_COMMAND = 'attributionLens.explainImage';
export const MODEL_BY_FOLDER_KEY = 'attributionLens.imageModelByFolder';
export const IMAGE_FILE = /\.(png|jpe?g)$/i;

export interface ExplainImageDeps extends ExplainModelDeps {
  workspaceState: vscode.Memento;
}

/**
 * The image model for a folder: the one remembered for it comes first; the model is read (so a broken one is reported
 * before more questions) and refused unless it takes images. Remembers the choice for the folder.
 */
export async function pickImageModel(deps: ExplainImageDeps, folder: string, title: string): Promise<{ modelPath: string; summary: ModelSummary } | undefined> {
  const remembered = deps.workspaceState.get<Record<string, string>>(MODEL_BY_FOLDER_KEY) ?? {};
  const modelPath = await pickModel(undefined, remembered[folder], title);
  if (!modelPath) return undefined;
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Reading ${modelDisplayName(modelPath)}…` },
    () => deps.engine.info(modelPath),
  );
  if (summary.modality && summary.modality !== 'image') {
    void vscode.window.showErrorMessage(
      `${modelDisplayName(modelPath)} takes ${summary.modality} input, not images (${summary.modalitySource === 'shape' ? 'its input shape' : 'its manifest'} says so). Choose an image model, or set "modality": "image" in its lens.json.`,
    );
    return undefined;
  }
  await deps.workspaceState.update(MODEL_BY_FOLDER_KEY, { ...remembered, [folder]: modelPath });
  deps.statusBar.setModel(modelPath);
  return { modelPath, summary };
}

async function pickImage(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri ?? (vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined)?.uri;
  if (active?.scheme === 'file' && IMAGE_FILE.test(active.fsPath)) return active.fsPath;
  const picked = await vscode.window.showOpenDialog({ title: 'Select an image (PNG or JPEG)', canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] } });
  return picked?.[0]?.fsPath;
}

export async function explainImage(deps: ExplainImageDeps, uri?: vscode.Uri): Promise<void> {
  if (await refuseUntrusted()) return;
  const { lastChoices, log } = deps;
  const config = vscode.workspace.getConfiguration('attributionLens');
  try {
    const imagePath = uri?.scheme === 'file' && IMAGE_FILE.test(uri.fsPath) ? uri.fsPath : await pickImage();
    if (!imagePath) return;
    const chosen = await pickImageModel(deps, dirname(imagePath), `Explain ${vscode.workspace.asRelativePath(imagePath)}: choose an image model`);
    if (!chosen) return;
    const { modelPath, summary } = chosen;
    const last = lastChoices.get();
    const method: MethodId | undefined = await pickMethod(defaultMethodFor('image', config.get<string>('defaultMethod')), last.method, 'image', 'Explain Image: attribution method');
    if (!method) return;
    const target = await pickTarget(summary, summary.labels ?? lastChoices.labels(modelPath));
    if (!target) return;
    await lastChoices.remember({ modelPath, method, input: { kind: 'image-file', path: imagePath } });
    const request: ExplainRequest = {
      modelPath,
      input: { kind: 'image-file', path: imagePath },
      method,
      options: methodOptionsFromConfig(method, config),
      ...(target.target !== undefined ? { target: target.target } : {}),
    };
    log.info(`explain ${JSON.stringify(request)}`);
    const explanation = await runWithProgress(deps, request);
    if (explanation.prediction.labels) await lastChoices.rememberLabels(modelPath, explanation.prediction.labels);
    ExplanationPanel.show(deps.panel, explanation);
  } catch (e) {
    await reportError(log, e, 'Explain Image');
  }
}

export function registerExplainImage(deps: ExplainImageDeps): vscode.Disposable {
  return vscode.commands.registerCommand(EXPLAIN_IMAGE_COMMAND, (uri?: unknown) => explainImage(deps, uri instanceof vscode.Uri ? uri : undefined));
}
