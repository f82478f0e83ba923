// Status bar item: the model last explained and the engine's backend; a click opens Select Backend.
import * as vscode from 'vscode';
import { modelDisplayName, statusBarText } from './displayNames';
import { configuredBackend, type EngineService } from './engineService';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('attributionLens.status', vscode.StatusBarAlignment.Right, 100);
  private modelName: string | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly engine: EngineService) {
    this.item.name = 'Attribution Lens';
    this.item.command = 'attributionLens.selectBackend';
    this.subscription = engine.onDidChange(() => this.update());
    this.update();
    this.item.show();
  }

  setModel(modelPath: string): void {
    this.modelName = modelDisplayName(modelPath);
    this.update();
  }

  update(): void {
    const choice = configuredBackend();
    this.item.text = statusBarText(this.modelName, this.engine.backend, choice);
    const running = this.engine.backend ? `engine backend: ${this.engine.backend}` : 'engine not started';
    this.item.tooltip = `Attribution Lens — ${running} (setting: ${choice}). Click to select the backend.`;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
