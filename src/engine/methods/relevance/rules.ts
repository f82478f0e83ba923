// LRP rules for one (canonized) linear layer z = s ⊙ (W ⋆ x) + c, after Zennit's rules (Epsilon, ZPlus, AlphaBeta,
// Gamma, ZBox) and its BatchNorm-merging canonizer.
//
// W ⋆ x is the layer's kernel (MatMul, Conv2D, DepthwiseConv2D; or the identity for an elementwise affine layer), s the
// product of the elementwise scales that follow it (BatchNorm's γ/√(σ²+ε), Mul, Div) and c everything added after it
// (bias, BatchNorm's shift), so the merged weights are Wm = s·W per output and the merged bias is c = z − s ⊙ (W ⋆ x),
// read off the layer's actual output z. Positive and negative parts of the merged weights need no merged kernel:
//   Wm⁺ ⋆ u = s⁺ ⊙ (W⁺ ⋆ u) + s⁻ ⊙ (W⁻ ⋆ u),   Wm⁻ ⋆ u = s⁺ ⊙ (W⁻ ⋆ u) + s⁻ ⊙ (W⁺ ⋆ u),
// and the same for the transposes (applied to s⁺ ⊙ v and s⁻ ⊙ v).
//
// With R the relevance of z, x⁺ = max(x, 0), x⁻ = min(x, 0), stab(t, e) = t + e·sign(t) (sign 0 = +1), and v/0 = 0:
//   ε:    R_x = x ⊙ Wmᵀ(R / stab(z, ε))                                                    (ε = 0: LRP-0)
//   z⁺:   z⁺ = Wm⁺x⁺ + Wm⁻x⁻ + c⁺;  R_x = x⁺ ⊙ Wm⁺ᵀ v + x⁻ ⊙ Wm⁻ᵀ v,  v = R / stab(z⁺, δ)      (= α1β0)
//   αβ:   z⁻ = Wm⁻x⁺ + Wm⁺x⁻ + c⁻;  R_x = α (x⁺ ⊙ Wm⁺ᵀ v + x⁻ ⊙ Wm⁻ᵀ v) − β (x⁺ ⊙ Wm⁻ᵀ w + x⁻ ⊙ Wm⁺ᵀ w),
//         v = R / stab(z⁺, δ), w = R / stab(z⁻, δ)
//   γ:    (Zennit's generalized γ) where z > 0 the weights are Wm + γWm⁺ on x⁺ and Wm + γWm⁻ on x⁻ and the bias
//         c + γc⁺, so the denominator is z + γz⁺; where z < 0 the roles swap (denominator z + γz⁻); z = 0 gets none:
//         R_x = x ⊙ Wmᵀ(v + w) + γ (x⁺ ⊙ (Wm⁺ᵀv + Wm⁻ᵀw) + x⁻ ⊙ (Wm⁻ᵀv + Wm⁺ᵀw)),
//         v = [z > 0] R / stab(z + γz⁺, δ), w = [z < 0] R / stab(z + γz⁻, δ)
//   zᴮ:   with the input box [l, h]: R_x = x ⊙ Wmᵀv − l ⊙ Wm⁺ᵀv − h ⊙ Wm⁻ᵀv, v = R / stab(Wm x − Wm⁺l − Wm⁻h, δ)
//         (the bias cancels, as in Zennit).
// Each rule's input relevance sums to Σ R minus what the bias (and the stabilizer) absorbs; ε, z⁺, αβ, γ on a bias-free
// layer with nonzero denominators conserve it exactly.
import * as tf from '@tensorflow/tfjs';

export type Part = 'all' | 'pos' | 'neg';

/** W ⋆ u and Wᵀ ⋆ v for the whole kernel or its positive / negative part (shapes: x's and z's as the kernel sees them). */
export interface LinearKernel {
  forward(u: tf.Tensor, part: Part): tf.Tensor;
  transpose(v: tf.Tensor, part: Part): tf.Tensor;
}

export interface MergedLayer {
  kernel: LinearKernel;
  /** The elementwise scale after the kernel (broadcasts against z), or null for 1. */
  scale: tf.Tensor | null;
  /** The layer's input, as the kernel sees it. */
  x: tf.Tensor;
  /** The layer's output, in the kernel's output shape. */
  z: tf.Tensor;
}

export type Rule =
  | { name: 'epsilon'; epsilon: number }
  | { name: 'zplus'; stabilizer: number }
  | { name: 'alpha-beta'; alpha: number; beta: number; stabilizer: number }
  | { name: 'gamma'; gamma: number; stabilizer: number }
  | { name: 'zbox'; low: tf.Tensor; high: tf.Tensor; stabilizer: number };

export function ruleLabel(rule: Rule): string {
  switch (rule.name) {
    case 'epsilon':
      return rule.epsilon === 0 ? 'LRP-0' : `ε=${rule.epsilon}`;
    case 'zplus':
      return 'z⁺';
    case 'alpha-beta':
      return `α${rule.alpha}β${rule.beta}`;
    case 'gamma':
      return `γ=${rule.gamma}`;
    case 'zbox':
      return 'zᴮ';
  }
}

