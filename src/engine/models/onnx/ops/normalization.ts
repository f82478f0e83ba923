// BatchNormalization (inference: running statistics), LayerNormalization (opset 17) and InstanceNormalization.
import * as tf from '@tensorflow/tfjs';
import type { OnnxNode } from '../graph';
import { normalizeAxis } from './hostArray';
import type { OpContext, OpDef, OpTable } from './types';

const float = (ctx: OpContext, i: number) => {
  const t = ctx.tensor(i);
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
};

/** A per-channel vector [C] shaped to broadcast over [N, C, ...spatial]. */
const perChannel = (v: tf.Tensor, rank: number) => tf.reshape(v, [-1, ...new Array<number>(Math.max(0, rank - 2)).fill(1)]);

const onlyFirstOutput = (what: string) => (node: OnnxNode) =>
  node.outputs.slice(1).some(Boolean) ? `the ${what} outputs (training statistics) are not supported` : undefined;

const batchNormalization: OpDef = {
  check(node) {
    if (node.attributes.get('training_mode')?.i) return 'training_mode is not supported (export the model in eval mode)';
    return onlyFirstOutput('running mean/variance')(node);
  },
  run(ctx) {
    const x = float(ctx, 0);
    const epsilon = ctx.attrs.float('epsilon', 1e-5);
    // y = x · a + b with a = scale / √(var + ε), b = B − mean · a; folded once when the statistics are constants.
    const fold = () =>
      tf.tidy(() => {
        const a = tf.div(float(ctx, 1), tf.sqrt(tf.add(float(ctx, 4), epsilon)));
        return tf.stack([a, tf.sub(float(ctx, 2), tf.mul(float(ctx, 3), a))]);
      });
    const constant = [1, 2, 3, 4].every((i) => ctx.isConstant(i));
    const ab = constant ? ctx.once('affine', fold) : fold();
    const [a, b] = tf.unstack(ab);
    return [tf.add(tf.mul(x, perChannel(a, x.rank)), perChannel(b, x.rank))];
  },
};

function normalize(x: tf.Tensor, axes: number[], epsilon: number): tf.Tensor {
  const mean = tf.mean(x, axes, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axes, true);
  return tf.div(centered, tf.sqrt(tf.add(variance, epsilon)));
}

const layerNormalization: OpDef = {
  check: onlyFirstOutput('Mean and InvStdDev'),
  run(ctx) {
    const x = float(ctx, 0);
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), x.rank);
    const axes = Array.from({ length: x.rank - axis }, (_, i) => axis + i);
    let y = tf.mul(normalize(x, axes, ctx.attrs.float('epsilon', 1e-5)), float(ctx, 1));
    if (ctx.has(2)) y = tf.add(y, float(ctx, 2));
    return [y];
  },
};

const instanceNormalization: OpDef = {
  run(ctx) {
    const x = float(ctx, 0);
    const axes = x.shape.slice(2).map((_, i) => i + 2);
    const y = normalize(x, axes, ctx.attrs.float('epsilon', 1e-5));
    return [tf.add(tf.mul(y, perChannel(float(ctx, 1), x.rank)), perChannel(float(ctx, 2), x.rank))];
  },
};

export const normalizationOps: OpTable = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
};
