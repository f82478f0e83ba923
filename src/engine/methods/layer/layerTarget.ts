// Which intermediate a layer method attributes at, and how its attributions are reported per input position.
// Layer attributions have the layer's shape (e.g. [L, D] at a text model's embedding output); explain() reports
// attributions in the input's shape, so the layer must line up with the input: its leading dimensions are the
// input's positions (an embedding's [L, D] for token ids [L]), and the rest (the embedding dimension) is reduced
// per position by a sum (completeness carries over: the positions' scores add up to F(x) − F(x′)) or an L2 norm.
// A packed multi-input text model takes [R, L] (ids, mask, type ids); positions then line up with its last
// dimension and the scores go to the ids row.
import type { MethodOptions } from '../../../shared/types';
import { EngineError } from '../../errors';
import type { ExplainableModel, IntermediateInfo } from '../../models/types';
import { choiceOption, invalidOption } from '../options';
import { sizeOf } from '../shape';

export type Reduction = 'sum' | 'l2';
export const REDUCTIONS: readonly Reduction[] = ['sum', 'l2'];

/** Layer types that look token ids up: the default layer of layer methods. */
const EMBEDDING_TYPES = ['Embedding', 'Gather'];

function listed(intermediates: IntermediateInfo[]): string {
  const names = intermediates.map((i) => i.name);
  return names.length > 40 ? `${names.slice(0, 40).join(', ')}, … (${names.length} layers)` : names.join(', ');
}

/** Checks that the model can run layer methods and names the layer: the given one, else its embedding layer. */
export function resolveLayerOptions(options: MethodOptions, model: ExplainableModel): MethodOptions & { layer: string; reduction: Reduction } {
  const reduction = choiceOption(options.reduction, 'reduction', REDUCTIONS, 'sum');
  const intermediates = model.intermediates;
  if (!model.run || !intermediates?.length) {
    throw new EngineError('UNSUPPORTED', 'layer methods need the intermediate outputs of the model, which this model does not expose', model.summary.path);
  }
  let layer = options.layer;
  if (layer === undefined) {
    // The loader's word-embedding lookup when it found one (a BERT graph also gathers positions and type ids),
    // else the first embedding-like layer.
    layer = model.embeddingLayer !== undefined && intermediates.some((i) => i.name === model.embeddingLayer) ? model.embeddingLayer : undefined;
    layer ??= intermediates.find((i) => EMBEDDING_TYPES.includes(i.type))?.name;
    if (layer === undefined) throw invalidOption('layer', `is required: the model has no embedding layer to default to; layers are: ${listed(intermediates)}`, undefined);
  } else if (typeof layer !== 'string' || !intermediates.some((i) => i.name === layer)) {
    throw invalidOption('layer', `names no layer of the model; layers are: ${listed(intermediates)}`, layer);
  }
  return { ...options, layer, reduction };
}

export interface PositionMap {
  /** Number of input positions the layer's leading dimensions index. */
  positions: number;
  /** Layer values per position (the reduced dimensions). */
  width: number;
}

/** How the layer's output lines up with the input; an error when it does not. */
export function positionMap(layer: string, layerShape: number[], inputShape: number[]): PositionMap {
  const startsWith = (prefix: number[]) => prefix.length <= layerShape.length && prefix.every((d, i) => layerShape[i] === d);
  const aligned = startsWith(inputShape) ? inputShape : inputShape.length === 2 && startsWith(inputShape.slice(1)) ? inputShape.slice(1) : undefined;
  if (!aligned) {
    throw new EngineError(
      'UNSUPPORTED',
      `layer '${layer}' outputs [${layerShape}], which does not line up with the input [${inputShape}]: ` +
        'layer attributions are reported per input position, so the layer must keep the input positions (e.g. an embedding layer)',
    );
  }
  const positions = sizeOf(aligned);
  return { positions, width: sizeOf(layerShape) / positions };
}

/** Layer attributions reduced per position, written in the input's layout (the ids row of a packed input). */
export function toInputLayout(layerAttributions: Float64Array, map: PositionMap, inputShape: number[], reduction: Reduction): Float64Array {
  const out = new Float64Array(sizeOf(inputShape));
  for (let p = 0; p < map.positions; p++) {
    let acc = 0;
    for (let j = p * map.width; j < (p + 1) * map.width; j++) {
      const v = layerAttributions[j];
      acc += reduction === 'l2' ? v * v : v;
    }
    out[p] = reduction === 'l2' ? Math.sqrt(acc) : acc;
  }
  return out;
}
