// Saliency (Simonyan et al. 2013): ∂F_target/∂x at the input, by default its absolute value as in Captum.
import type { MethodOptions } from '../../../shared/types';
import { booleanOption } from '../options';
import type { AttributionMethod } from '../types';
import { attributeAtInput } from './attributeAtInput';
import { saliencyRule } from './gradientRules';

function resolveSaliencyOptions(options: MethodOptions): MethodOptions & { abs: boolean } {
  return { ...options, abs: booleanOption(options.abs, 'abs', true) };
}

export const saliency: AttributionMethod = {
  id: 'saliency',
  kind: 'gradient',
  resolveOptions: resolveSaliencyOptions,
  attribute(model, input, target, options, ctx) {
    const { abs } = resolveSaliencyOptions(options);
    return attributeAtInput(model, input, target, saliencyRule(abs), ctx);
  },
};
