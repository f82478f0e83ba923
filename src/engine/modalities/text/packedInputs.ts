// The hook for text models with several inputs (input_ids, attention_mask, token_type_ids): the engine sees one
// packed input [R, L] whose rows are the roles in packedRoles order (see modelInput.ts); a loader that wraps such a
// model (TF.js multi-input, ONNX) splits the packed batch back into the model's own inputs with splitPacked, in the
// model's input order, named by the manifest's "inputs" or, for the inputs it leaves out, by their names
// (input_ids, attention_mask, token_type_ids, position_ids and common variants: see inferInputRoles).
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors';
import { packedRoles, type InputRole } from './modelInput';
import { INPUT_ROLES, type TextInputNames } from './textManifest';

/** Input names each role goes by in exported models (Hugging Face, TF Hub, Keras), compared case-insensitively. */
const ROLE_NAMES: Record<InputRole, string[]> = {
  ids: ['input_ids', 'ids', 'input_word_ids', 'token_ids', 'tokens', 'input'],
  mask: ['attention_mask', 'input_mask', 'mask'],
  typeIds: ['token_type_ids', 'input_type_ids', 'segment_ids', 'type_ids'],
  positions: ['position_ids', 'positions'],
};

const roleOfName = (name: string): InputRole | undefined => {
  const key = name.toLowerCase().replace(/:\d+$/, '');
  return INPUT_ROLES.find((r) => ROLE_NAMES[r].includes(key));
};

/**
 * The role of every model input: those the manifest's "inputs" names, the rest inferred from their names. An input
 * whose role cannot be told, a role given twice, or no token ids input is an error naming `file` (the model).
 */
export function inferInputRoles(modelInputs: string[], names: TextInputNames | undefined, file: string): TextInputNames & { ids: string } {
  const resolved: TextInputNames = {};
  for (const role of INPUT_ROLES) {
    const given = names?.[role];
    if (given === undefined) continue;
    if (!modelInputs.includes(given)) {
      throw new EngineError(
        'MODEL_INVALID',
        `the manifest's "inputs" names ${role} '${given}', which is not an input of the model (its inputs: ${modelInputs.map((n) => `'${n}'`).join(', ')})`,
        file,
      );
    }
    resolved[role] = given;
  }
  const hint = `name each input's role in "inputs" of the model's lens.json, e.g. {"inputs": {"ids": "input_ids", "mask": "attention_mask", "typeIds": "token_type_ids"}}`;
  for (const input of modelInputs) {
    if (INPUT_ROLES.some((r) => resolved[r] === input)) continue;
    const role = roleOfName(input);
    if (role === undefined) {
      throw new EngineError(
        'MODEL_INVALID',
        `a model with ${modelInputs.length} inputs (${modelInputs.map((n) => `'${n}'`).join(', ')}) is read as a text model, ` +
          `but cannot determine the role of model input '${input}' (token ids, attention mask, token type ids or position ids): ${hint}`,
        file,
      );
    }
    if (resolved[role] !== undefined) {
      throw new EngineError('MODEL_INVALID', `model inputs '${resolved[role]}' and '${input}' both look like ${role}: ${hint}`, file);
    }
    resolved[role] = input;
  }
  if (resolved.ids === undefined) throw new EngineError('MODEL_INVALID', `no model input holds the token ids: ${hint}`, file);
  return resolved as TextInputNames & { ids: string };
}

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
        `model input '${input}' is not named in the manifest's "inputs" (${INPUT_ROLES.join(', ')}): ` + `e.g. "inputs": {"ids": "${modelInputs[0]}", "mask": "…"}`,
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
