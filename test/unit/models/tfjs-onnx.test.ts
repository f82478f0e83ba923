// TF.js layers models translated to ONNX (models/tfjsOnnx/) compute the same scores and input gradients as tfjs
// itself, layer class by layer class, and a translation that does not is refused before use.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { loadModel } from '../../../src/engine/models';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { TRANSLATED_PATH, TranslatedFastPath, type TfjsModelParts } from '../../../src/engine/models/tfjsOnnx/fastPath';
import { directionalCheck } from '../../../src/engine/models/tfjsOnnx/directionalCheck';
import { translateLayersModel } from '../../../src/engine/models/tfjsOnnx/translate';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveLayersModel } from '../../fixtures/tabular/save-model';

const FIXTURES = join(__dirname, '../../fixtures');
const planted = (file: string) => join(FIXTURES, 'image/planted', file);

before(async () => {
  await initBackend('wasm');
  // Layer initializers draw from Math.random: seeded, so every run builds the same models.
  let state = Number(process.env.LENS_TEST_SEED ?? 12345) >>> 0;
  Math.random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
});

function partsOf(model: tf.LayersModel, predict?: (x: tf.Tensor) => tf.Tensor2D): TfjsModelParts {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const outputSize = (model.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  return {
    layers: model,
    inputShape,
    outputSize,
    file: '/virtual/model.json',
    predict: predict ?? ((x) => tf.tidy(() => (model.predict(x) as tf.Tensor).reshape([x.shape[0], outputSize]) as tf.Tensor2D)),
  };
}

/** Scores and target gradients through ONNX Runtime vs tfjs on inputs the fast path's own check never saw. */
async function assertSameAsTfjs(model: tf.LayersModel, name: string): Promise<void> {
  const parts = partsOf(model);
  const fast = new TranslatedFastPath(parts);
  assert.equal(await fast.prepare(), true, `${name}: ${fast.reason}`);
  const x = tf.randomUniform([3, ...parts.inputShape], -2, 2, 'float32', 11);
  try {
    const want = await parts.predict(x).data();
    const got = await (await fast.predict(x))!.data();
    const scale = Math.max(...Array.from(want, Math.abs), 1e-6);
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * scale, `${name}: score ${i}: tfjs ${v}, onnx ${got[i]}`));
    const target = parts.outputSize - 1;
    const mask = tf.oneHot([target], parts.outputSize).reshape([1, parts.outputSize]);
    const gradWant = await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(parts.predict(v), mask)))(x).data();
    const gradGot = await (await fast.gradients({}, x, target))!.data();
    const gScale = Math.max(...Array.from(gradWant, Math.abs), 1e-6);
    let worst = 0;
    gradWant.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gradGot[i]))));
    assert.ok(worst <= 1e-3 * gScale, `${name}: gradient differs by ${worst} (scale ${gScale})`);
  } finally {
    x.dispose();
    fast.dispose();
  }
}

const seq = (layers: tf.layers.Layer[]) => {
  const m = tf.sequential();
  layers.forEach((l) => m.add(l));
  return m;
};

