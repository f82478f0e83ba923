// Grad-CAM (Selvaraju et al. 2017), as Captum's LayerGradCam with relu_attributions: the layer's activations A_k
// weighted by the spatial mean of ∂F_target/∂A_k, summed over channels k, ReLU; then upsampled bilinearly (half-pixel
// centers, as torch's interpolate with align_corners=False) to the input's size and written to every channel.
// The low-resolution map is returned too (maps.cam).
import * as tf from '@tensorflow/tfjs';
import type { MethodOptions } from '../../../shared/types';
import { resizeMap } from '../../modalities/image/resample';
import type { ExplainableModel } from '../../models/types';
import { imageGeometry, spreadOverChannels, type ImageGeometry } from '../perturbation/imageGeometry';
import { toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { chooseCamLayer, type CamLayer } from './camLayer';

export function resolveCamOptions(options: MethodOptions, model: ExplainableModel, method = 'grad-cam'): MethodOptions & { layer: string } {
  const g = imageGeometry(model.inputShape, options.layout, method);
  const layer = chooseCamLayer(model, options.layer, g.layout, method);
  return { ...options, layout: g.layout, layer: layer.name };
}

export interface CamMaps {
  layer: CamLayer;
  /** [layer.height · layer.width], after the ReLU. */
  low: Float64Array;
  /** [height · width] of the input. */
  upsampled: Float64Array;
}

function oneHot(size: number, target: number): tf.Tensor2D {
  const row = new Float32Array(size);
  row[target] = 1;
  return tf.tensor2d(row, [1, size]);
}

/** Activations and ∂F_target/∂activations of one layer at input x [1, ...inputShape], as flat values. */
export async function layerActivationsAndGradients(
  model: ExplainableModel,
  x: tf.Tensor,
  target: number,
  layer: string,
): Promise<{ activations: Float32Array; gradients: Float32Array }> {
  const run = model.run!;
  const [a, g] = tf.tidy(() => {
    const A = run(x, { capture: [layer] }).captured[layer];
    const mask = oneHot(model.outputSize, target);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(run(x, { replace: { [layer]: v } }).output, mask)))(A);
    return [A, grad];
  });
  try {
    return { activations: (await a.data()) as Float32Array, gradients: (await g.data()) as Float32Array };
  } finally {
    tf.dispose([a, g]);
  }
}

export async function gradCamMaps(model: ExplainableModel, x: tf.Tensor, target: number, layer: CamLayer, g: ImageGeometry): Promise<CamMaps> {
  const { activations, gradients } = await layerActivationsAndGradients(model, x, target, layer.name);
  const { height: h, width: w, channels: K } = layer;
  const weights = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) s += gradients[layer.index(y, xx, k)];
    weights[k] = s / (h * w);
  }
  const low = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += weights[k] * activations[layer.index(y, xx, k)];
      low[y * w + xx] = Math.max(0, s);
    }
  }
  return { layer, low, upsampled: resizeMap(low, h, w, g.height, g.width) };
}

export const gradCam: AttributionMethod = {
  id: 'grad-cam',
  kind: 'gradient',
  resolveOptions: (options, model) => resolveCamOptions(options, model),
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveCamOptions(rawOptions, model);
    const g = imageGeometry(model.inputShape, options.layout, 'grad-cam');
    const layer = chooseCamLayer(model, options.layer, g.layout, 'grad-cam');
    await ctx.checkpoint();
    const cam = await gradCamMaps(model, input.x, target, layer, g);
    ctx.progress(1);
    return {
      attributions: toAttributionTensor(spreadOverChannels(cam.upsampled, g), model.inputShape),
      checks: { layer: layer.name, camHeight: layer.height, camWidth: layer.width, camMax: Math.max(...cam.low) },
      maps: { cam: { shape: [layer.height, layer.width], values: Array.from(cam.low) } },
    };
  },
};
