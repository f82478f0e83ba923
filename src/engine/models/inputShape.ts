// Decides the input shape an ExplainableModel takes (without the batch dimension) from what the model declares
// and, for dynamic dimensions, the manifest's `inputShape`.
import { EngineError } from '../errors';
import type { LensManifest } from './manifest';
import { manifestCandidates } from './manifest';
import type { NetworkTensor } from './network';

export interface ResolvedInput {
  /** Without the batch dimension, fully known. */
  shape: number[];
  /** The model only accepts one example per call (its batch dimension is fixed at 1). */
  batchOfOne: boolean;
}

const show = (shape: readonly (number | null)[]) => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

export function resolveInputShape(input: NetworkTensor, modelPath: string, manifest?: LensManifest): ResolvedInput {
  const declared = input.shape;
  if (declared && declared.length === 0) {
    throw new EngineError('UNSUPPORTED', `input '${input.name}' is a scalar; a model input needs a batch dimension`, modelPath);
  }
  const batch = declared?.[0] ?? null;
  if (batch !== null && batch !== 1) {
    throw new EngineError('UNSUPPORTED', `input '${input.name}' has a fixed batch size of ${batch}; only a dynamic batch or a batch of 1 is supported`, modelPath);
  }
  const rest = declared?.slice(1);

  if (manifest?.inputShape) {
    const given = manifest.inputShape;
    const fits = !rest || (rest.length === given.length && rest.every((d, i) => d === null || d === given[i]));
    if (!fits) {
      throw new EngineError(
        'MODEL_INVALID',
        `inputShape ${show(given)} does not fit the model's input '${input.name}' of shape ${show(declared ?? [])}`,
        manifest.path,
      );
    }
    return { shape: [...given], batchOfOne: batch === 1 };
  }

  const where = manifestCandidates(modelPath)[0];
  if (!rest) {
    throw new EngineError('MODEL_INVALID', `input '${input.name}' has no declared shape; give it (without the batch) as "inputShape" in ${where}`, modelPath);
  }
  const dynamic = rest.flatMap((d, i) => (d === null ? [i + 1] : []));
  if (dynamic.length) {
    throw new EngineError(
      'MODEL_INVALID',
      `input '${input.name}' has shape ${show(declared ?? [])} with dynamic dimension${dynamic.length > 1 ? 's' : ''} ${dynamic.join(', ')}; ` +
        `give the full shape (without the batch) as "inputShape" in ${where}`,
      modelPath,
    );
  }
  return { shape: rest as number[], batchOfOne: batch === 1 };
}