// (tfjs cannot differentiate dilated convolutions, so there is no reference for them here.)
test('convolutions: strides, same/valid padding, depthwise multiplier, separable, bias off', async () => {
  await assertSameAsTfjs(
    seq([
      tf.layers.conv2d({ inputShape: [11, 9, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'valid', useBias: false, activation: 'tanh' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'elu' }),
      tf.layers.separableConv2d({ filters: 4, kernelSize: 2, depthMultiplier: 2, padding: 'valid', activation: 'sigmoid' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ]),
    'conv2d stack',
  );
});

test('pooling: max and average, same and valid, global max and average; 1D convolutions and pools', async () => {
  await assertSameAsTfjs(
    seq([
      // tanh, not relu: relu's zeros tie in the global max, where tfjs gives every tied element the whole gradient
      // and ONNX Runtime's MaxPool the first one (the fast path's check then refuses the translation).
      tf.layers.conv2d({ inputShape: [9, 10, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }),
      tf.layers.globalMaxPooling2d({}),
      tf.layers.dense({ units: 2 }),
    ]),
    'pools 2d (global max)',
  );
  await assertSameAsTfjs(
    seq([
      tf.layers.averagePooling2d({ inputShape: [8, 8, 3], poolSize: 2, padding: 'valid' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softplus' }),
    ]),
    'pools 2d (global average)',
  );
  await assertSameAsTfjs(
    seq([
      tf.layers.conv1d({ inputShape: [20, 3], filters: 4, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      tf.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.averagePooling1d({ poolSize: 2, padding: 'same' }),
      tf.layers.globalMaxPooling1d({}),
      tf.layers.dense({ units: 3 }),
    ]),
    'conv1d stack',
  );
});

test('normalization, padding, cropping, reshaping and activations', async () => {
  await assertSameAsTfjs(
    seq([
      tf.layers.zeroPadding2d({ inputShape: [6, 7, 3], padding: [[1, 2], [0, 1]] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3 }),
      tf.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones', gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.cropping2D({ cropping: [[1, 0], [1, 1]] }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.reshape({ targetShape: [24, 4] }),
      tf.layers.layerNormalization({ gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.dense({ units: 5, activation: 'swish' }),
      tf.layers.activation({ activation: 'softsign' }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 4, activation: 'selu' }),
      tf.layers.dense({ units: 4, activation: 'gelu' }),
      tf.layers.dense({ units: 4, activation: 'mish' }),
      tf.layers.dense({ units: 4, activation: 'hardSigmoid' }),
      tf.layers.dense({ units: 3 }),
      tf.layers.softmax(),
    ]),
    'mixed',
  );
});

test('functional graphs: residual add, concatenate (channel axis), multiply, average, a nested model', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ axis: -1 }).apply([sum, b]) as tf.SymbolicTensor;
  const inner = seq([tf.layers.conv2d({ inputShape: [8, 8, 8], filters: 8, kernelSize: 3, padding: 'same', activation: 'tanh' })]);
  const nested = inner.apply(cat) as tf.SymbolicTensor;
  const prod = tf.layers.multiply().apply([nested, cat]) as tf.SymbolicTensor;
  const avg = tf.layers.average().apply([prod, nested, cat]) as tf.SymbolicTensor;
  const flat = tf.layers.globalAveragePooling2d({}).apply(avg) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor;
  await assertSameAsTfjs(tf.model({ inputs: input, outputs: out }), 'functional');
});

test('decoders and volumes: transposed convolutions (same, valid, stride 2), upsampling (nearest, bilinear), 3D convolutions and pools, RepeatVector', async () => {
  await assertSameAsTfjs(
    seq([
      tf.layers.conv2d({ inputShape: [6, 5, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid' }),
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 3, padding: 'valid' }),
      tf.layers.upSampling2d({ size: [2, 3] }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 3 }),
      tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ]),
    'decoder',
  );
  // (3D gradients on wasm need the engine's Conv3DBackpropInputV2: the stock wasm kernel is wrong.)
  await assertSameAsTfjs(
    seq([
      tf.layers.conv3d({ inputShape: [6, 6, 5, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.averagePooling3d({ poolSize: [1, 2, 2], padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'tanh' }),
      tf.layers.repeatVector({ n: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ]),
    'volumes',
  );
});

test('a layer without a translation leaves the model on tfjs, and says which layer', () => {
  const m = seq([tf.layers.simpleRNN({ inputShape: [5, 3], units: 4 }), tf.layers.dense({ units: 2 })]);
  const t = translateLayersModel(m, [5, 3], 2, '/virtual/model.json');
  assert.ok('reason' in t);
  assert.match(t.reason, /SimpleRNN/);
});

test('a translation whose scores differ from the model is refused (the check can fail)', async () => {
  const m = seq([tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }), tf.layers.dense({ units: 2 })]);
  const honest = partsOf(m);
  // The reference says the model doubles its scores: the translated model no longer agrees with it.
  const fast = new TranslatedFastPath({ ...honest, predict: (x) => tf.tidy(() => tf.mul(honest.predict(x), 2) as tf.Tensor2D) });
  assert.equal(await fast.prepare(), false);
  assert.match(fast.reason ?? '', /scores differ/);
  assert.equal(await fast.gradients({}, tf.zeros([1, 4]), 0), undefined);
});

test('fixture models run their gradients on ONNX Runtime, and IG completeness holds there', async () => {
  for (const path of [planted('model.json'), join(FIXTURES, 'mobilenet/model.json')]) {
    const model = await loadModel(path);
    try {
      assert.equal(await model.prepareFastPaths!(), true, `${path}: ${model.fastPathNote}`);
      assert.equal(model.fastGradientPath, TRANSLATED_PATH);
    } finally {
      model.dispose();
    }
  }
  const models = new ModelRegistry();
  const result = await explain({
    modelPath: planted('model.json'),
    input: { kind: 'image-file', path: join(FIXTURES, 'image/test/000.png') },
    method: 'integrated-gradients',
    options: { steps: 64 },
  }, models);
  models.clear();
  const checks = result.checks as { gradientPath: string; convergenceDelta: number; inputScore: number; baselineScore: number };
  assert.equal(checks.gradientPath, TRANSLATED_PATH);
  const gap = Math.abs(checks.inputScore - checks.baselineScore);
  assert.ok(gap > 0.1 && Math.abs(checks.convergenceDelta) <= 0.02 * gap, `completeness: ${JSON.stringify(checks)}`);
});

test('a model without a translation explains on tfjs and its checks say why the native path is not used', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lens-rnn-')), 'rnn');
  await saveLayersModel(seq([tf.layers.simpleRNN({ inputShape: [4, 3], units: 5 }), tf.layers.dense({ units: 2 })]), dir);
  const models = new ModelRegistry();
  try {
    const values = Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const result = await explain({ modelPath: join(dir, 'model.json'), input: { kind: 'tensor', data: { shape: [4, 3], values } }, method: 'saliency' }, models);
    const checks = result.checks as { gradientPath: string; fastPathNote?: string };
    assert.match(checks.gradientPath, /^tfjs/);
    assert.match(checks.fastPathNote ?? '', /SimpleRNN/);
  } finally {
    models.clear();
  }
});

test('dilated convolutions, which tfjs cannot differentiate, get gradients checked by central differences', async () => {
  // Linear (no activations): the central differences below are exact, element by element.
  const m = seq([
    tf.layers.conv2d({ inputShape: [9, 8, 2], filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 2 }),
  ]);
  const parts = partsOf(m);
  assert.throws(() => tf.grad((v: tf.Tensor) => tf.sum(parts.predict(v)))(tf.zeros([1, 9, 8, 2])), /dilation/, 'tfjs still cannot');
  const fast = new TranslatedFastPath(parts);
  try {
    assert.equal(await fast.prepare(), true, fast.reason);
    const x = Float32Array.from({ length: 144 }, (_, i) => Math.cos(i));
    const g = (await fast.gradientsRaw({}, x, 1, 1))!;
    const h = 1e-2;
    const score = async (v: Float32Array) => (await (await fast.predict(tf.tensor(v, [1, 9, 8, 2])))!.data())[1];
    for (const i of [0, 17, 71, 143]) {
      const up = x.slice();
      const down = x.slice();
      up[i] += h;
      down[i] -= h;
      const numeric = ((await score(up)) - (await score(down))) / (2 * h);
      assert.ok(Math.abs(numeric - g[i]) <= 1e-3 * (1 + Math.abs(numeric)), `element ${i}: numeric ${numeric}, ONNX Runtime ${g[i]}`);
    }
  } finally {
    fast.dispose();
  }
});

test('the central-difference check passes a true gradient through ReLU kinks and fails a wrong one', async () => {
  const size = 64;
  const w = Float32Array.from({ length: size }, (_, i) => Math.sin(3 * i));
  // f(x) = Σ relu(w_i x_i) + (Σ x_i)² / 10: ReLU kinks, a curved part, and a known gradient.
  const f = (x: ArrayLike<number>) => {
    let s = 0;
    let t = 0;
    for (let i = 0; i < size; i++) {
      s += Math.max(0, w[i] * x[i]);
      t += x[i];
    }
    return s + (t * t) / 10;
  };
  const score = async (values: Float32Array, rows: number) => Array.from({ length: rows }, (_, r) => f(values.subarray(r * size, (r + 1) * size)));
  const x = Float32Array.from({ length: size }, (_, i) => Math.cos(5 * i));
  const sum = x.reduce((a, b) => a + b, 0);
  const truth = Float32Array.from(x, (v, i) => (w[i] * v > 0 ? w[i] : 0) + sum / 5);
  assert.ok((await directionalCheck(score, x, truth)).error < 0.05);
  const swapped = truth.slice().reverse(); // a mislaid layout
  assert.ok((await directionalCheck(score, x, swapped)).error > 0.05);
  const halved = truth.map((v) => v / 2); // a lost factor
  assert.ok((await directionalCheck(score, x, halved)).error > 0.05);
});
