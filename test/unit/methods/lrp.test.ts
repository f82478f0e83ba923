// LRP (src/engine/methods/relevance): every composite against an explicit float64 reference (lrpReference.ts) on an
// MLP and two small CNNs, conservation, LRP-0 = gradient × input, rule properties, and the fixtures (ONNX CNN, the
// planted TF.js image model, the MobileNetV2-style model with BatchNorm, ReLU6, depthwise convs and residual Adds).
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { EngineError } from '../../../src/engine/errors';
import { loadModel } from '../../../src/engine/models';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { lrp, lrpMethod, type Composite } from '../../../src/engine/methods/relevance/lrp';
import { propagate, type LinearKernel } from '../../../src/engine/methods/relevance/rules';
import { HIDDEN, SAVES } from '../../../src/engine/methods/relevance/tape';
import type { MethodOptions } from '../../../src/shared/types';
import { referenceCnn, referenceMlp, forwardDense, lrpDense, relu, type Dense, type RefComposite } from './lrpReference';
import { matrix, numbers, splitPermutedTanhMlp, tanhMlp, testContext } from './models';

const fixtures = join(__dirname, '../../fixtures');

before(async () => {
  await initBackend('wasm');
});

/** An ExplainableModel over a tf.LayersModel (predict only). */
function wrap(m: tf.LayersModel): ExplainableModel {
  const inputShape = (m.inputs[0].shape as number[]).slice(1);
  const outputSize = (m.outputs[0].shape as number[])[1];
  return {
    summary: { path: 'test', format: 'tfjs-layers', inputs: [], outputs: [], layers: [], parameterCount: 0, hash: 'test' },
    inputShape,
    outputSize,
    predict: (x) => m.predict(x) as tf.Tensor2D,
    dispose: () => m.dispose(),
  };
}

