// Messages between the extension host and the image gallery webview (Explain Images in Folder…). Plain data only.
//
// The gallery shows one card per explained image of a folder: a thumbnail (the image as the model saw it, with the
// attribution overlay), the predicted label and its score, and the method; failures are listed by file. The host
// keeps the full explanations (as far as memory allows) and opens one in the explanation panel when a card is chosen.
// Cards arrive while the folder is being explained ('append'); 'gallery' replaces everything (after 'ready').
import type { MethodId } from './types';

/** A downscaled per-pixel map, row-major, aligned with the thumbnail. */
export interface GalleryMap {
  width: number;
  height: number;
  values: number[];
}

export interface GalleryItem {
  /** Absolute path of the image. */
  file: string;
  /** Path relative to the folder, '/'-separated (what the card shows). */
  name: string;
  prediction: {
    index: number;
    /** The model's label, else `output <index>`. */
    label: string;
    /** The predicted class's score. */
    score: number;
    /** The scores are probabilities (in [0, 1], summing to 1): the card shows a percentage. */
    probabilities: boolean;
  };
  target: { index: number; label?: string };
  method: MethodId;
  /** The image as the model saw it, downscaled for the card: PNG, base64, `width`×`height`. */
  thumbnail: { width: number; height: number; base64: string };
  /** The pixel map at the thumbnail's size. */
  map: GalleryMap;
  /** The model's input size. */
  inputSize: { width: number; height: number };
}

export interface GalleryFailure {
  file: string;
  name: string;
  error: string;
}

/** What was explained: one model and method over one folder. */
export interface GalleryRun {
  folder: string;
  modelPath: string;
  method: MethodId;
  /** PNG/JPEG files found in the folder. */
  found: number;
  /** Images explained at most (the rest of a large folder is left out, with a note). */
  limit: number;
}

export type GalleryStatus =
  | { state: 'running'; done: number; total: number }
  | { state: 'done' }
  | { state: 'cancelled'; done: number; total: number }
  /** The run stopped on an error that concerns every image (the model, the method). */
  | { state: 'failed'; error: string };

export type ExtensionToGallery =
  | { type: 'gallery'; run: GalleryRun; items: GalleryItem[]; failures: GalleryFailure[]; status: GalleryStatus }
  | { type: 'append'; items: GalleryItem[]; failures: GalleryFailure[]; status: GalleryStatus }
  | { type: 'status'; status: GalleryStatus }
  /** An 'open' could not be served (e.g. the image could not be explained again after a reload). */
  | { type: 'error'; message: string };

export type GalleryToExtension =
  /** The webview script has loaded. */
  | { type: 'ready' }
  /** Open items[index] in the explanation panel; `file` must match it (guards against a stale webview). */
  | { type: 'open'; index: number; file: string };

/** What the webview keeps with vscode.setState; VS Code hands it back to the serializer after a reload. */
export interface GalleryState {
  run?: GalleryRun;
  items?: GalleryItem[];
  failures?: GalleryFailure[];
  status?: GalleryStatus;
  /** Predicted label the cards are filtered by (absent: all). */
  filter?: string;
}
