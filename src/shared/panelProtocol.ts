// Messages between the extension host and the explanation webview panel. Plain data only.
import type { Explanation } from './types';

/** How the feature bars are ordered. */
export type FeatureSort = 'magnitude' | 'input';

export type ExtensionToPanel = { type: 'explanation'; explanation: Explanation };

export type PanelToExtension =
  /** The webview script has loaded and can receive the explanation. */
  | { type: 'ready' }
  /** Open the input file and select the feature's source span (Explanation.features[featureIndex].span). */
  | { type: 'reveal'; featureIndex: number }
  /** Open the input file (CSV/JSON) the explanation was computed from. */
  | { type: 'openInput' }
  /** Copy the explanation as JSON to the clipboard. */
  | { type: 'copyJson' };

/** What the webview keeps with vscode.setState; VS Code hands it back to the panel serializer after a reload. */
export interface PanelState {
  explanation?: Explanation;
  sort?: FeatureSort;
  showAllFeatures?: boolean;
}
