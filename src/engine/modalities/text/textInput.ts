// The text pipeline's part of explain(): for a text model, reads the example (a given text, or a row of a dataset
// file), tokenizes it with spans, builds the model input and the pad/mask baseline, fills in text defaults for the
// method (the manifest's embedding layer, token groups), and turns per-position scores into features with spans into the
// text or the file. Results are cached per (model, text, method settings).
import type {
  BaselineSpec,
  Explanation,
  ExplainRequest,
  ExplainedToken,
  FeatureAttribution,
  InputSpec,
  MethodId,
  MethodOptions,
  TextExplanation,
} from '../../../shared/types';
import { EngineError } from '../../errors';
import { choiceOption } from '../../methods/options';
import { readLensManifest, type LensManifest } from '../../models/manifest';
import type { ExplainableModel } from '../../models/types';
import type { PreparedData } from '../tabular';
import { exampleAt, fileRange, readTextDataset, type TextDataset, type TextExample } from './datasets';
import { positionAt } from './datasets/lines';
import { displayUnits, unitGroups, type DisplayUnit } from './displayUnits';
import { Lru } from './lru';
import { fitTokens, isContent, packValues, textLayout, type ModelTokens, type TextLayout } from './modelInput';
import { cachedTokenizer } from './tokenizers/load';
import type { TextTokenizer } from './tokenizers/types';

/** Methods that make sense on token ids, and what to use instead of the others. */
export const TEXT_METHODS: readonly MethodId[] = [
  'layer-integrated-gradients',
  'layer-gradient-x-activation',
  'occlusion',
  'feature-ablation',
  'lime',
  'kernel-shap',
];
const LAYER_METHODS: readonly MethodId[] = ['layer-integrated-gradients', 'layer-gradient-x-activation'];
const GROUPED_METHODS: readonly MethodId[] = ['feature-ablation', 'lime', 'kernel-shap'];

export interface TextPlan {
  data: PreparedData;
  /** Text defaults for the method, under the request's own options. */
  defaults(methodId: MethodId, requested: MethodOptions): MethodOptions;
  baseline(spec: BaselineSpec | undefined): number[];
  features(values: number[]): FeatureAttribution[];
  describe(values: number[]): TextExplanation;
  /** A cached explanation of the same text and settings, re-bound to this input's spans. */
  cached(methodId: MethodId, options: MethodOptions, target: ExplainRequest['target'], loadMs: number): Explanation | undefined;
  remember(methodId: MethodId, options: MethodOptions, target: ExplainRequest['target'], explanation: Explanation): void;
}

interface Source {
  text: string;
  /** Dataset inputs. */
  dataset?: TextDataset;
  example?: TextExample;
}

function isTextModel(manifest: LensManifest | undefined): boolean {
  return manifest?.modality === 'text' || manifest?.text?.tokenizer !== undefined;
}

function readSource(input: InputSpec, field: string | undefined): Source | undefined {
  switch (input.kind) {
    case 'text':
      if (typeof input.text !== 'string') throw new EngineError('INPUT_INVALID', 'text input must be a string');
      return { text: input.text };
    case 'dataset-file':
    case 'csv-file': {
      const dataset = readTextDataset(input.path, (input.kind === 'dataset-file' ? input.field : undefined) ?? field);
      const example = exampleAt(dataset, input.row);
      return { text: example.text, dataset, example };
    }
    default:
      return undefined;
  }
}

/** Text models' results: the same text and settings give the same attributions. */
const results = new Lru<string, Explanation>(128);

export function clearTextCache(): void {
  results.clear();
}

/**
 * The text plan for this request, or undefined when it is not a text request (the model has no tokenizer and the
 * input is not text). Text given to a model without a tokenizer is an error that says how to configure one.
 */
