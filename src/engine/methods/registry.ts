// Every attribution method by id. explain() and the CLI look methods up here.
import type { MethodId } from '../../shared/types';
import { EngineError } from '../errors';
import { gradientShap } from './gradient/gradientShap';
import { inputXGradient } from './gradient/inputXGradient';
import { integratedGradients } from './gradient/integratedGradients';
import { noiseTunnel } from './gradient/noiseTunnel';
import { saliency } from './gradient/saliency';
import { layerGradientXActivation } from './layer/layerGradientXActivation';
import { layerIntegratedGradients } from './layer/layerIntegratedGradients';
import { featureAblation } from './perturbation/featureAblation';
import { occlusion } from './perturbation/occlusion';
// Image methods (Images issue).
import { gradCam } from './cam/gradCam';
import { guidedGradCam } from './cam/guidedGradCam';
import { deconvnet, guidedBackprop } from './gradient/guidedBackprop';
import { extremalPerturbation } from './perturbation/extremalPerturbation';
import { kernelShap } from './perturbation/kernelShap';
import { lime } from './perturbation/lime';
import { rise } from './perturbation/rise';
import { sobol } from './perturbation/sobol';
// Relevance propagation.
import { lrpMethod } from './relevance/lrp';
import type { AttributionMethod } from './types';

const METHODS: readonly AttributionMethod[] = [
  saliency,
  inputXGradient,
  integratedGradients,
  noiseTunnel('smoothgrad'),
  noiseTunnel('smoothgrad-sq'),
  noiseTunnel('vargrad'),
  gradientShap,
  occlusion,
  featureAblation,
  layerIntegratedGradients,
  layerGradientXActivation,
  gradCam,
  guidedGradCam,
  guidedBackprop,
  deconvnet,
  rise,
  sobol,
  lime,
  kernelShap,
  extremalPerturbation,
  lrpMethod,
];

const BY_ID = new Map<string, AttributionMethod>(METHODS.map((m) => [m.id, m]));

export function listMethods(): AttributionMethod[] {
  return METHODS.slice();
}

export function getMethod(id: string): AttributionMethod {
  const method = BY_ID.get(id);
  if (!method) throw new EngineError('METHOD_UNKNOWN', `unknown method '${id}'; available: ${METHODS.map((m) => m.id).join(', ')}`);
  return method;
}

/** True when `id` names a method (narrows it to MethodId). */
export function isMethodId(id: string): id is MethodId {
  return BY_ID.has(id);
}
