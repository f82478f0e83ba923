// Shows a failure to the user in one line and logs the details; the extension keeps working afterwards.
import * as vscode from 'vscode';
import type { Log } from './output';
import { describeError } from './userErrors';

export async function reportError(log: Log, e: unknown, context: string): Promise<void> {
  const report = describeError(e);
  if (report.kind === 'cancelled') {
    log.info(`${context}: cancelled`);
    return;
  }
  log.error(`${context}: ${report.message}`);
  if (report.kind === 'bug' && report.detail) log.error(report.detail);
  const choice = await vscode.window.showErrorMessage(report.message, 'Show Log');
  if (choice === 'Show Log') log.show(true);
}
