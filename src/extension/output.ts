// The "Attribution Lens" output channel: engine output, requests and failures with their stacks.
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;
export type LogLevel = 'info' | 'warn' | 'error';

export function createLog(): Log {
  return vscode.window.createOutputChannel('Attribution Lens', { log: true });
}

export function logAt(log: Log, level: LogLevel, message: string): void {
  log[level](message);
}
