// Input × gradient (Shrikumar et al. 2016): x ⊙ ∂F_target/∂x.
import type { AttributionMethod } from '../types';
import { inputXGradientRule } from './gradientRules';
import { attributeAtInput } from './attributeAtInput';

export const inputXGradient: AttributionMethod = {
  id: 'input-x-gradient',
  kind: 'gradient',
  resolveOptions: (options) => ({ ...options }),
  attribute: (model, input, target, _options, ctx) => attributeAtInput(model, input, target, inputXGradientRule, ctx),
};
