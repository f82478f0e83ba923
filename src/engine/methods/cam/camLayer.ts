// Which intermediate Grad-CAM reads: the one named by the `layer` option, else the last convolution's block — the
// last spatial (4-D with batch) output at the resolution of the last convolution, so that a BatchNorm/ReLU that
// follows it is included (as "the last conv layer" of Grad-CAM usually means) but a pooling after it is not.
import { EngineError } from '../../errors';
import type { ExplainableModel, IntermediateInfo } from '../../models/types';
import { invalidOption } from '../options';
import type { PixelLayout } from '../perturbation/imageGeometry';

export interface CamLayer {
  name: string;
  /** Spatial size and channel count of the layer's output. */
  height: number;
  width: number;
  channels: number;
  /** Flat index of (y, x, k) in the layer's output (without the batch). */
  index(y: number, x: number, k: number): number;
}

const CONV = /conv/i;

const isSpatial = (i: IntermediateInfo) => i.shape.length === 3 && i.shape.every((d) => d !== null && d > 0);

/** The model must run layer by layer; says so before anything runs. */
export function requireLayers(model: ExplainableModel, method: string): IntermediateInfo[] {
  if (!model.run || !model.intermediates?.length) {
    throw new EngineError('UNSUPPORTED', `${method} needs a model whose layers can be read (TF.js layers or graph models); this model does not expose them`, model.summary.path);
  }
  return model.intermediates;
}

/** Spatial layout of a layer output: channels where the input has them ('HW' inputs: channels last). */
function camLayer(info: IntermediateInfo, layout: PixelLayout): CamLayer {
  const [a, b, c] = info.shape as number[];
  if (layout === 'NCHW') return { name: info.name, height: b, width: c, channels: a, index: (y, x, k) => (k * b + y) * c + x };
  return { name: info.name, height: a, width: b, channels: c, index: (y, x, k) => (y * b + x) * c + k };
}

export function chooseCamLayer(model: ExplainableModel, requested: unknown, layout: PixelLayout, method: string): CamLayer {
  const layers = requireLayers(model, method);
  if (requested !== undefined && requested !== null) {
    if (typeof requested !== 'string') throw invalidOption('layer', 'must be a layer name', requested);
    const info = layers.find((l) => l.name === requested);
    if (!info) {
      const spatial = layers.filter(isSpatial).map((l) => l.name);
      throw invalidOption('layer', `is not a layer of the model; layers with a spatial output: ${spatial.join(', ') || '(none)'}`, requested);
    }
    if (!isSpatial(info)) {
      throw invalidOption('layer', `must have a spatial output (height, width, channels); '${info.name}' outputs [${info.shape.join(', ')}]`, requested);
    }
    return camLayer(info, layout);
  }
  const spatial = layers.filter(isSpatial);
  if (!spatial.length) throw new EngineError('UNSUPPORTED', `${method}: the model has no layer with a spatial output (no convolution)`, model.summary.path);
  const lastConv = [...spatial].reverse().find((l) => CONV.test(l.type));
  if (!lastConv) return camLayer(spatial[spatial.length - 1], layout);
  const resolution = (l: IntermediateInfo) => camLayer(l, layout);
  const ref = resolution(lastConv);
  const after = spatial.slice(spatial.indexOf(lastConv));
  let chosen = lastConv;
  for (const l of after) {
    const r = resolution(l);
    if (r.height !== ref.height || r.width !== ref.width) break;
    chosen = l;
  }
  return camLayer(chosen, layout);
}
