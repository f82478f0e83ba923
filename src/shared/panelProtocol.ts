// Messages between the extension host and the explanation webview panel. Plain data only.
//
// The panel shows one input explained by one or more methods side by side (`explanations`, same model and input;
// the first is the primary one). The body depends on the input: token heatmaps for text, overlays for images,
// attribution bars otherwise. The panel can ask the host to run the same request again with another method or
// target ("rerun"); the host answers with a new explanation that replaces the set or is added to it.
import type { Explanation, MethodId } from './types';

/** How the feature bars are ordered. */
export type FeatureSort = 'magnitude' | 'input';

/** A method the panel may offer for the current model and input. */
export interface MethodChoice {
  id: MethodId;
  label: string;
  description: string;
}

/** Image view preferences (kept in the webview state). */
export type ImageColormap = 'viridis' | 'cividis' | 'inferno' | 'diverging' | 'grayscale';
export type SignSelection = 'positive' | 'negative' | 'absolute' | 'all';
export interface ImagePrefs {
  /** Overlay opacity in [0, 1]. */
  opacity: number;
  colormap: ImageColormap;
  sign: SignSelection;
  /** Values beyond this percentile of |value| are clipped before scaling (100 = no clipping). */
  clipPercentile: number;
}

/** Text view preferences. */
export interface TextPrefs {
  /** Color scale per explanation: each method's own max |score| (default), or one scale shared by all columns. */
  scale: 'per-method' | 'shared';
}

export type ExtensionToPanel =
  /** The whole set shown side by side (same model and input; the first is the primary one) and the methods the
   *  panel may offer for it. Sent after 'ready', after every new explanation and after a removal. */
  | { type: 'explanations'; explanations: Explanation[]; methods: MethodChoice[] }
  /** A rerun is running (busy) or finished/failed (not busy; `error` is shown in the panel). */
  | { type: 'status'; busy: boolean; message?: string; error?: string };

export type PanelToExtension =
  /** The webview script has loaded and can receive the explanation. */
  | { type: 'ready' }
  /** Open the input file and select the source span of features[featureIndex] of explanations[explanationIndex]. */
  | { type: 'reveal'; featureIndex: number; explanationIndex?: number }
  /** Open the input file (CSV/JSON/dataset/image) the explanation was computed from. */
  | { type: 'openInput' }
  /** Copy the explanation set as JSON to the clipboard. */
  | { type: 'copyJson' }
  /** Run the primary explanation's request again with another method and/or target (text: and granularity).
   *  `add`: side by side. */
  | { type: 'rerun'; method: MethodId; target?: number; add: boolean; granularity?: 'token' | 'word' }
  /** Drop explanations[explanationIndex] from the side-by-side set (never the last one). */
  | { type: 'remove'; explanationIndex: number }
  /** Save the explanation set as JSON, or as a standalone HTML report (text heatmaps), via a save dialog. */
  | { type: 'export'; format: 'json' | 'html' }
  /** Save an image the webview rendered (the overlay), base64 PNG without the data: prefix, via a save dialog. */
  | { type: 'exportPng'; base64: string; suggestedName: string };

/** What the webview keeps with vscode.setState; VS Code hands it back to the panel serializer after a reload. */
export interface PanelState {
  explanations?: Explanation[];
  methods?: MethodChoice[];
  sort?: FeatureSort;
  showAllFeatures?: boolean;
  image?: Partial<ImagePrefs>;
  text?: Partial<TextPrefs>;
}