/** t + e·sign(t), with sign(0) = +1. */
export function stabilize(t: tf.Tensor, e: number): tf.Tensor {
  if (e === 0) return t;
  return tf.add(t, tf.where(tf.greaterEqual(t, 0), tf.fill(t.shape, e), tf.fill(t.shape, -e)));
}

const pos = (t: tf.Tensor) => tf.relu(t);
const neg = (t: tf.Tensor) => tf.minimum(t, 0);

/** The merged layer's forward and transposed maps for Wm, Wm⁺ and Wm⁻. */
function merged(layer: MergedLayer) {
  const { kernel, scale: s } = layer;
  const sp = s && pos(s);
  const sn = s && neg(s);
  const F = (u: tf.Tensor, part: Part): tf.Tensor => {
    if (!s) return kernel.forward(u, part);
    if (part === 'all') return tf.mul(s, kernel.forward(u, 'all'));
    const [first, second]: Part[] = part === 'pos' ? ['pos', 'neg'] : ['neg', 'pos'];
    return tf.add(tf.mul(sp!, kernel.forward(u, first)), tf.mul(sn!, kernel.forward(u, second)));
  };
  const B = (v: tf.Tensor, part: Part): tf.Tensor => {
    if (!s) return kernel.transpose(v, part);
    if (part === 'all') return kernel.transpose(tf.mul(s, v), 'all');
    const [first, second]: Part[] = part === 'pos' ? ['pos', 'neg'] : ['neg', 'pos'];
    return tf.add(kernel.transpose(tf.mul(sp!, v), first), kernel.transpose(tf.mul(sn!, v), second));
  };
  return { F, B };
}

/** The relevance of the layer's input (x's shape) from the relevance R of its output (z's shape). */
export function propagate(layer: MergedLayer, R: tf.Tensor, rule: Rule): tf.Tensor {
  return tf.tidy(() => {
    const { F, B } = merged(layer);
    const { x, z } = layer;
    if (rule.name === 'epsilon') {
      return tf.mul(x, B(tf.divNoNan(R, stabilize(z, rule.epsilon)), 'all'));
    }
    if (rule.name === 'zbox') {
      const { low: l, high: h } = rule;
      const zb = tf.sub(tf.sub(F(x, 'all'), F(l, 'pos')), F(h, 'neg'));
      const v = tf.divNoNan(R, stabilize(zb, rule.stabilizer));
      return tf.sub(tf.sub(tf.mul(x, B(v, 'all')), tf.mul(l, B(v, 'pos'))), tf.mul(h, B(v, 'neg')));
    }
    const xp = pos(x);
    const xn = neg(x);
    const c = tf.sub(z, F(x, 'all'));
    /** Wm⁺x⁺ + Wm⁻x⁻ + c⁺ (positive) or Wm⁻x⁺ + Wm⁺x⁻ + c⁻ (negative). */
    const zPart = (sign: 'pos' | 'neg') => {
      const other: Part = sign === 'pos' ? 'neg' : 'pos';
      return tf.add(tf.add(F(xp, sign), F(xn, other)), sign === 'pos' ? pos(c) : neg(c));
    };
    /** x⁺ ⊙ Wm⁺ᵀv + x⁻ ⊙ Wm⁻ᵀv (positive) or x⁺ ⊙ Wm⁻ᵀv + x⁻ ⊙ Wm⁺ᵀv (negative). */
    const back = (v: tf.Tensor, sign: 'pos' | 'neg') => {
      const other: Part = sign === 'pos' ? 'neg' : 'pos';
      return tf.add(tf.mul(xp, B(v, sign)), tf.mul(xn, B(v, other)));
    };
    if (rule.name === 'zplus') {
      return back(tf.divNoNan(R, stabilize(zPart('pos'), rule.stabilizer)), 'pos');
    }
    if (rule.name === 'alpha-beta') {
      const v = tf.divNoNan(R, stabilize(zPart('pos'), rule.stabilizer));
      const w = tf.divNoNan(R, stabilize(zPart('neg'), rule.stabilizer));
      const positive = back(v, 'pos');
      return rule.beta === 0 ? tf.mul(rule.alpha, positive) : tf.sub(tf.mul(rule.alpha, positive), tf.mul(rule.beta, back(w, 'neg')));
    }
    // gamma
    const g = rule.gamma;
    const up = tf.cast(tf.greater(z, 0), 'float32');
    const down = tf.cast(tf.less(z, 0), 'float32');
    const v = tf.mul(up, tf.divNoNan(R, stabilize(tf.add(z, tf.mul(g, zPart('pos'))), rule.stabilizer)));
    const w = tf.mul(down, tf.divNoNan(R, stabilize(tf.add(z, tf.mul(g, zPart('neg'))), rule.stabilizer)));
    const plain = tf.mul(x, B(tf.add(v, w), 'all'));
    const extra = tf.add(tf.mul(xp, tf.add(B(v, 'pos'), B(w, 'neg'))), tf.mul(xn, tf.add(B(v, 'neg'), B(w, 'pos'))));
    return tf.add(plain, tf.mul(g, extra));
  });
}
