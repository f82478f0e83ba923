// Modified ReLU gradients for guided backpropagation (Springenberg et al. 2015) and deconvnet (Zeiler & Fergus 2014),
// as Captum's ModifiedReluGradientAttribution: at every ReLU the incoming gradient is clipped to its positive part,
// guided backprop also keeps the forward mask (x > 0), deconvnet drops it. ReLU6 (MobileNet) is treated the same way,
// keeping its upper cut-off in the guided variant.
//
// tfjs looks a kernel's gradient up in its registry when the forward op is recorded on the tape, so the override only
// needs to be registered while the forward pass runs; it is restored right after, even when the pass throws. Inside
// tf.grad, fused conv/matmul ops with a ReLU are never fused (tfjs only fuses outside gradients), so every ReLU goes
// through the Relu / Relu6 kernels. Other activations (LeakyReLU, ELU, PReLU) keep their ordinary gradients.
import * as tf from '@tensorflow/tfjs';
import type { ExplainableModel } from '../../models/types';

export type ReluRule = 'guided' | 'deconvnet';

function overrides(rule: ReluRule): tf.GradConfig[] {
  const relu: tf.GradConfig = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const positive = tf.relu(dy as tf.Tensor);
      return { x: () => (rule === 'guided' ? tf.mul(positive, tf.step(tf.cast(x, 'float32'))) : positive) };
    },
  };
  const relu6: tf.GradConfig = {
    kernelName: 'Relu6',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const positive = tf.relu(dy as tf.Tensor);
      if (rule === 'deconvnet') return { x: () => positive };
      return { x: () => tf.mul(positive, tf.mul(tf.cast(tf.lessEqual(x, 6), 'float32'), tf.step(x))) };
    },
  };
  return [relu, relu6];
}

/** Runs `forward` (synchronously) with the modified ReLU gradients registered; the stock ones are restored after. */
export function withModifiedRelu<T>(rule: ReluRule, forward: () => T): T {
  const replacements = overrides(rule);
  const stock = replacements.map((r) => tf.getGradient(r.kernelName));
  replacements.forEach((r) => tf.registerGradient(r));
  try {
    return forward();
  } finally {
    replacements.forEach((r, i) => {
      const original = stock[i];
      if (original) tf.registerGradient(original);
      else tf.unregisterGradient(r.kernelName);
    });
  }
}

/** The same model whose forward passes record modified ReLU gradients (predict and run). */
export function withModifiedReluModel(model: ExplainableModel, rule: ReluRule): ExplainableModel {
  const wrapped: ExplainableModel = Object.create(model);
  Object.defineProperty(wrapped, 'predict', { value: (x: tf.Tensor) => withModifiedRelu(rule, () => model.predict(x)) });
  // Fast gradient paths (onnxruntime's backward graph, worker threads) compute ordinary gradients: not these.
  Object.defineProperty(wrapped, 'gradientsFast', { value: undefined });
  // A fast gradient path (ONNX Runtime) would compute the stock gradient: the modified one needs the tfjs tape.
  Object.defineProperty(wrapped, 'gradientsFast', { value: undefined });
  if (model.run) {
    const run = model.run.bind(model);
    Object.defineProperty(wrapped, 'run', { value: (x: tf.Tensor, o: Parameters<typeof run>[1]) => withModifiedRelu(rule, () => run(x, o)) });
  }
  return wrapped;
}
