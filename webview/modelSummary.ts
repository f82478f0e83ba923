// Entry of the model summary editor's webview (bundled to dist/webview/modelSummary.js). It asks the extension for
// the summary when it loads and renders whatever the extension sends: loading, the summary, or an error.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { buildSummaryView, type SummaryEditorMessage, type SummaryWebviewMessage } from '../src/extension/editors/modelSummaryView';
import { renderMessage, renderSummary, type SummaryHandlers } from './modelSummary/render';

interface VsCodeApi {
  postMessage(message: SummaryWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

const handlers: SummaryHandlers = {
  explain: () => vscode.postMessage({ type: 'explain' }),
  reload: () => vscode.postMessage({ type: 'reload' }),
};

window.addEventListener('message', (event: MessageEvent<SummaryEditorMessage>) => {
  const m = event.data;
  if (m?.type === 'loading') renderMessage(document, root, m.file, 'Reading the model…');
  else if (m?.type === 'error') renderMessage(document, root, `Cannot show ${m.file}`, m.message, handlers, true);
  else if (m?.type === 'summary') renderSummary(document, root, buildSummaryView(m.summary, m.file), handlers);
});

renderMessage(document, root, 'Model summary', 'Reading the model…');
vscode.postMessage({ type: 'ready' });
