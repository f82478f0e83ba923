// Attribution Lens: Show Engine Log — reveals the output channel.
import * as vscode from 'vscode';
import type { Log } from '../output';

export const SHOW_LOG_COMMAND = 'attributionLens.showLog';

export function registerShowLog(log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => log.show(true));
}
