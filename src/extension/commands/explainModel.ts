// Attribution Lens: Explain Model… — model → input → method → target → engine (with progress) → panel.
import * as vscode from 'vscode';
import type { ExplainRequest, Explanation, MethodId } from '../../shared/types';
import { modelDisplayName } from '../displayNames';
import type { EngineService } from '../engineService';
import { pickInput } from '../inputPicker';
import type { LastChoices } from '../lastChoices';
import { defaultMethodFor, methodOptionsFromConfig } from '../methodCatalog';
import type { Log } from '../output';
import { ExplanationPanel, type PanelContext } from '../panels/explanationPanel';
import { pickMethod, pickModel, pickTarget } from '../pickers';
import { reportError } from '../reportError';
import type { StatusBar } from '../statusBar';

export const EXPLAIN_MODEL_COMMAND = 'attributionLens.explainModel';

export interface ExplainModelDeps {
  engine: EngineService;
  lastChoices: LastChoices;
  statusBar: StatusBar;
  log: Log;
  panel: PanelContext;
}

export async function refuseUntrusted(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return false;
  const manage = 'Manage Workspace Trust';
  const answer = await vscode.window.showErrorMessage(
    'Attribution Lens runs models only in trusted workspaces: loading a model executes its graph on your machine. Trust this workspace to explain models.',
    manage,
  );
  if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return true;
}

export function runWithProgress(deps: ExplainModelDeps, request: ExplainRequest): Thenable<Explanation> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Explaining ${modelDisplayName(request.modelPath)} with ${request.method}`,
      cancellable: true,
    },
    (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      return deps.engine
        .explain(request, {
          signal: controller.signal,
          onProgress: (fraction, message) => {
            const percent = Math.min(100, Math.max(reported, fraction * 100));
            progress.report({ increment: percent - reported, message: message ?? `${Math.round(percent)}%` });
            reported = percent;
          },
        })
        .finally(() => subscription.dispose());
    },
  );
}

export async function explainModel(deps: ExplainModelDeps, uri?: vscode.Uri): Promise<void> {
  if (await refuseUntrusted()) return;
  const { engine, lastChoices, log } = deps;
  const config = vscode.workspace.getConfiguration('attributionLens');
  try {
    const last = lastChoices.get();
    const modelPath = await pickModel(uri, last.modelPath);
    if (!modelPath) return;
    // Reading the model first reports a broken model before any more questions, tells whether there is a class
    // to choose, and leaves the model loaded in the engine for the explanation.
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Reading ${modelDisplayName(modelPath)}…` },
      () => engine.info(modelPath),
    );
    deps.statusBar.setModel(modelPath);
    const input = await pickInput(modelPath, last.input, summary.modality);
    if (!input) return;
    const defaultMethod: MethodId = defaultMethodFor(summary.modality, config.get<string>('defaultMethod'));
    const method = await pickMethod(defaultMethod, last.method, summary.modality);
    if (!method) return;
    const target = await pickTarget(summary, summary.labels ?? lastChoices.labels(modelPath));
    if (!target) return;
    await lastChoices.remember({ modelPath, method, ...(input.kind !== 'text' ? { input } : {}) });

    const request: ExplainRequest = {
      modelPath,
      input,
      method,
      options: methodOptionsFromConfig(method, config),
      ...(target.target !== undefined ? { target: target.target } : {}),
    };
    log.info(`explain ${JSON.stringify(request)}`);
    const explanation = await runWithProgress(deps, request);
    log.info(
      `explained ${modelPath} with ${method} on ${explanation.backend}: load ${explanation.timings.loadMs.toFixed(0)} ms, ` +
        `attribute ${explanation.timings.attributeMs.toFixed(0)} ms`,
    );
    if (explanation.prediction.labels) await lastChoices.rememberLabels(modelPath, explanation.prediction.labels);
    ExplanationPanel.show(deps.panel, explanation);
  } catch (e) {
    await reportError(log, e, 'Explain Model');
  }
}

export function registerExplainModel(deps: ExplainModelDeps): vscode.Disposable {
  return vscode.commands.registerCommand(EXPLAIN_MODEL_COMMAND, (uri?: unknown) =>
    explainModel(deps, uri instanceof vscode.Uri ? uri : undefined),
  );
}
