// Entry of the explanation panel's webview (bundled to dist/webview/explanation.js). It receives the explanations
// as messages, keeps them and the view preferences in the webview state (so they survive hiding and reloads) and
// renders them: token heatmaps for text, overlays for images, attribution bars otherwise; several methods side by side.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ExtensionToPanel, FeatureSort, PanelState, PanelToExtension } from '../src/shared/panelProtocol';
import type { Explanation } from '../src/shared/types';
import { renderComparison } from './explanation/comparison';
import { renderControls, type StatusView } from './explanation/controls';
import { renderImageBody, resolveImagePrefs } from './explanation/image/imageBody';
import { renderEmpty, renderExplanation, type RenderHandlers } from './explanation/render';
import { renderTextBody, SCALE_BUTTON_IDS } from './explanation/text/tokenHeatmap';
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
  if (typeof saved !== 'object' || saved === null) return {};
  const state = saved as PanelState & { explanation?: Explanation };
  // Version 1 kept a single explanation.
  if (!state.explanations && state.explanation) return { ...state, explanations: [state.explanation] };
  return state;
}

let state = restoredState();
let status: StatusView = { busy: false };

/** Keeps focus on the control that caused a redraw (by id), so keyboard users do not lose their place. */
function update(patch: Partial<PanelState>, focusId?: string): void {
  state = { ...state, ...patch };
  vscode.setState(state);
  const active = focusId ?? (document.activeElement as HTMLElement | null)?.id;
  draw();
  if (active) document.getElementById(active)?.focus();
}

const handlers: RenderHandlers = {
  reveal: (featureIndex) => vscode.postMessage({ type: 'reveal', featureIndex }),
  setSort: (sort: FeatureSort) => update({ sort }, 'feature-sort'),
  showAllFeatures: () => update({ showAllFeatures: true }),
  openInput: () => vscode.postMessage({ type: 'openInput' }),
  copyJson: () => vscode.postMessage({ type: 'copyJson' }),
};

const remove = (explanationIndex: number) => vscode.postMessage({ type: 'remove', explanationIndex });

function body(explanations: Explanation[]): { body?: HTMLElement; after?: HTMLElement } {
  const primary = explanations[0]!;
  if (primary.text) {
    return {
      body: renderTextBody(document, explanations, { scale: state.text?.scale ?? 'per-method' }, {
        reveal: (explanationIndex, featureIndex) => vscode.postMessage({ type: 'reveal', featureIndex, explanationIndex }),
        setPrefs: (patch) => update({ text: { ...state.text, ...patch } }, patch.scale ? SCALE_BUTTON_IDS[patch.scale] : undefined),
        remove,
      }),
    };
  }
  if (primary.image) {
    return {
      body: renderImageBody(document, explanations, resolveImagePrefs(state.image), {
        setPrefs: (patch) =>
          update(
            { image: { ...state.image, ...patch } },
            'opacity' in patch ? 'overlay-opacity' : 'colormap' in patch ? 'overlay-colormap' : 'sign' in patch ? 'overlay-sign' : 'overlay-clip',
          ),
        remove,
        exportPng: (_index, base64, suggestedName) => vscode.postMessage({ type: 'exportPng', base64, suggestedName }),
      }),
    };
  }
  return explanations.length > 1 ? { after: renderComparison(document, explanations, remove) } : {};
}

function draw(): void {
  const explanations = state.explanations ?? [];
  if (!explanations.length) {
    renderEmpty(document, root);
    return;
  }
  const sort = state.sort ?? 'magnitude';
  const controls = renderControls(document, explanations, state.methods ?? [], status, {
    rerun: (method, target, add, granularity) =>
      vscode.postMessage({ type: 'rerun', method, add, ...(target !== undefined ? { target } : {}), ...(granularity ? { granularity } : {}) }),
    exportFile: (format) => vscode.postMessage({ type: 'export', format }),
  });
  const view = buildView(explanations[0]!, sort);
  // Several methods side by side: the subtitle names them all (it starts with the primary's method).
  if (explanations.length > 1) view.subtitle = [explanations.map((e) => e.method.id).join(', '), ...view.subtitle.split(' · ').slice(1)].join(' · ');
  renderExplanation(document, root, view, { sort, showAllFeatures: state.showAllFeatures ?? false }, handlers, {
    controls,
    ...body(explanations),
  });
}

window.addEventListener('message', (event: MessageEvent<ExtensionToPanel>) => {
  const message = event.data;
  if (message?.type === 'explanations' && Array.isArray(message.explanations)) {
    const before = state.explanations?.[0];
    const isNewInput = !before || before.input.source !== message.explanations[0]?.input.source || before.input.row !== message.explanations[0]?.input.row;
    update({ explanations: message.explanations, methods: message.methods, ...(isNewInput ? { showAllFeatures: false } : {}) });
  } else if (message?.type === 'status') {
    status = { busy: message.busy, message: message.message, error: message.error };
    // Progress updates only touch the status line, so focus and scroll stay where they are.
    const line = document.getElementById('panel-status');
    if (line && !message.error && message.busy === (line.classList.contains('busy'))) {
      line.textContent = message.message ?? '';
      return;
    }
    update({});
  }
});

draw();
vscode.postMessage({ type: 'ready' });
