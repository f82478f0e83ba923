// Activation: wires the output channel, the (lazily started) engine, the status bar, the commands and the panel
// serializer. Nothing here starts the engine; the first command that needs it does.
import * as vscode from 'vscode';
import type { Explanation } from '../shared/types';
import { registerConfigureModel } from './commands/configureModel';
import { registerExplainImage } from './commands/explainImage';
import { registerExplainImageFolder } from './commands/explainImageFolder';
import { registerExplainModel } from './commands/explainModel';
import { registerSelectBackend } from './commands/selectBackend';
import { registerShowLog } from './commands/showLog';
import { registerModelSummaryEditor } from './editors/modelSummaryEditor';
import { EngineService } from './engineService';
import { LastChoices } from './lastChoices';
import { createLog } from './output';
import { EXPLANATION_VIEW_TYPE, ExplanationPanel } from './panels/explanationPanel';
import { reportError } from './reportError';
import { StatusBar } from './statusBar';
import { registerTextDatasets } from './text/registerTextDatasets';

/** What `vscode.extensions.getExtension(id).exports` gives other extensions and the extension tests. */
export interface AttributionLensApi {
  /** The explanation the panel shows, or undefined when no panel is open. */
  currentExplanation(): Explanation | undefined;
}

export function activate(context: vscode.ExtensionContext): AttributionLensApi {
  const log = createLog();
  const engine = new EngineService(context.asAbsolutePath('dist/engine.js'), log);
  const statusBar = new StatusBar(engine);
  const panel = { extensionUri: context.extensionUri, log, engine };
  const lastChoices = new LastChoices(context.workspaceState);

  context.subscriptions.push(
    log,
    engine,
    statusBar,
    registerExplainModel({ engine, lastChoices, statusBar, log, panel }),
    registerExplainImage({ engine, lastChoices, statusBar, log, panel, workspaceState: context.workspaceState }),
    registerExplainImageFolder({ engine, lastChoices, statusBar, log, panel, workspaceState: context.workspaceState }),
    registerConfigureModel({ engine, log }),
    registerSelectBackend(engine, log),
    registerShowLog(log),
    vscode.window.registerWebviewPanelSerializer(EXPLANATION_VIEW_TYPE, ExplanationPanel.serializer(panel)),
    registerModelSummaryEditor({ engine, extensionUri: context.extensionUri, log }),
    registerTextDatasets({ engine, log, panel, workspaceState: context.workspaceState }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('attributionLens.backend')) return;
      statusBar.update();
      // A running engine follows a backend edited in settings; a new one reads it when it starts.
      engine.applyConfiguredBackend().catch((err) => reportError(log, err, 'attributionLens.backend'));
    }),
  );
  return { currentExplanation: () => ExplanationPanel.currentExplanation() };
}

export function deactivate(): void {
  // The engine process is stopped by EngineService.dispose through context.subscriptions.
}