export async function prepareTextInput(input: InputSpec, model: ExplainableModel, methodId: MethodId): Promise<TextPlan | undefined> {
  const manifest = await readLensManifest(model.summary.path);
  const textInput = input.kind === 'text' || input.kind === 'dataset-file';
  if (!isTextModel(manifest)) {
    if (!textInput) return undefined;
    throw new EngineError(
      'INPUT_INVALID',
      `text input needs a text model: give the model a tokenizer ("tokenizer" in its lens.json, or a tokenizer.json / vocab.txt beside it)`,
      model.summary.path,
    );
  }
  const source = readSource(input, manifest?.text?.textField);
  if (!source) return undefined; // a raw tensor of ids
  const spec = manifest?.text?.tokenizer;
  if (!spec) throw new EngineError('MODEL_INVALID', 'text model has no tokenizer: set "tokenizer" in its lens.json', manifest?.path ?? model.summary.path);
  if (!TEXT_METHODS.includes(methodId)) {
    throw new EngineError(
      'UNSUPPORTED',
      `'${methodId}' does not apply to token ids (they are discrete); for text models use ${TEXT_METHODS.join(', ')}`,
    );
  }
  const tokenizer = cachedTokenizer(spec);
  // A multi-input model's loader knows which input is which (the manifest's "inputs", else inferred from the names).
  const layout = textLayout(model.inputShape, model.textInputs ?? manifest?.text?.inputs, manifest?.text?.maxLength, manifest?.path ?? model.summary.path);
  const fitted = fitTokens(tokenizer.encode(source.text), layout.length, tokenizer.specialIds, layout.limit);
  return textPlan(model, manifest, tokenizer, layout, fitted, source);
}

