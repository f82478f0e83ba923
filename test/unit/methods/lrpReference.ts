// An explicit, layer-by-layer LRP in float64 plain arrays, written from the textbook formulas (Bach et al. 2015;
// Montavon et al. 2019; Zennit's rule definitions) and independent of the engine's tfjs implementation: every linear
// layer is unrolled to an explicit matrix w[i][j] (input i → output j) and each rule is the sum over j of its
// per-connection contributions z_ij / z_j · R_j.
export type RefRule =
  | { name: 'epsilon'; epsilon: number }
  | { name: 'zplus' }
  | { name: 'alpha-beta'; alpha: number; beta: number }
  | { name: 'gamma'; gamma: number }
  | { name: 'zbox'; low: number; high: number };

export type RefComposite = 'epsilon' | 'zero' | 'epsilon-plus' | 'epsilon-gamma-box' | 'epsilon-alpha2-beta1';

const DELTA = 1e-6;
const pos = (v: number) => Math.max(v, 0);
const neg = (v: number) => Math.min(v, 0);
const stab = (t: number, e: number) => t + e * (t >= 0 ? 1 : -1);
const div = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** An explicit linear layer: z_j = Σ_i x_i w[i][j] + b[j]. */
export interface Dense {
  w: number[][];
  b: number[];
}

export function forwardDense(layer: Dense, x: number[]): number[] {
  return layer.b.map((bj, j) => x.reduce((s, xi, i) => s + xi * layer.w[i][j], bj));
}

/** Input relevance of one linear layer under `rule`, from its output relevance R. */
export function lrpDense(layer: Dense, x: number[], R: number[], rule: RefRule): number[] {
  const { w, b } = layer;
  const z = forwardDense(layer, x);
  const out = new Array<number>(x.length).fill(0);
  for (let j = 0; j < b.length; j++) {
    const contrib = (f: (xi: number, wij: number) => number) => x.map((xi, i) => f(xi, w[i][j]));
    let terms: number[];
    let share: number;
    switch (rule.name) {
      case 'epsilon': {
        terms = contrib((xi, wij) => xi * wij);
        share = div(R[j], stab(z[j], rule.epsilon));
        break;
      }
      case 'zplus': {
        terms = contrib((xi, wij) => pos(xi) * pos(wij) + neg(xi) * neg(wij));
        share = R[j] / stab(terms.reduce((a, t) => a + t, 0) + pos(b[j]), DELTA);
        break;
      }
      case 'alpha-beta': {
        const p = contrib((xi, wij) => pos(xi) * pos(wij) + neg(xi) * neg(wij));
        const n = contrib((xi, wij) => pos(xi) * neg(wij) + neg(xi) * pos(wij));
        const sp = R[j] / stab(p.reduce((a, t) => a + t, 0) + pos(b[j]), DELTA);
        const sn = R[j] / stab(n.reduce((a, t) => a + t, 0) + neg(b[j]), DELTA);
        terms = p.map((pi, i) => rule.alpha * pi * sp - rule.beta * n[i] * sn);
        share = 1;
        break;
      }
      case 'gamma': {
        const g = rule.gamma;
        if (z[j] === 0) {
          terms = x.map(() => 0);
          share = 0;
        } else if (z[j] > 0) {
          terms = contrib((xi, wij) => pos(xi) * (wij + g * pos(wij)) + neg(xi) * (wij + g * neg(wij)));
          share = R[j] / stab(terms.reduce((a, t) => a + t, 0) + b[j] + g * pos(b[j]), DELTA);
        } else {
          terms = contrib((xi, wij) => pos(xi) * (wij + g * neg(wij)) + neg(xi) * (wij + g * pos(wij)));
          share = R[j] / stab(terms.reduce((a, t) => a + t, 0) + b[j] + g * neg(b[j]), DELTA);
        }
        break;
      }
      case 'zbox': {
        terms = contrib((xi, wij) => xi * wij - rule.low * pos(wij) - rule.high * neg(wij));
        share = R[j] / stab(terms.reduce((a, t) => a + t, 0), DELTA);
        break;
      }
    }
    for (let i = 0; i < x.length; i++) out[i] += terms[i] * share;
  }
  return out;
}

/** Unrolls a valid, stride-1 conv (x: H×W×C flat, kernel [kh][kw][cin][cout], bias [cout]) to an explicit layer. */
export function convAsDense(H: number, W: number, C: number, kernel: number[][][][], bias: number[]): { layer: Dense; outH: number; outW: number } {
  const kh = kernel.length;
  const kw = kernel[0].length;
  const cout = bias.length;
  const outH = H - kh + 1;
  const outW = W - kw + 1;
  const w = Array.from({ length: H * W * C }, () => new Array<number>(outH * outW * cout).fill(0));
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++)
      for (let co = 0; co < cout; co++)
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++)
            for (let ci = 0; ci < C; ci++) w[((oy + dy) * W + (ox + dx)) * C + ci][(oy * outW + ox) * cout + co] = kernel[dy][dx][ci][co];
  const b = Array.from({ length: outH * outW * cout }, (_, j) => bias[j % cout]);
  return { layer: { w, b }, outH, outW };
}

