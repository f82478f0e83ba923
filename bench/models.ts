// The fixture models the suite benchmarks and the main methods run on each. Inputs are committed fixture inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputSpec, MethodId, MethodOptions } from '../src/shared/types';

export const REPO = join(__dirname, '..');

export type MainMethod = 'saliency' | 'integrated-gradients' | 'smoothgrad' | 'occlusion' | 'grad-cam' | 'lrp';
export const MAIN_METHODS: readonly MainMethod[] = ['saliency', 'integrated-gradients', 'smoothgrad', 'occlusion', 'grad-cam', 'lrp'];

/** Methods the suite labels as n/a without running, and why. */
/** Main methods the suite cannot run, with the reason shown in their row (none since LRP landed). */
export const NOT_RUN: Partial<Record<MainMethod, string>> = {};

export interface ModelCase {
  id: string;
  title: string;
  format: 'tfjs' | 'onnx';
  path: string;
  /** Grad-CAM needs a convolution. */
  hasConv: boolean;
  /** Per-method options on top of the suite's common ones (IG 50 steps gausslegendre, SmoothGrad 20 samples). */
  occlusion: MethodOptions;
  /** Heavy models get fewer repetitions. */
  heavy?: boolean;
  input(): InputSpec;
  /**
   * Inputs for the timed runs, cycled, when repeating one input would measure a cache: the engine caches text
   * explanations per (model, text, settings). Each differs from input() and from the others.
   */
  runInputs?(): InputSpec[];
  /** The PyTorch reference model name in bench/torch_ig.py, or why there is none. */
  torch: { model: string } | { skip: string };
  /**
   * The engine method a main method runs as, where the model needs another one: text models take token ids, so
   * integrated gradients runs at the embedding layer (as the extension's text lenses do).
   */
  runAs?: Partial<Record<MainMethod, MethodId>>;
}

/** The engine method id a main method runs as on `model`. */
export function engineMethod(method: MainMethod, model: ModelCase): MethodId {
  return model.runAs?.[method] ?? (method as MethodId);
}

const tensorFromFixtureJson = (file: string, index = 0): InputSpec => {
  const j = JSON.parse(readFileSync(join(REPO, file), 'utf8')) as { inputShape: number[]; inputs: unknown[] };
  const flat = (j.inputs[index] as unknown[]).flat(Infinity) as number[];
  return { kind: 'tensor', data: { shape: j.inputShape, values: flat } };
};

export function mobilenetInput(): { shape: number[]; values: number[] } {
  const bytes = readFileSync(join(REPO, 'test/fixtures/mobilenet/input.bin'));
  return { shape: [224, 224, 3], values: Array.from(bytes, (b) => b / 255) };
}

/** Sentences of similar length for the text model's timed runs (distinct, so none is a cache hit). */
const TEXTS = [
  'the movie was great and the acting was good',
  'a dull story with weak acting and a bad ending',
  'i loved the music but the plot was boring',
  'one of the best films i have seen this year',
  'the worst film of the year, really bad',
  'good actors, great camera work, a fine film',
  'not good, not bad, just a very long movie',
  'the ending was wonderful and the cast was great',
  'a weak script and dull characters throughout',
  'really great, i would watch it again',
  'boring and far too long for such a thin story',
  'a good film with a great cast and a fine score',
];

export const MODELS: readonly ModelCase[] = [
  {
    id: 'mlp-tfjs',
    title: 'tabular MLP (samples/credit-risk)',
    format: 'tfjs',
    path: 'samples/credit-risk/model.json',
    hasConv: false,
    occlusion: {},
    input: () => ({ kind: 'csv-file', path: join(REPO, 'samples/credit-risk/test.csv'), row: 0 }),
    torch: { model: 'mlp-tfjs' },
  },
  {
    id: 'mlp-onnx',
    title: 'tabular MLP (onnx/mlp)',
    format: 'onnx',
    path: 'test/fixtures/onnx/mlp.onnx',
    hasConv: false,
    occlusion: {},
    input: () => tensorFromFixtureJson('test/fixtures/onnx/mlp.json'),
    torch: { model: 'mlp-onnx' },
  },
  {
    id: 'cnn-tfjs',
    title: 'image CNN 32×32 (image/planted)',
    format: 'tfjs',
    path: 'test/fixtures/image/planted/model.json',
    hasConv: true,
    occlusion: { window: [4, 4, 3], stride: [4, 4, 3] },
    input: () => ({ kind: 'image-file', path: join(REPO, 'test/fixtures/image/test/000.png') }),
    torch: { model: 'cnn-tfjs' },
  },
  {
    id: 'cnn-onnx',
    title: 'image CNN 12×12 (onnx/cnn2d)',
    format: 'onnx',
    path: 'test/fixtures/onnx/cnn2d.onnx',
    hasConv: true,
    occlusion: { window: [3, 3, 3], stride: [3, 3, 3] },
    input: () => tensorFromFixtureJson('test/fixtures/onnx/cnn2d.json'),
    torch: { model: 'cnn-onnx' },
  },
  {
    id: 'cnn1d-onnx',
    title: '1D CNN 4×32 (onnx/cnn1d)',
    format: 'onnx',
    path: 'test/fixtures/onnx/cnn1d.onnx',
    hasConv: true,
    occlusion: { window: [4, 4], stride: [4, 4] },
    input: () => tensorFromFixtureJson('test/fixtures/onnx/cnn1d.json'),
    torch: { model: 'cnn1d-onnx' },
  },
  {
    id: 'transformer-onnx',
    title: 'tiny transformer, embeddings in (onnx/bert_embeds)',
    format: 'onnx',
    path: 'test/fixtures/onnx/bert_embeds.onnx',
    hasConv: false,
    occlusion: { window: [1, 16], stride: [1, 16] },
    input: () => tensorFromFixtureJson('test/fixtures/onnx/bert_embeds.json'),
    torch: { model: 'transformer-onnx' },
  },
  {
    id: 'tinybert-onnx',
    title: 'tiny BERT, text in (text/tiny-bert)',
    format: 'onnx',
    path: 'test/fixtures/text/tiny-bert/model.onnx',
    hasConv: false,
    occlusion: {},
    input: () => ({ kind: 'text', text: 'a truly wonderful film, not dull at all' }),
    runInputs: () => TEXTS.map((text) => ({ kind: 'text', text })),
    torch: { skip: 'no PyTorch source for this HF-style export' },
    runAs: { 'integrated-gradients': 'layer-integrated-gradients' },
  },
  {
    id: 'mobilenet-tfjs',
    title: 'MobileNetV2-class 224×224 (mobilenet)',
    format: 'tfjs',
    path: 'test/fixtures/mobilenet/model.json',
    hasConv: true,
    heavy: true,
    occlusion: { window: [32, 32, 3], stride: [32, 32, 3] },
    input: () => ({ kind: 'tensor', data: mobilenetInput() }),
    torch: { model: 'mobilenet-tfjs' },
  },
];

/** The suite's options per main method (what users get otherwise: the engine's defaults). */
export function methodOptions(method: MainMethod, model: ModelCase): MethodOptions {
  switch (method) {
    case 'integrated-gradients':
      return { steps: 50, igMethod: 'gausslegendre' };
    case 'smoothgrad':
      return { samples: 20 };
    case 'occlusion':
      return model.occlusion;
    default:
      return {};
  }
}
