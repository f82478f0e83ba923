// Attribution Lens: Select Backend — asks the engine to switch first, and only saves a backend that works.
import * as vscode from 'vscode';
import type { BackendChoice } from '../../shared/types';
import { configuredBackend, type EngineService } from '../engineService';
import type { Log } from '../output';
import { pickBackend } from '../pickers';
import { reportError } from '../reportError';

export const SELECT_BACKEND_COMMAND = 'attributionLens.selectBackend';

/** Writes the setting where it is currently defined, so a workspace value is not silently shadowed. */
async function saveBackendSetting(choice: BackendChoice): Promise<void> {
  const config = vscode.workspace.getConfiguration('attributionLens');
  const where = config.inspect<string>('backend');
  const target =
    where?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : where?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update('backend', choice, target);
}

export async function selectBackend(engine: EngineService, log: Log): Promise<void> {
  const choice = await pickBackend(configuredBackend(), engine.backend);
  if (!choice) return;
  try {
    // Running a backend needs a trusted workspace like running a model; untrusted, only the setting changes.
    if (vscode.workspace.isTrusted) {
      const name = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Attribution Lens: switching to ${choice}…` },
        () => engine.setBackend(choice),
      );
      vscode.window.setStatusBarMessage(`Attribution Lens: backend ${choice} → ${name}`, 4000);
    }
    await saveBackendSetting(choice);
  } catch (e) {
    await reportError(log, e, `Select Backend (${choice})`);
  }
}

export function registerSelectBackend(engine: EngineService, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(SELECT_BACKEND_COMMAND, () => selectBackend(engine, log));
}