/** 2×2, stride-2 pooling of an H×W×C map (flat): the windows, as lists of input indices per output. */
function poolWindows(H: number, W: number, C: number): number[][] {
  const windows: number[][] = [];
  for (let oy = 0; oy < H / 2; oy++)
    for (let ox = 0; ox < W / 2; ox++)
      for (let c = 0; c < C; c++) {
        const win: number[] = [];
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) win.push(((2 * oy + dy) * W + (2 * ox + dx)) * C + c);
        windows.push(win);
      }
  return windows;
}

export function relu(v: number[]): number[] {
  return v.map((t) => Math.max(t, 0));
}

function ruleOf(composite: RefComposite, kind: 'dense' | 'conv', first: boolean, o: { epsilon: number; gamma: number; low?: number; high?: number }): RefRule {
  if (composite === 'zero') return { name: 'epsilon', epsilon: 0 };
  if (composite === 'epsilon-gamma-box' && first) return { name: 'zbox', low: o.low as number, high: o.high as number };
  if (kind === 'dense' || composite === 'epsilon') return { name: 'epsilon', epsilon: o.epsilon };
  if (composite === 'epsilon-plus') return { name: 'zplus' };
  if (composite === 'epsilon-alpha2-beta1') return { name: 'alpha-beta', alpha: 2, beta: 1 };
  return { name: 'gamma', gamma: o.gamma };
}

export interface RefOptions {
  epsilon: number;
  gamma: number;
  low?: number;
  high?: number;
}

/** Dense-ReLU-…-Dense: LRP of logit `target`. Returns the input relevance and the logit. */
export function referenceMlp(layers: Dense[], x: number[], target: number, composite: RefComposite, o: RefOptions): { R: number[]; logit: number } {
  const acts: number[][] = [x];
  for (let l = 0; l < layers.length; l++) {
    const z = forwardDense(layers[l], acts[l]);
    acts.push(l < layers.length - 1 ? relu(z) : z);
  }
  const logits = acts[layers.length];
  let R = logits.map((v, k) => (k === target ? v : 0));
  for (let l = layers.length - 1; l >= 0; l--) R = lrpDense(layers[l], acts[l], R, ruleOf(composite, 'dense', l === 0, o));
  return { R, logit: logits[target] };
}

/** Conv(valid, stride 1) → ReLU [→ Conv → ReLU …] → 2×2 pool (max: relevance to the winner; avg: Norm rule) → flatten → Dense. */
export function referenceCnn(
  spec: { H: number; W: number; C: number; convs: { kernel: number[][][][]; bias: number[] }[]; pool: 'max' | 'avg'; dense: Dense },
  x: number[],
  target: number,
  composite: RefComposite,
  o: RefOptions,
): { R: number[]; logit: number } {
  const convs: Dense[] = [];
  const acts: number[][] = [x];
  let [H, W, C] = [spec.H, spec.W, spec.C];
  for (const c of spec.convs) {
    const { layer, outH, outW } = convAsDense(H, W, C, c.kernel, c.bias);
    convs.push(layer);
    acts.push(relu(forwardDense(layer, acts[acts.length - 1])));
    [H, W, C] = [outH, outW, c.bias.length];
  }
  const a = acts[acts.length - 1];
  const windows = poolWindows(H, W, C);
  const pooled = windows.map((win) => (spec.pool === 'max' ? Math.max(...win.map((i) => a[i])) : win.reduce((s, i) => s + a[i], 0) / 4));
  const logits = forwardDense(spec.dense, pooled);
  const Rout = logits.map((v, k) => (k === target ? v : 0));
  const Rpool = lrpDense(spec.dense, pooled, Rout, ruleOf(composite, 'dense', false, o));
  let R = new Array<number>(a.length).fill(0);
  const normStab = composite === 'zero' ? 0 : DELTA;
  windows.forEach((win, j) => {
    if (spec.pool === 'max') {
      const best = win.reduce((b, i) => (a[i] > a[b] ? i : b), win[0]);
      R[best] += Rpool[j];
    } else {
      for (const i of win) R[i] += div(a[i] * 0.25 * Rpool[j], stab(pooled[j], normStab));
    }
  });
  // ReLUs pass relevance through.
  for (let l = convs.length - 1; l >= 0; l--) R = lrpDense(convs[l], acts[l], R, ruleOf(composite, 'conv', l === 0, o));
  return { R, logit: logits[target] };
}
