// Entry of the explanation panel's webview (bundled to dist/webview/explanation.js). It receives the Explanation
// as a message, keeps it in the webview state (so it survives hiding and reloads) and renders it.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ExtensionToPanel, FeatureSort, PanelState, PanelToExtension } from '../src/shared/panelProtocol';
import { renderEmpty, renderExplanation, type RenderHandlers } from './explanation/render';
import { buildView } from './explanation/viewModel';

interface VsCodeApi {
  postMessage(message: PanelToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

function restoredState(): PanelState {
  const saved = vscode.getState();
  return typeof saved === 'object' && saved !== null ? (saved as PanelState) : {};
}

let state = restoredState();

function update(patch: Partial<PanelState>, focusId?: string): void {
  state = { ...state, ...patch };
  vscode.setState(state);
  draw();
  if (focusId) document.getElementById(focusId)?.focus();
}

const handlers: RenderHandlers = {
  reveal: (featureIndex) => vscode.postMessage({ type: 'reveal', featureIndex }),
  setSort: (sort: FeatureSort) => update({ sort }, 'feature-sort'),
  showAllFeatures: () => update({ showAllFeatures: true }),
  openInput: () => vscode.postMessage({ type: 'openInput' }),
  copyJson: () => vscode.postMessage({ type: 'copyJson' }),
};

function draw(): void {
  if (!state.explanation) {
    renderEmpty(document, root);
    return;
  }
  const sort = state.sort ?? 'magnitude';
  renderExplanation(document, root, buildView(state.explanation, sort), { sort, showAllFeatures: state.showAllFeatures ?? false }, handlers);
}

window.addEventListener('message', (event: MessageEvent<ExtensionToPanel>) => {
  const message = event.data;
  if (message?.type !== 'explanation') return;
  const isNew = message.explanation !== state.explanation && JSON.stringify(message.explanation) !== JSON.stringify(state.explanation);
  update(isNew ? { explanation: message.explanation, showAllFeatures: false } : { explanation: message.explanation });
});

draw();
vscode.postMessage({ type: 'ready' });
