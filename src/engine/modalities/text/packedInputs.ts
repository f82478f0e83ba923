// The hook for text models with several inputs (input_ids, attention_mask, token_type_ids): the engine sees one
// packed input [R, L] whose rows are the roles in packedRoles order (see modelInput.ts); a loader that wraps such a
// model (TF.js multi-input, ONNX) splits the packed batch back into the model's own inputs with splitPacked, in the
// model's input order, named by the manifest's "inputs".
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors';
import { packedRoles, type InputRole } from './modelInput';
import type { TextInputNames } from './textManifest';

export interface PackedLayout {
  /** Row of the packed input feeding each model input, in the model's input order. */
  rows: number[];
  roles: InputRole[];
}

/** Which packed row feeds each of the model's inputs; every model input must be named in the manifest. */
export function packedLayout(modelInputs: string[], names: TextInputNames | undefined, file: string): PackedLayout {
  const roles = packedRoles(names);
  const rows = modelInputs.map((input) => {
    const role = roles.find((r) => names?.[r] === input);
    if (role === undefined) {
      throw new EngineError(
        'MODEL_INVALID',
        `model input '${input}' is not named in the manifest's "inputs" (ids, mask, typeIds): ` + `e.g. "inputs": {"ids": "${modelInputs[0]}", "mask": "…"}`,
        file,
      );
    }
    return roles.indexOf(role);
  });
  if (!roles.every((r) => rows.includes(roles.indexOf(r)))) {
    const unused = roles.filter((r) => !rows.includes(roles.indexOf(r))).map((r) => `${r} ('${names?.[r]}')`);
    throw new EngineError('MODEL_INVALID', `the manifest's "inputs" name ${unused.join(', ')}, which the model does not take`, file);
  }
  return { rows, roles };
}

/** The model's inputs [B, L] from a packed batch [B, R, L], cast to `dtype` (token ids are integers). */
export function splitPacked(x: tf.Tensor, layout: PackedLayout, dtype: tf.DataType = 'int32'): tf.Tensor[] {
  return tf.tidy(() => {
    const [batch, , length] = x.shape;
    return layout.rows.map((r) => tf.cast(tf.reshape(tf.slice(x, [0, r, 0], [batch, 1, length]), [batch, length]), dtype));
  });
}
