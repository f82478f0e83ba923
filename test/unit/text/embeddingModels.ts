// Tiny text models built from plain weights, exposing their embedding output through run(), with float64
// references for the scores: ids → embedding [L, D] → (masked) mean over positions → dense → (tanh) → scores.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel, RunOptions } from '../../../src/engine/models/types';
import { mulberry32 } from '../../fixtures/tabular/prng';

export function table(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (2 * r() - 1) * scale));
}

export interface EmbeddingModel extends ExplainableModel {
  E: number[][];
  W: number[][];
  b: number[];
  /** Float64 forward of given embeddings [L][D] (and mask), before any output nonlinearity is applied… or after. */
  reference(embeddings: number[][], mask?: number[]): number[];
}

/**
 * `packed`: the input is [2, L] (ids row, attention-mask row) and the mean runs over unmasked positions.
 * `tanh`: scores = tanh(dense), a smooth nonlinear model; else linear.
 */
export function embeddingModel(L: number, vocab: number, D: number, K: number, options: { packed?: boolean; tanh?: boolean; seed?: number } = {}): EmbeddingModel {
  const seed = options.seed ?? 1;
  const E = table(vocab, D, seed, 1);
  const W = table(D, K, seed + 1, 2);
  const b = table(1, K, seed + 2, 0.5)[0];
  const e = tf.tensor2d(E);
  const w = tf.tensor2d(W);
  const bias = tf.tensor1d(b);
  const inputShape = options.packed ? [2, L] : [L];

  const run = (x: tf.Tensor, opts: RunOptions) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      const ids = options.packed ? tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, L]), [batch, L]) : x;
      const mask = options.packed ? tf.reshape(tf.slice(x, [0, 1, 0], [batch, 1, L]), [batch, L, 1]) : tf.ones([batch, L, 1]);
      const computed = tf.gather(e, tf.cast(ids, 'int32'));
      const emb = opts.replace?.embedding ?? computed;
      const pooled = tf.div(tf.sum(tf.mul(emb, mask), 1), tf.sum(mask, 1));
      let out = tf.add(tf.matMul(pooled as tf.Tensor2D, w), bias) as tf.Tensor2D;
      if (options.tanh) out = tf.tanh(out);
      const captured: Record<string, tf.Tensor> = {};
      if (opts.capture?.includes('embedding')) captured.embedding = emb;
      if (opts.capture?.includes('pool')) captured.pool = pooled;
      return { output: out, captured };
    });

  return {
    summary: {
      path: 'embedding-model',
      format: 'tfjs-layers',
      inputs: [{ name: 'ids', shape: [null, ...inputShape], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [null, K], dtype: 'float32' }],
      layers: [],
      parameterCount: vocab * D + D * K + K,
      hash: `embedding-model-${seed}-${options.packed ? 'packed' : 'ids'}-${options.tanh ? 'tanh' : 'linear'}`,
    },
    inputShape,
    outputSize: K,
    intermediates: [
      { name: 'embedding', type: 'Embedding', shape: [L, D] },
      { name: 'pool', type: 'GlobalAveragePooling1D', shape: [D] },
    ],
    run,
    predict: (x) => run(x, {}).output,
    E,
    W,
    b,
    reference(embeddings, mask = embeddings.map(() => 1)) {
      const n = mask.reduce((s, m) => s + m, 0);
      const pooled = Array.from({ length: D }, (_, d) => embeddings.reduce((s, row, t) => s + mask[t] * row[d], 0) / n);
      return b.map((bk, k) => {
        const z = pooled.reduce((s, p, d) => s + p * W[d][k], bk);
        return options.tanh ? Math.tanh(z) : z;
      });
    },
    dispose: () => tf.dispose([e, w, bias]),
  };
}
