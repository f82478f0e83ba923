// The packed layout of multi-input text models: rows in the order ids, mask, type ids, split back into the model's
// own inputs by name, so the model gives the same output as when called with its inputs directly.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { fitTokens, packValues, textLayout } from '../../../src/engine/modalities/text/modelInput';
import { packedLayout, splitPacked } from '../../../src/engine/modalities/text/packedInputs';

before(async () => {
  await initBackend('wasm');
});

/** A two-input functional model, inputs in the order (attention_mask, input_ids): masked mean of embeddings → dense. */
function twoInputModel(L: number): tf.LayersModel {
  const mask = tf.input({ shape: [L], name: 'attention_mask' });
  const ids = tf.input({ shape: [L], name: 'input_ids' });
  const emb = tf.layers.embedding({ inputDim: 12, outputDim: 3, embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 }) }).apply(ids) as tf.SymbolicTensor;
  const expanded = tf.layers.reshape({ targetShape: [L, 1] }).apply(mask) as tf.SymbolicTensor;
  const masked = tf.layers.multiply().apply([emb, tf.layers.concatenate().apply([expanded, expanded, expanded]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling1d().apply(masked) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: [mask, ids], outputs: out });
}

test('a packed [ids; mask] input split by name gives the model’s own output', () => {
  const L = 6;
  const model = twoInputModel(L);
  const names = { ids: 'input_ids', mask: 'attention_mask' };
  const layout = textLayout([2, L], names, undefined, 'lens.json');
  assert.deepEqual(layout.roles, ['ids', 'mask']);
  const fitted = fitTokens(
    [
      { id: 2, token: '[CLS]', special: true },
      { id: 7, token: 'great', special: false, start: 0, end: 5 },
      { id: 3, token: '[SEP]', special: true },
    ],
    L,
    { pad: 0 },
  );
  const packed = packValues(layout, fitted);
  assert.deepEqual(packed, [2, 7, 3, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
  const split = packedLayout(['attention_mask', 'input_ids'], names, 'lens.json');
  assert.deepEqual(split.rows, [1, 0]);
  const x = tf.tensor3d(packed, [1, 2, L]);
  const inputs = splitPacked(x, split, 'float32');
  const viaPacked = (model.apply(inputs) as tf.Tensor).arraySync();
  const direct = (model.apply([tf.tensor2d([fitted.mask]), tf.tensor2d([fitted.ids])]) as tf.Tensor).arraySync();
  assert.deepEqual(viaPacked, direct);
  model.dispose();
});

test('packed layouts must name every model input, and only those', () => {
  assert.throws(
    () => packedLayout(['input_ids', 'attention_mask'], { ids: 'input_ids' }, 'lens.json'),
    (e: unknown) => e instanceof EngineError && /model input 'attention_mask' is not named in the manifest's "inputs"/.test(e.message),
  );
  assert.throws(
    () => packedLayout(['input_ids'], { ids: 'input_ids', typeIds: 'token_type_ids' }, 'lens.json'),
    (e: unknown) => e instanceof EngineError && /name typeIds \('token_type_ids'\), which the model does not take/.test(e.message),
  );
  assert.throws(
    () => textLayout([3, 8], { ids: 'a', mask: 'b' }, undefined, 'lens.json'),
    (e: unknown) => e instanceof EngineError && /packs 3 text inputs but the manifest's "inputs" names 2/.test(e.message),
  );
});

test('cutting to the model length keeps the [CLS] … [SEP] frame; maxLength limits the tokens before padding', () => {
  const tokens = [
    { id: 2, token: '[CLS]', special: true },
    ...Array.from({ length: 8 }, (_, i) => ({ id: 10 + i, token: `w${i}`, special: false, start: 3 * i, end: 3 * i + 2 })),
    { id: 3, token: '[SEP]', special: true },
  ];
  const cut = fitTokens(tokens, 8, { pad: 0 }, 5);
  assert.deepEqual(cut.ids, [2, 10, 11, 12, 3, 0, 0, 0]);
  assert.deepEqual(cut.mask, [1, 1, 1, 1, 1, 0, 0, 0]);
  assert.equal(cut.truncated, true);
  assert.equal(textLayout([20], undefined, 12, 'm').limit, 12);
});
