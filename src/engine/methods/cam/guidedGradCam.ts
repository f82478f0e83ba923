// Guided Grad-CAM (Selvaraju et al. 2017), as Captum's GuidedGradCam: guided backpropagation ⊙ the Grad-CAM map
// upsampled to the input (bilinear here; Captum's default is nearest), the map shared by every channel of a pixel.
import { subContext } from '../batches';
import { attributeAtInput } from '../gradient/attributeAtInput';
import { saliencyRule } from '../gradient/gradientRules';
import { withModifiedReluModel } from '../gradient/modifiedRelu';
import { imageGeometry, spreadOverChannels } from '../perturbation/imageGeometry';
import { readValues, toAttributionTensor } from '../tensorData';
import type { AttributionMethod } from '../types';
import { chooseCamLayer } from './camLayer';
import { gradCamMaps, resolveCamOptions } from './gradCam';

export const guidedGradCam: AttributionMethod = {
  id: 'guided-grad-cam',
  kind: 'gradient',
  resolveOptions: (options, model) => resolveCamOptions(options, model, 'guided-grad-cam'),
  async attribute(model, input, target, rawOptions, ctx) {
    const options = resolveCamOptions(rawOptions, model, 'guided-grad-cam');
    const g = imageGeometry(model.inputShape, options.layout, 'guided-grad-cam');
    const layer = chooseCamLayer(model, options.layer, g.layout, 'guided-grad-cam');
    const cam = await gradCamMaps(model, input.x, target, layer, g);
    const guided = await attributeAtInput(withModifiedReluModel(model, 'guided'), input, target, saliencyRule(false), subContext(ctx, 0, 1));
    const gb = await readValues(guided.attributions);
    guided.attributions.dispose();
    const weights = spreadOverChannels(cam.upsampled, g);
    return {
      attributions: toAttributionTensor(weights.map((w, i) => w * gb[i]), model.inputShape),
      checks: { layer: layer.name, camHeight: layer.height, camWidth: layer.width },
      maps: { cam: { shape: [layer.height, layer.width], values: Array.from(cam.low) } },
    };
  },
};