function textPlan(
  model: ExplainableModel,
  manifest: LensManifest | undefined,
  tokenizer: TextTokenizer,
  layout: TextLayout,
  fitted: ModelTokens,
  source: Source,
): TextPlan {
  const { text, dataset, example } = source;
  let granularity: 'token' | 'word' = 'token';
  let units: DisplayUnit[] = displayUnits(fitted.tokens, text, granularity);
  const L = layout.length;

  /**
   * Per-position score. A packed input's other rows (mask, type ids, positions) are held fixed: the pad/mask
   * baseline equals the input there, so only the ids row (row 0) carries a token's attribution; they are added in
   * only when a tensor baseline changes them.
   */
  let fixedRows = true;
  /**
   * The method ran on one group per display unit (the default groups of feature ablation, LIME, KernelSHAP): every
   * position of a unit holds the unit's value, which counts once (a feature's score is the unit's value, a token's
   * its share), so that, e.g., KernelSHAP's scores add up to F(x) − F(baseline).
   */
  let sharedUnits = false;
  const unitSize = (position: number) => (sharedUnits ? (units.find((u) => u.positions.includes(position))?.positions.length ?? 1) : 1);
  const rowsFixedBy = (spec: BaselineSpec | undefined) =>
    spec?.kind !== 'tensor' || (spec as { data: { values: number[] } }).data.values.every((v, i) => i < L || v === plan.data.values[i]);
  const positionScores = (values: number[]) =>
    Array.from({ length: L }, (_, p) => (fixedRows ? values[p] : layout.roles.reduce((s, _r, r) => s + values[r * L + p], 0)));

  const where = (start: number, end: number): Pick<FeatureAttribution, 'start' | 'end' | 'span'> => {
    if (!dataset || !example) return { start, end };
    const range = fileRange(example, start, end);
    return {
      start: range.start,
      end: range.end,
      span: { file: dataset.path, offset: range.start, length: range.end - range.start, ...positionAt(dataset.lineStarts, range.start) },
    };
  };

  const keyOf = (methodId: MethodId, options: MethodOptions, target: ExplainRequest['target']) =>
    JSON.stringify([model.summary.hash, tokenizer.source, model.labels ?? null, text, fitted.ids, layout.roles, methodId, options, target ?? null]);

  const plan: TextPlan = {
    data: {
      values: packValues(layout, fitted),
      shape: model.inputShape,
      source: dataset?.path ?? 'text',
      ...(example ? { row: example.row } : {}),
    },

    defaults(methodId, requested) {
      granularity = choiceOption(requested.granularity, 'granularity', ['token', 'word'] as const, 'token');
      units = displayUnits(fitted.tokens, text, granularity);
      sharedUnits = GROUPED_METHODS.includes(methodId) && requested.featureGroups === undefined;
      const defaults: MethodOptions = { baseline: { kind: manifest?.text?.baseline ?? 'pad' } };
      // Layer methods default to the model's embedding layer themselves; the manifest can name another one.
      const layer = manifest?.text?.embeddingLayer;
      if (LAYER_METHODS.includes(methodId) && requested.layer === undefined && layer !== undefined) defaults.layer = layer;
      // Occlusion of a packed input: one window per position spanning all rows, so each token costs one forward
      // pass (the held-fixed rows equal the baseline; the token's score is read from the ids row).
      if (methodId === 'occlusion' && layout.roles.length > 1 && requested.window === undefined && requested.baseline?.kind !== 'tensor') {
        defaults.window = [layout.roles.length, 1];
      }
      if (GROUPED_METHODS.includes(methodId) && requested.featureGroups === undefined) {
        // One group per display unit on the ids row; the other rows of a packed input (held fixed) join the last
        // group, that of the frame and padding, which equals its baseline.
        const groups = unitGroups(units, L);
        defaults.featureGroups = layout.roles.flatMap((_, r) => (r === 0 ? groups : groups.map(() => units.length)));
      }
      return defaults;
    },

    baseline(spec) {
      const kind = spec?.kind ?? 'pad';
      if (kind === 'tensor') {
        const values = (spec as { data: { values: number[] } }).data.values;
        if (values.length !== L * layout.roles.length) {
          throw new EngineError('OPTION_INVALID', `baseline has ${values.length} token ids but the model takes ${L * layout.roles.length}`);
        }
        fixedRows = rowsFixedBy(spec);
        return values;
      }
      if (kind !== 'pad' && kind !== 'mask') {
        throw new EngineError('OPTION_INVALID', `text models take baseline pad or mask (the reference replaces every token of the text), not '${kind}'`);
      }
      fixedRows = true;
      const id = kind === 'pad' ? tokenizer.specialIds.pad : tokenizer.specialIds.mask;
      if (id === undefined) throw new EngineError('OPTION_INVALID', `baseline 'mask': the tokenizer has no mask token`, tokenizer.source);
      return packValues(layout, fitted, fitted.ids.map((v, p) => (isContent(fitted.tokens[p]) ? id : v)));
    },

    features(values) {
      const scores = positionScores(values);
      return units.map((u) => {
        const chars = text.slice(u.start, u.end);
        return {
          name: chars,
          value: u.positions.map((p) => fitted.tokens[p].token).join(' '),
          score: sharedUnits ? scores[u.positions[0]] : u.positions.reduce((s, p) => s + scores[p], 0),
          text: chars,
          ...where(u.start, u.end),
          positions: u.positions,
        };
      });
    },

    describe(values) {
      const scores = positionScores(values);
      const tokens: ExplainedToken[] = [];
      fitted.tokens.forEach((t, position) => {
        if (fitted.mask[position] === 0) return; // padding
        tokens.push({
          position,
          id: t.id,
          token: t.token,
          special: !isContent(t),
          ...(t.start !== undefined ? { start: t.start, end: t.end } : {}),
          score: scores[position] / unitSize(position),
        });
      });
      return {
        text,
        ...(dataset && example ? { file: dataset.path, row: example.row, line: example.line } : {}),
        tokenizer: tokenizer.source,
        tokens,
        granularity,
        truncated: fitted.truncated,
      };
    },

    cached(methodId, options, target, loadMs) {
      const hit = results.get(keyOf(methodId, options, target));
      if (!hit) return undefined;
      fixedRows = rowsFixedBy(options.baseline);
      const copy = structuredClone(hit);
      return {
        ...copy,
        features: plan.features(copy.attributions.values),
        text: plan.describe(copy.attributions.values),
        input: { source: plan.data.source, ...(example ? { row: example.row } : {}), shape: copy.input.shape },
        timings: { ...copy.timings, loadMs },
        checks: { ...copy.checks, cached: true },
      };
    },

    remember(methodId, options, target, explanation) {
      results.set(keyOf(methodId, options, target), structuredClone(explanation));
    },
  };
  return plan;
}