/** |a − e| ≤ tol · max|e| element-wise (relative to the largest expected magnitude). */
function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  assert.ok(scale > 0, `${what}: expected values are all 0`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (|error| ${err} > ${tol} × ${scale})`);
  }
}

const sum = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0);

async function runLrp(model: ExplainableModel, x: number[], target: number, options: MethodOptions) {
  const method = lrpMethod;
  const resolved = method.resolveOptions(options, model);
  const xt = tf.tensor(x, [1, ...model.inputShape]);
  try {
    const r = await method.attribute(model, { x: xt, baseline: xt }, target, resolved, testContext());
    const values = Array.from(await r.attributions.data());
    assert.deepEqual(r.attributions.shape, model.inputShape);
    r.attributions.dispose();
    return { values, checks: r.checks };
  } finally {
    xt.dispose();
  }
}

// ---- test models ---------------------------------------------------------------------------------------------

const MLP_SIZES = [6, 5, 4, 3];

function mlpLayers(opts: { bias: boolean; deadInput?: number }): Dense[] {
  return MLP_SIZES.slice(1).map((n, l) => {
    const w = matrix(MLP_SIZES[l], n, 11 + l, 0.8);
    if (l === 0 && opts.deadInput !== undefined) w[opts.deadInput] = w[opts.deadInput].map(() => 0);
    return { w, b: opts.bias ? numbers(n, 21 + l, 0.3) : new Array<number>(n).fill(0) };
  });
}

/** Dense-ReLU-Dense-ReLU-Dense with the given weights; the last Dense has a linear activation (a fused op in tfjs). */
function mlpModel(layers: Dense[], softmax = false): ExplainableModel {
  const m = tf.sequential({
    layers: layers.map((d, l) =>
      tf.layers.dense({
        inputShape: l === 0 ? [MLP_SIZES[0]] : undefined,
        units: d.b.length,
        activation: l < layers.length - 1 ? 'relu' : softmax ? 'softmax' : 'linear',
      }),
    ),
  });
  m.layers.forEach((layer, l) => layer.setWeights([tf.tensor2d(layers[l].w), tf.tensor1d(layers[l].b)]));
  return wrap(m);
}

interface CnnSpec {
  H: number;
  W: number;
  C: number;
  convs: { kernel: number[][][][]; bias: number[] }[];
  pool: 'max' | 'avg';
  dense: Dense;
}

function convKernel(size: number, cin: number, cout: number, seed: number): number[][][][] {
  const kv = numbers(size * size * cin * cout, seed, 0.6);
  const r = Array.from({ length: size }, (_, i) => i);
  return r.map((dy) => r.map((dx) => Array.from({ length: cin }, (_, ci) => Array.from({ length: cout }, (_, co) => kv[((dy * size + dx) * cin + ci) * cout + co]))));
}

/** 6×6×2 → conv 3×3 (3 filters) → ReLU [→ conv 1×1 (4 filters) → ReLU] → 2×2 pool → Dense(3). */
function cnnSpec(pool: 'max' | 'avg', opts: { bias?: boolean; twoConvs?: boolean } = {}): CnnSpec {
  const bias = opts.bias ?? true;
  const convs = [{ kernel: convKernel(3, 2, 3, 31), bias: bias ? numbers(3, 32, 0.2) : [0, 0, 0] }];
  if (opts.twoConvs) convs.push({ kernel: convKernel(1, 3, 4, 35), bias: bias ? numbers(4, 36, 0.2) : [0, 0, 0, 0] });
  const pooled = 2 * 2 * convs[convs.length - 1].bias.length;
  return {
    H: 6, W: 6, C: 2, convs, pool,
    dense: { w: matrix(pooled, 3, 33, 0.7), b: bias ? numbers(3, 34, 0.2) : [0, 0, 0] },
  };
}

/** The CNN as a tf.layers model (softmax head: the explained score is still the logit). */
function cnnModel(spec: CnnSpec, softmax = true): ExplainableModel {
  const convs = spec.convs.map((c, l) =>
    tf.layers.conv2d({ inputShape: l === 0 ? [spec.H, spec.W, spec.C] : undefined, filters: c.bias.length, kernelSize: c.kernel.length, activation: 'relu' }),
  );
  const dense = tf.layers.dense({ units: spec.dense.b.length, activation: softmax ? 'softmax' : 'linear' });
  const m = tf.sequential({
    layers: [...convs, spec.pool === 'max' ? tf.layers.maxPooling2d({ poolSize: 2 }) : tf.layers.averagePooling2d({ poolSize: 2 }), tf.layers.flatten(), dense],
  });
  convs.forEach((layer, l) => layer.setWeights([tf.tensor4d(spec.convs[l].kernel), tf.tensor1d(spec.convs[l].bias)]));
  dense.setWeights([tf.tensor2d(spec.dense.w), tf.tensor1d(spec.dense.b)]);
  return wrap(m);
}

const COMPOSITES: Composite[] = ['epsilon', 'zero', 'epsilon-plus', 'epsilon-gamma-box', 'epsilon-alpha2-beta1'];
const OPTIONS = { epsilon: 0.05, gamma: 0.25, inputBounds: [-1, 1] as [number, number] };
const refOptions = { epsilon: OPTIONS.epsilon, gamma: OPTIONS.gamma, low: -1, high: 1 };

// ---- against the explicit reference ----------------------------------------------------------------------------

test('every composite equals the explicit reference on a Dense-ReLU-Dense-ReLU-Dense MLP', async () => {
  const layers = mlpLayers({ bias: true });
  const model = mlpModel(layers);
  const x = numbers(6, 43); // every hidden layer has live units for this input
  for (const composite of COMPOSITES) {
    for (const target of [0, 1, 2]) {
      const ref = referenceMlp(layers, x, target, composite as RefComposite, refOptions);
      const got = await runLrp(model, x, target, { composite, ...OPTIONS });
      assertRelClose(got.values, ref.R, 1e-5, `${composite} target ${target}`);
      assert.ok(Math.abs((got.checks.relevanceOut as number) - ref.logit) < 1e-5, 'relevanceOut is the logit');
    }
  }
  model.dispose();
});

test('every composite equals the explicit reference on Conv-ReLU-Pool-Dense CNNs (one or two convs, max and average pooling, softmax head)', async () => {
  const ruleName: Record<Composite, [string, string]> = {
    epsilon: ['ε=0.05', 'ε=0.05'],
    zero: ['LRP-0', 'LRP-0'],
    'epsilon-plus': ['z⁺', 'z⁺'],
    'epsilon-gamma-box': ['zᴮ', 'γ=0.25'],
    'epsilon-alpha2-beta1': ['α2β1', 'α2β1'],
  };
  for (const twoConvs of [false, true]) {
    for (const pool of ['max', 'avg'] as const) {
      const spec = cnnSpec(pool, { twoConvs });
      const model = cnnModel(spec);
      const x = numbers(6 * 6 * 2, 42);
      for (const composite of COMPOSITES) {
        const what = `${twoConvs ? 2 : 1} convs, ${pool} pool, ${composite}`;
        for (const target of [0, 1]) {
          const ref = referenceCnn(spec, x, target, composite as RefComposite, refOptions);
          const got = await runLrp(model, x, target, { composite, ...OPTIONS });
          assertRelClose(got.values, ref.R, 1e-5, what);
          assert.ok(Math.abs((got.checks.relevanceOut as number) - ref.logit) < 1e-5, 'starts from the pre-softmax logit');
        }
        const [first, rest] = ruleName[composite];
        const got = await runLrp(model, x, 0, { composite, ...OPTIONS });
        const expected = twoConvs ? (first === rest ? `conv ${first} ×2` : `conv ${first} ×1, conv ${rest} ×1`) : `conv ${first} ×1`;
        assert.ok(String(got.checks.rules).startsWith(expected), `${what}: ${got.checks.rules}`);
      }
      model.dispose();
    }
  }
});

test('BatchNorm is merged into the conv or dense layer before it (canonizer): every composite equals the reference on the merged network', async () => {
  const bnEps = 1e-3;
  const stats = (n: number, seed: number) => ({
    gamma: numbers(n, seed, 0.5).map((v) => v + 1.1 * Math.sign(v || 1)), // mixed signs, |γ| > 0.6
    beta: numbers(n, seed + 1, 0.4),
    mean: numbers(n, seed + 2, 0.3),
    variance: numbers(n, seed + 3, 0.5).map((v) => v + 0.8),
  });
  const bnLayer = (st: ReturnType<typeof stats>) => {
    const layer = tf.layers.batchNormalization({ epsilon: bnEps });
    return { layer, set: () => layer.setWeights([st.gamma, st.beta, st.mean, st.variance].map((v) => tf.tensor1d(v))) };
  };
  const k = (st: ReturnType<typeof stats>, j: number) => st.gamma[j] / Math.sqrt(st.variance[j] + bnEps);

  // CNN: conv → BN → ReLU → max pool → dense; the reference conv has the merged kernel and bias.
  const spec = cnnSpec('max');
  const st = stats(3, 101);
  const conv = tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 });
  const bn = bnLayer(st);
  const dense = tf.layers.dense({ units: 3, activation: 'softmax' });
  const m = tf.sequential({ layers: [conv, bn.layer, tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), dense] });
  conv.setWeights([tf.tensor4d(spec.convs[0].kernel), tf.tensor1d(spec.convs[0].bias)]);
  bn.set();
  dense.setWeights([tf.tensor2d(spec.dense.w), tf.tensor1d(spec.dense.b)]);
  const merged: CnnSpec = {
    ...spec,
    convs: [
      {
        kernel: spec.convs[0].kernel.map((row) => row.map((cin) => cin.map((cout) => cout.map((w, j) => w * k(st, j))))),
        bias: spec.convs[0].bias.map((b, j) => (b - st.mean[j]) * k(st, j) + st.beta[j]),
      },
    ],
  };
  const model = wrap(m);
  const x = numbers(72, 42);
  for (const composite of COMPOSITES) {
    const ref = referenceCnn(merged, x, 2, composite as RefComposite, refOptions);
    const got = await runLrp(model, x, 2, { composite, ...OPTIONS });
    assertRelClose(got.values, ref.R, 1e-5, `conv+BN ${composite}`);
  }
  model.dispose();

  // MLP: dense → BN → ReLU → dense → ReLU → dense.
  const layers = mlpLayers({ bias: true });
  const st2 = stats(5, 111);
  const d = layers.map((l, i) => tf.layers.dense({ inputShape: i === 0 ? [6] : undefined, units: l.b.length, activation: i === 0 ? 'linear' : i === 1 ? 'relu' : 'linear' }));
  const bn2 = bnLayer(st2);
  const m2 = tf.sequential({ layers: [d[0], bn2.layer, tf.layers.reLU(), d[1], d[2]] });
  d.forEach((layer, i) => layer.setWeights([tf.tensor2d(layers[i].w), tf.tensor1d(layers[i].b)]));
  bn2.set();
  const mergedLayers: Dense[] = [
    { w: layers[0].w.map((row) => row.map((w, j) => w * k(st2, j))), b: layers[0].b.map((b, j) => (b - st2.mean[j]) * k(st2, j) + st2.beta[j]) },
    ...layers.slice(1),
  ];
  const model2 = wrap(m2);
  const x2 = numbers(6, 43);
  for (const composite of COMPOSITES) {
    const ref = referenceMlp(mergedLayers, x2, 0, composite as RefComposite, refOptions);
    const got = await runLrp(model2, x2, 0, { composite, ...OPTIONS });
    assertRelClose(got.values, ref.R, 1e-5, `dense+BN ${composite}`);
    const rules = String(got.checks.rules);
    const layerCount = [...rules.matchAll(/×(\d+)/g)].reduce((a, mm) => a + Number(mm[1]), 0);
    assert.ok(layerCount === 3 && !rules.includes('scale'), `BatchNorm is part of the first dense layer: ${rules}`);
  }
  model2.dispose();
});

// ---- conservation and LRP-0 ------------------------------------------------------------------------------------

test('conservation: bias-free ReLU network under LRP-0 gives Σ R_in = the logit exactly; with biases, the logit minus the biases\' share', async () => {
  const x = numbers(6, 43);
  const free = mlpLayers({ bias: false });
  const freeModel = mlpModel(free);
  const a = await runLrp(freeModel, x, 1, { composite: 'zero' });
  assert.ok(Math.abs(sum(a.values) - (a.checks.relevanceOut as number)) < 1e-5 * Math.abs(a.checks.relevanceOut as number) + 1e-7);
  assert.ok(Math.abs((a.checks.relevanceIn as number) - sum(a.values)) < 1e-6);
  freeModel.dispose();

  // With biases: each layer's bias b_j takes b_j · R_j / z_j; the input gets the rest.
  const biased = mlpLayers({ bias: true });
  const model = mlpModel(biased);
  const got = await runLrp(model, x, 1, { composite: 'zero' });
  const acts = [x];
  biased.forEach((d, l) => acts.push(l < biased.length - 1 ? relu(forwardDense(d, acts[l])) : forwardDense(d, acts[l])));
  let R = acts[3].map((v, k) => (k === 1 ? v : 0));
  let biasShare = 0;
  for (let l = biased.length - 1; l >= 0; l--) {
    const z = forwardDense(biased[l], acts[l]);
    biasShare += biased[l].b.reduce((s, b, j) => s + (z[j] === 0 ? 0 : (b * R[j]) / z[j]), 0);
    R = lrpDense(biased[l], acts[l], R, { name: 'epsilon', epsilon: 0 });
  }
  const logit = got.checks.relevanceOut as number;
  assert.ok(Math.abs(biasShare) > 1e-3, 'the biases take a visible share');
  assert.ok(Math.abs(sum(got.values) - (logit - biasShare)) < 1e-5, `Σ R_in ${sum(got.values)} vs logit − bias share ${logit - biasShare}`);
  model.dispose();
});

test('LRP-0 equals gradient × input of the logit on a ReLU CNN (max pooling, biases)', async () => {
  const spec = cnnSpec('max', { twoConvs: true });
  const model = cnnModel(spec, false);
  const x = numbers(6 * 6 * 2, 44);
  const got = await runLrp(model, x, 2, { composite: 'zero' });
  const gx = tf.tidy(() => {
    const xt = tf.tensor(x, [1, 6, 6, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(model.predict(t), tf.oneHot([2], 3))))(xt);
    return Array.from(tf.mul(g, xt).dataSync());
  });
  assertRelClose(got.values, gx, 1e-5, 'LRP-0 vs gradient × input');
  model.dispose();

  // A binary head: the explained score is the logit under the final sigmoid.
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  let k = 90;
  for (const layer of m.layers) layer.setWeights(layer.getWeights().map((w) => tf.tensor(numbers(w.size, k++, 0.8), w.shape)));
  const binary = wrap(m);
  const xb = numbers(6, 43);
  const [gb, logit] = tf.tidy(() => {
    const [w1, b1] = m.layers[0].getWeights();
    const [w2, b2] = m.layers[1].getWeights();
    const logitOf = (t: tf.Tensor) => tf.sum(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(t as tf.Tensor2D, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D), b2));
    const xt = tf.tensor2d(xb, [1, 6]);
    const g = tf.grad(logitOf)(xt);
    return [Array.from(tf.mul(g, xt).dataSync()), logitOf(xt).dataSync()[0]];
  }) as [number[], number];
  const gotB = await runLrp(binary, xb, 0, { composite: 'zero' });
  assert.ok(Math.abs((gotB.checks.relevanceOut as number) - logit) < 1e-5, 'starts from the logit under the sigmoid');
  assertRelClose(gotB.values, gb, 1e-5, 'LRP-0 vs gradient × input of the logit (sigmoid head)');
  binary.dispose();
});

// ---- rule properties ---------------------------------------------------------------------------------------------

test('z⁺ and α1β0 give non-negative relevance to non-negative inputs, and agree', () => {
  tf.tidy(() => {
    // One conv layer with a BatchNorm-like per-channel scale of mixed sign and a bias, through the rules directly.
    const x = tf.abs(tf.tensor(numbers(5 * 5 * 2, 51), [1, 5, 5, 2]));
    const w = tf.tensor(numbers(3 * 3 * 2 * 4, 52), [3, 3, 2, 4]);
    const parts = { all: w, pos: tf.relu(w), neg: tf.minimum(w, 0) };
    const kernel: LinearKernel = {
      forward: (u, p) => tf.conv2d(u as tf.Tensor4D, parts[p] as tf.Tensor4D, 1, 'same'),
      transpose: (v, p) => tf.conv2dTranspose(v as tf.Tensor4D, parts[p] as tf.Tensor4D, [1, 5, 5, 2], 1, 'same'),
    };
    const scale = tf.tensor1d([1.5, -0.7, 0.3, 2]);
    const z = tf.add(tf.mul(scale, kernel.forward(x, 'all')), tf.tensor1d([0.2, -0.1, 0.3, -0.4]));
    const R = tf.abs(tf.tensor(numbers(5 * 5 * 4, 53), [1, 5, 5, 4]));
    const layer = { kernel, scale, x, z };
    const zplus = propagate(layer, R, { name: 'zplus', stabilizer: 1e-6 });
    const a1b0 = propagate(layer, R, { name: 'alpha-beta', alpha: 1, beta: 0, stabilizer: 1e-6 });
    assert.ok(tf.min(zplus).dataSync()[0] >= 0, 'z⁺ is non-negative');
    assert.ok(tf.max(zplus).dataSync()[0] > 0);
    assertRelClose(a1b0.dataSync(), zplus.dataSync(), 1e-6, 'α1β0 = z⁺');
    // Without the bias z⁺ conserves: Σ R_in = Σ R_out.
    const zNoBias = tf.mul(scale, kernel.forward(x, 'all'));
    const conserved = propagate({ kernel, scale, x, z: zNoBias }, R, { name: 'zplus', stabilizer: 1e-6 });
    const [rin, rout] = [tf.sum(conserved).dataSync()[0], tf.sum(R).dataSync()[0]];
    assert.ok(Math.abs(rin - rout) < 1e-4 * rout, `Σ R_in ${rin} vs Σ R_out ${rout}`);
  });
});

test('epsilon-plus on an all-convolution ReLU network with non-negative inputs gives non-negative relevance', async () => {
  const input = tf.input({ shape: [6, 6, 2] });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  let k = 60;
  for (const layer of m.layers) layer.setWeights(layer.getWeights().map((w) => tf.tensor(numbers(w.size, k++, 0.5), w.shape)));
  const model = wrap(m);
  const x = numbers(72, 61).map(Math.abs);
  const logits = tf.tidy(() => Array.from(model.predict(tf.tensor(x, [1, 6, 6, 2])).dataSync()));
  const target = logits.indexOf(Math.max(...logits));
  assert.ok(logits[target] > 0);
  const got = await runLrp(model, x, target, { composite: 'epsilon-plus' });
  assert.equal(got.checks.rules, 'conv z⁺ ×2');
  assert.ok(got.values.every((v) => v >= 0), 'all relevances ≥ 0');
  assert.ok(got.values.some((v) => v > 0));
  model.dispose();
});

test('a feature the model ignores (zero weights) gets exactly 0 under every composite', async () => {
  const layers = mlpLayers({ bias: true, deadInput: 3 });
  const model = mlpModel(layers);
  const x = numbers(6, 45);
  for (const composite of COMPOSITES) {
    const got = await runLrp(model, x, 0, { composite, ...OPTIONS });
    assert.ok(got.values[3] === 0, `${composite}: ${got.values[3]}`);
    assert.ok(got.values.some((v, i) => i !== 3 && v !== 0));
  }
  model.dispose();
});

// z⁺ and α2β1 need not conserve (a unit with relevance but no positive / negative contribution passes none on), so
// the conservation tests use the rules that must: ε (→ 0) and LRP-0, through Norm at the Add and the pooling.
test('residual Add splits relevance by contribution: a bias-free residual ReLU6 network conserves under LRP-0 and ε', async () => {
  const input = tf.input({ shape: [5, 5, 3] });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu6' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false }).apply(a) as tf.SymbolicTensor;
  const sumLayer = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(sumLayer) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, useBias: false, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  let k = 70;
  for (const layer of m.layers) layer.setWeights(layer.getWeights().map((w) => tf.tensor(numbers(w.size, k++, 0.6), w.shape)));
  const model = wrap(m);
  const x = numbers(75, 71);
  for (const composite of ['zero', 'epsilon'] as Composite[]) {
    const got = await runLrp(model, x, 0, { composite, epsilon: 1e-9 });
    const out0 = got.checks.relevanceOut as number;
    assert.ok(Math.abs(sum(got.values) - out0) < 1e-4 * Math.abs(out0), `${composite}: Σ R_in ${sum(got.values)} vs ${out0}`);
  }
  model.dispose();
});

test('tanh MLP built from raw ops: the same relevances when its hidden layer is split, permuted and duplicated', async () => {
  const W1 = matrix(6, 5, 111, 1.2);
  const [b1, W2, b2] = [numbers(5, 112), matrix(5, 3, 113, 2), numbers(3, 114)];
  const plain = tanhMlp([6], W1, b1, W2, b2);
  const split = splitPermutedTanhMlp([6], W1, b1, W2, b2);
  const x = numbers(6, 115, 2);
  for (const composite of ['epsilon', 'zero'] as Composite[]) {
    const a = await runLrp(plain, x, 1, { composite, epsilon: 0.01 });
    const b = await runLrp(split, x, 1, { composite, epsilon: 0.01 });
    assertRelClose(b.values, a.values, 1e-5, composite);
    assert.equal(a.checks.rules, composite === 'zero' ? 'dense LRP-0 ×2' : 'dense ε=0.01 ×2');
    assert.ok(Math.abs((a.checks.relevanceIn as number) - sum(a.values)) < 1e-5);
  }
  plain.dispose();
  split.dispose();
});

// ---- fixtures ----------------------------------------------------------------------------------------------------

/**
 * x ⊙ ∂logit/∂x with every activation's derivative replaced by its secant f(z)/z (0 at z = 0) and Softmax's by the
 * identity: the modified-gradient form of LRP-0, computed by tfjs' own backward pass.
 */
function secantGradientTimesInput(model: ExplainableModel, x: tf.Tensor, target: number): number[] {
  const secant = (kernelName: string, f: (t: tf.Tensor, attrs: Record<string, unknown>) => tf.Tensor): tf.GradConfig => ({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => tf.mul(dy as tf.Tensor, tf.divNoNan(f(saved[0], attrs as Record<string, unknown>), saved[0])) }),
  });
  const overrides: tf.GradConfig[] = [
    secant('Relu6', (t) => tf.relu6(t)),
    secant('Sigmoid', (t) => tf.sigmoid(t)),
    secant('ClipByValue', (t, a) => tf.clipByValue(t, a.clipValueMin as number, a.clipValueMax as number)),
    // Activation('relu6') computes minimum(6, relu(z)): the larger operand is the computed one.
    {
      kernelName: 'Minimum',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => {
        const secantOf = (t: tf.Tensor) => tf.mul(dy as tf.Tensor, tf.divNoNan(tf.minimum(a, b), t));
        return a.size >= b.size ? { a: () => secantOf(a), b: () => tf.zerosLike(b) } : { a: () => tf.zerosLike(a), b: () => secantOf(b) };
      },
    },
    { kernelName: 'Softmax', gradFunc: (dy) => ({ logits: () => dy as tf.Tensor }) },
  ];
  const stock = overrides.map((o) => tf.getGradient(o.kernelName));
  overrides.forEach((o) => tf.registerGradient(o));
  try {
    return tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(model.predict(t), tf.oneHot([target], model.outputSize))))(x);
      return Array.from(tf.mul(g, x).dataSync());
    });
  } finally {
    stock.forEach((s) => s && tf.registerGradient(s));
  }
}

test('ONNX CNN fixture (BatchNorm after ReLU, max/avg/global pooling, sigmoid, softmax): LRP-0 is the secant gradient × input; all composites run', async () => {
  const model = await loadModel(join(fixtures, 'onnx/cnn2d.onnx'));
  const ref = JSON.parse(readFileSync(join(fixtures, 'onnx/cnn2d.json'), 'utf8'));
  const x = ref.inputs[0] as number[];
  const xt = tf.tensor(x, [1, ...model.inputShape]);
  const expected = secantGradientTimesInput(model, xt, 1);
  xt.dispose();
  const got = await runLrp(model, x, 1, { composite: 'zero' });
  assertRelClose(got.values, expected, 1e-4, 'cnn2d LRP-0');
  for (const composite of COMPOSITES) {
    const r = await runLrp(model, x, 1, { composite, ...OPTIONS });
    assert.ok(r.values.every(Number.isFinite), composite);
    assert.ok(r.values.some((v) => v !== 0), composite);
  }
  model.dispose();
});

test('planted TF.js image model: LRP-0 equals gradient × input of the logit; epsilon-gamma-box gives zᴮ to the first conv', async () => {
  const model = await loadModel(join(fixtures, 'image/planted/model.json'));
  const n = model.inputShape.reduce((a, b) => a * b, 1);
  const x = numbers(n, 81).map(Math.abs);
  const xt = tf.tensor(x, [1, ...model.inputShape]);
  const expected = secantGradientTimesInput(model, xt, 0);
  xt.dispose();
  const got = await runLrp(model, x, 0, { composite: 'zero' });
  assertRelClose(got.values, expected, 1e-4, 'planted LRP-0');
  const box = await runLrp(model, x, 0, { composite: 'epsilon-gamma-box', inputBounds: [0, 1] });
  assert.equal(box.checks.rules, 'conv zᴮ ×1, conv γ=0.25 ×2, dense ε=0.000001 ×1');
  assert.ok(box.values.every(Number.isFinite));
  model.dispose();
});

async function loadMobilenet(biasFree: boolean): Promise<{ model: ExplainableModel; x: number[] }> {
  const dir = join(fixtures, 'mobilenet');
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const m = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }),
  );
  if (biasFree) {
    // Remove every bias: BatchNorm's shift β − γμ/√(σ²+ε) set to 0 (β = γμ/√(σ²+ε)); Conv_head's and the Dense bias 0.
    for (const layer of m.layers) {
      const cls = layer.getClassName();
      if (cls === 'BatchNormalization') {
        const [gamma, , mean, variance] = layer.getWeights();
        const eps = (layer.getConfig().epsilon as number) ?? 1e-3;
        const beta = tf.tidy(() => tf.div(tf.mul(gamma, mean), tf.sqrt(tf.add(variance, eps))));
        layer.setWeights([gamma, beta, mean, variance]);
        beta.dispose();
      } else if ((cls === 'Conv2D' || cls === 'Dense') && layer.getWeights().length === 2) {
        const [kernel, bias] = layer.getWeights();
        const zero = tf.zerosLike(bias);
        layer.setWeights([kernel, zero]);
        zero.dispose();
      }
    }
  }
  const meta = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8'));
  const x = Array.from(readFileSync(join(dir, meta.file)), (b) => b * meta.scale);
  return { model: wrap(m), x };
}

test('MobileNetV2-style fixture: LRP-0 is the secant gradient × input; with its biases removed every composite conserves through BatchNorm, depthwise convs and the residual Adds', async () => {
  const { model, x } = await loadMobilenet(false);
  const xt = tf.tensor(x, [1, ...model.inputShape]);
  const expected = secantGradientTimesInput(model, xt, 3);
  xt.dispose();
  const got = await runLrp(model, x, 3, { composite: 'zero' });
  assertRelClose(got.values, expected, 1e-3, 'mobilenet LRP-0');
  model.dispose();

  // ε and LRP-0 conserve on any bias-free network; z⁺, γ and zᴮ do here because every unit that carries relevance has
  // a positive contribution (ReLU6 inputs ≥ 0). α2β1 would not: the depthwise kernels are all-positive blurs, so their
  // β term is empty and α = 2 doubles the relevance.
  const free = await loadMobilenet(true);
  for (const composite of ['zero', 'epsilon', 'epsilon-plus', 'epsilon-gamma-box'] as Composite[]) {
    const r = await runLrp(free.model, free.x, 3, { composite, epsilon: 1e-9, inputBounds: [0, 1] });
    const out = r.checks.relevanceOut as number;
    assert.ok(Math.abs(sum(r.values) - out) < 1e-3 * Math.abs(out), `${composite}: Σ R_in ${sum(r.values)} vs R_out ${out}`);
    assert.match(String(r.checks.rules), /conv/);
    assert.equal(r.checks.gradientOps, undefined, 'no kernel fell back to a non-structural gradient');
  }
  free.model.dispose();
});

// ---- hygiene -----------------------------------------------------------------------------------------------------

test('gradient configs and kernels are restored, also when the forward pass throws; no tensors leak', async () => {
  const names = Object.keys(SAVES);
  const grads = () => names.map((k) => tf.getGradient(k));
  const kernels = () => Object.keys(HIDDEN).map((k) => tf.getKernel(k, tf.getBackend()));
  const [g0, k0] = [grads(), kernels()];

  const layers = mlpLayers({ bias: true });
  const model = mlpModel(layers, true);
  const x = numbers(6, 46);
  await runLrp(model, x, 0, { composite: 'epsilon-plus' }); // warm-up (tfjs caches)
  const before = tf.memory().numTensors;
  for (const composite of COMPOSITES) await runLrp(model, x, 0, { composite, ...OPTIONS });
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  assert.deepEqual(grads(), g0);
  assert.deepEqual(kernels(), k0);

  const throwing: ExplainableModel = {
    ...model,
    predict: (t) => {
      tf.matMul(tf.reshape(t, [1, 6]), tf.ones([6, 2]));
      throw new Error('boom');
    },
  };
  const xt = tf.tensor(x, [1, 6]);
  const count = tf.memory().numTensors;
  assert.throws(() => lrp(throwing, xt, 0, { composite: 'zero', epsilon: 0, gamma: 0 }), /boom/);
  assert.equal(tf.memory().numTensors, count, 'no tensors leaked by the failed pass');
  xt.dispose();
  assert.deepEqual(grads(), g0);
  assert.deepEqual(kernels(), k0);
  // Gradients still work afterwards (the tape was closed).
  const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(tf.ones([2])).dataSync());
  assert.deepEqual(Array.from(g), [2, 2]);
  model.dispose();
});

test('options are validated; epsilon-gamma-box requires inputBounds', () => {
  const model = { inputShape: [2] } as ExplainableModel;
  const resolved = lrpMethod.resolveOptions({}, model);
  assert.deepEqual([resolved.composite, resolved.epsilon, resolved.gamma], ['epsilon-plus', 1e-6, 0.25]);
  assert.throws(() => lrpMethod.resolveOptions({ composite: 'nope' as Composite }, model), (e: unknown) => e instanceof EngineError && e.code === 'OPTION_INVALID');
  assert.throws(() => lrpMethod.resolveOptions({ epsilon: -1 }, model), /epsilon/);
  assert.throws(() => lrpMethod.resolveOptions({ composite: 'epsilon-gamma-box' }, model), /inputBounds/);
  assert.throws(() => lrpMethod.resolveOptions({ composite: 'epsilon-gamma-box', inputBounds: [1, 0] }, model), /inputBounds/);
});
