// Guided backpropagation and deconvnet: the input gradient of the target score with modified ReLU gradients
// (modifiedRelu.ts), signed, as Captum's GuidedBackprop and Deconvolution.
import type { MethodId } from '../../../shared/types';
import type { AttributionMethod } from '../types';
import { attributeAtInput } from './attributeAtInput';
import { saliencyRule } from './gradientRules';
import { withModifiedReluModel, type ReluRule } from './modifiedRelu';

function modifiedReluMethod(id: MethodId, rule: ReluRule): AttributionMethod {
  return {
    id,
    kind: 'gradient',
    resolveOptions: (options) => ({ ...options }),
    async attribute(model, input, target, _options, ctx) {
      const result = await attributeAtInput(withModifiedReluModel(model, rule), input, target, saliencyRule(false), ctx);
      return { ...result, checks: { ...result.checks, reluRule: rule } };
    },
  };
}

export const guidedBackprop = modifiedReluMethod('guided-backprop', 'guided');
export const deconvnet = modifiedReluMethod('deconvnet', 'deconvnet');
