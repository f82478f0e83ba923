// Parity of our wasm kernels with the cpu backend (both run in this process), and gradients of small networks.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { clearKernelCaches, wasmKernelNames } from '../../../src/engine/backend/wasmKernels';
import { heapAddress, moduleBytes, setSimdDisabled, simdKernels } from '../../../src/engine/backend/wasmKernels/simd';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Backend = 'cpu' | 'wasm';
interface Result {
  shape: number[];
  dtype: string;
  data: number[];
}

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded values in [-1, 1), the same on every backend. */
function values(shape: number[], seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1);
}
const rnd = (shape: number[], seed: number) => tf.tensor(values(shape, seed), shape);

/**
 * Runs f on `backend` inside a tidy and returns its outputs as plain data. On wasm it also checks that nothing is left
 * in the backend afterwards (our kernels free their intermediates).
 */
async function on(backend: Backend, f: () => tf.Tensor | tf.Tensor[], checkLeaks = true): Promise<Result[]> {
  await tf.setBackend(backend);
  const before = tf.engine().backend.numDataIds();
  const outs = tf.tidy(f);
  const list = Array.isArray(outs) ? outs : [outs];
  const res = list.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(list);
  clearKernelCaches(); // filters derived from weights are cached while the weights live; here they are gone
  if (backend === 'wasm' && checkLeaks) assert.equal(tf.engine().backend.numDataIds(), before, 'wasm data leaked');
  await tf.setBackend('wasm');
  return res;
}

function assertClose(actual: Result, expected: Result, rel: number, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  let scale = 0;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(scale > 0, `${label}: reference is all zeros, the case tests nothing`);
  assert.ok(worst <= rel * scale, `${label}: |wasm − cpu| = ${worst} at ${at} > ${rel} × ${scale}`);
}

/** wasm vs cpu to `rel` of the largest reference value (exact when rel = 0). */
async function parity(label: string, f: () => tf.Tensor | tf.Tensor[], rel = 1e-4, checkLeaks = true): Promise<void> {
  const cpu = await on('cpu', f, checkLeaks);
  const wasm = await on('wasm', f, checkLeaks);
  assert.equal(wasm.length, cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    if (rel === 0) assert.deepEqual(wasm[i], cpu[i], `${label} [${i}]`);
    else assertClose(wasm[i], cpu[i], rel, `${label} [${i}]`);
  }
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Stride = number | [number, number];

function outShape(x: number[], f: number[], strides: Stride, pad: Pad, dilations: number, depthwise: boolean): number[] {
  return tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], strides, dilations, pad, undefined, depthwise).outShape;
}

test('the missing gradient kernels are registered for wasm', () => {
  for (const name of [...wasmKernelNames.added, ...wasmKernelNames.overridden]) {
    assert.ok(tf.getKernel(name, 'wasm'), `${name} is registered`);
  }
  for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']) {
    assert.ok(wasmKernelNames.added.includes(name), `${name} is added`);
  }
});

test('Conv3DBackpropInputV2 (a correction: the stock wasm kernel is wrong) matches cpu (strides 1/2, same/valid, batch 2)', async () => {
  const cases: [number[], number[], [number, number, number] | number, 'same' | 'valid'][] = [
    [[1, 6, 6, 5, 2], [3, 3, 3, 2, 3], 1, 'same'],
    [[2, 5, 7, 6, 3], [2, 3, 2, 3, 4], 2, 'same'],
    [[2, 7, 6, 5, 2], [3, 2, 3, 2, 2], [1, 2, 2], 'valid'],
  ];
  for (const [x, f, s, pad] of cases) {
    const dy = tf.conv3d(tf.zeros(x as [number, number, number, number, number]) as tf.Tensor5D, tf.zeros(f as [number, number, number, number, number]) as tf.Tensor5D, s as [number, number, number], pad).shape;
    await parity(`conv3d dx ${x} ${f} s${s} ${pad}`, () =>
      run('Conv3DBackpropInputV2', { dy: rnd(dy, 3), filter: rnd(f, 4) }, { strides: typeof s === 'number' ? [s, s, s] : s, pad, inputShape: x }),
    );
  }
});

test('MaxPool3D and MaxPool3DGrad (corrections: stock wasm starts the max at FLT_MIN) match cpu on negative values, same/valid, strides 1/2', async () => {
  const cases: [number[], [number, number, number], number, 'same' | 'valid'][] = [
    [[1, 4, 4, 4, 2], [2, 2, 2], 2, 'valid'],
    [[2, 5, 6, 4, 3], [3, 2, 2], 1, 'same'],
    [[1, 6, 5, 7, 1], [2, 3, 3], 2, 'same'],
  ];
  for (const [x, f, s, pad] of cases) {
    // Shifted below zero: every window is negative, where the stock kernels fail.
    const input = () => tf.sub(rnd(x, 5), 3);
    await parity(`maxPool3d ${x} ${f} s${s} ${pad}`, () => tf.maxPool3d(input() as tf.Tensor5D, f, s, pad));
    await parity(`maxPool3d grad ${x} ${f} s${s} ${pad}`, () => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool3d(v as tf.Tensor5D, f, s, pad), 1.5)))(input()));
  }
});

// Conv2DBackprop* have no dilations attribute in tfjs (the conv2d gradient rejects dilated convs), so dilation is
// covered by the depthwise kernels below.
const convCases: [number[], number[], Stride, Pad][] = [
  [[1, 8, 8, 3], [3, 3, 3, 4], 1, 'same'],
  [[2, 9, 7, 3], [3, 3, 3, 5], 2, 'same'],
  [[2, 9, 7, 3], [3, 2, 3, 5], 2, 'valid'],
  [[1, 7, 7, 2], [2, 2, 2, 3], 2, 'same'],
  [[2, 11, 9, 3], [5, 3, 3, 2], 3, 'same'],
  [[1, 10, 10, 4], [1, 1, 4, 6], 1, 'same'],
  [[2, 10, 9, 4], [1, 1, 4, 6], 2, 'valid'],
  [[1, 13, 11, 8], [1, 1, 8, 3], 1, 'valid'],
  [[1, 9, 9, 2], [3, 3, 2, 2], 1, 1],
  [[2, 9, 8, 2], [3, 3, 2, 3], [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]],
  [[1, 17, 15, 3], [3, 3, 3, 8], 2, 'same'],
];

test('Conv2DBackpropInput matches cpu (strides 1/2/3, same/valid/explicit, batch 2, odd sizes, 1×1)', async () => {
  for (const [x, f, s, pad] of convCases) {
    const dy = outShape(x, f, s, pad, 1, false);
    await parity(`dx ${x} ${f} s${s} ${JSON.stringify(pad)}`, () =>
      run('Conv2DBackpropInput', { dy: rnd(dy, 1), filter: rnd(f, 2) }, { strides: s, pad, dataFormat: 'NHWC', inputShape: x }),
    );
  }
});

test('filters derived from weights are cached per weight tensor: a reassigned variable is seen, a freed one frees them', async () => {
  await tf.setBackend('wasm');
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 6, 6, 8] }; // 8 input channels: the flipped-filter conv, not the fused stem loop
  const dy = rnd([1, 6, 6, 3], 60);
  const w = tf.variable(rnd([3, 3, 8, 3], 61));
  const dx = (filter: tf.Tensor) => tf.tidy(() => Array.from(run('Conv2DBackpropInput', { dy, filter }, attrs).dataSync()));
  const first = dx(w);
  assert.deepEqual(dx(w), first, 'a cached filter gives the same result');
  w.assign(rnd([3, 3, 8, 3], 62));
  const reassigned = dx(w);
  const fresh = dx(rnd([3, 3, 8, 3], 62));
  assert.deepEqual(reassigned, fresh, 'after assign the new values are used');
  assert.notDeepEqual(reassigned, first);
  w.dispose();
  clearKernelCaches();
  const ids = () => tf.engine().backend.numDataIds();
  const base = ids();
  const variable = (seed: number) => {
    const init = rnd([3, 3, 8, 3], seed);
    const v = tf.variable(init);
    init.dispose();
    return v;
  };
  const a = variable(63);
  dx(a);
  assert.equal(ids(), base + 2, 'the weights and one cached derived filter');
  a.dispose();
  assert.equal(ids(), base + 1, 'the derived filter outlives its weights until the next lookup');
  const b = variable(64);
  dx(b);
  assert.equal(ids(), base + 2, "the lookup freed a's derived filter and cached b's");
  b.dispose();
  clearKernelCaches();
  dy.dispose();
});

test('Conv2DBackpropFilter matches cpu (strides 1/2/3, same/valid/explicit, batch 2, odd sizes, 1×1)', async () => {
  for (const [x, f, s, pad] of convCases) {
    const dy = outShape(x, f, s, pad, 1, false);
    await parity(`dw ${x} ${f} s${s} ${JSON.stringify(pad)}`, () =>
      run('Conv2DBackpropFilter', { x: rnd(x, 3), dy: rnd(dy, 4) }, { strides: s, pad, dataFormat: 'NHWC', filterShape: f }),
    );
  }
});

test('conv backprop kernels accept NCHW', async () => {
  const [n, h, w, c, oc] = [2, 9, 8, 3, 4];
  const f = [3, 3, c, oc];
  const dyNhwc = outShape([n, h, w, c], f, 2, 'same', 1, false);
  const dyNchw = [dyNhwc[0], dyNhwc[3], dyNhwc[1], dyNhwc[2]];
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
  await parity('dx NCHW', () => run('Conv2DBackpropInput', { dy: rnd(dyNchw, 5), filter: rnd(f, 6) }, { ...attrs, inputShape: [n, c, h, w] }));
  await parity('dw NCHW', () => run('Conv2DBackpropFilter', { x: rnd([n, c, h, w], 7), dy: rnd(dyNchw, 8) }, { ...attrs, filterShape: f }));
});

const depthwiseCases: [number[], number[], Stride, Pad, number][] = [
  [[1, 8, 8, 3], [3, 3, 3, 1], 1, 'same', 1],
  [[2, 9, 7, 3], [3, 3, 3, 2], 2, 'same', 1],
  [[2, 9, 7, 3], [3, 2, 3, 2], 2, 'valid', 1],
  [[1, 13, 13, 4], [3, 3, 4, 1], 2, 'valid', 1],
  [[1, 7, 7, 2], [2, 2, 2, 1], 2, 'same', 1],
  [[2, 8, 9, 3], [3, 3, 3, 2], 1, 1, 1],
  [[1, 11, 11, 2], [3, 3, 2, 1], 1, 'same', 2],
  [[2, 12, 10, 3], [3, 3, 3, 2], 1, 'valid', 2],
  [[1, 12, 13, 2], [2, 3, 2, 2], 1, 2, 2],
];

/** The filter with d−1 zeros between taps: a conv with it at dilation 1 is the conv with the filter at dilation d. */
function dilateFilter(f: tf.Tensor, d: number): tf.Tensor {
  if (d === 1) return f;
  const [fh, fw, c, m] = f.shape;
  const spread = tf.pad(f.reshape([fh, 1, fw, 1, c, m]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0], [0, 0]]);
  return spread.reshape([fh * d, fw * d, c, m]).slice([0, 0, 0, 0], [(fh - 1) * d + 1, (fw - 1) * d + 1, c, m]);
}

// The cpu depthwise backprop kernels ignore `dilations` (tfjs never calls them with dilation > 1), so for dilation 2
// the reference is the cpu kernel on the explicitly dilated filter at dilation 1.
test('DepthwiseConv2dNativeBackpropInput matches cpu (multiplier 2, dilation 2, strides 1/2, same/valid/explicit)', async () => {
  for (const [x, f, s, pad, d] of depthwiseCases) {
    const dy = outShape(x, f, s, pad, d, true);
    const attrs = { strides: s, pad, inputShape: x };
    const cpu = await on('cpu', () =>
      run('DepthwiseConv2dNativeBackpropInput', { dy: rnd(dy, 9), filter: dilateFilter(rnd(f, 10), d) }, { ...attrs, dilations: 1 }),
    );
    const wasm = await on('wasm', () => run('DepthwiseConv2dNativeBackpropInput', { dy: rnd(dy, 9), filter: rnd(f, 10) }, { ...attrs, dilations: d }));
    assertClose(wasm[0], cpu[0], 1e-4, `depthwise dx ${x} ${f} s${s} ${pad} d${d}`);
  }
});

test('DepthwiseConv2dNativeBackpropFilter matches cpu (multiplier 2, dilation 2, strides 1/2, same/valid/explicit)', async () => {
  for (const [x, f, s, pad, d] of depthwiseCases) {
    const dy = outShape(x, f, s, pad, d, true);
    const [fh, fw, c, m] = f;
    const dilated = [(fh - 1) * d + 1, (fw - 1) * d + 1, c, m];
    const cpu = await on('cpu', () => {
      const full = run('DepthwiseConv2dNativeBackpropFilter', { x: rnd(x, 11), dy: rnd(dy, 12) }, { strides: s, pad, dilations: 1, filterShape: dilated });
      // Keep the taps the dilated filter actually has.
      return tf.stack(
        Array.from({ length: fh }, (_, i) => tf.stack(Array.from({ length: fw }, (_, j) => full.slice([i * d, j * d, 0, 0], [1, 1, c, m]).reshape([c, m])))),
      );
    });
    const wasm = await on('wasm', () =>
      run('DepthwiseConv2dNativeBackpropFilter', { x: rnd(x, 11), dy: rnd(dy, 12) }, { strides: s, pad, dilations: d, filterShape: f }),
    );
    assertClose(wasm[0], cpu[0], 1e-4, `depthwise dW ${x} ${f} s${s} ${pad} d${d}`);
  }
});

test('UnsortedSegmentSum matches cpu and drops ids outside [0, numSegments)', async () => {
  const ids = [0, 2, 2, -1, 5, 0, 3];
  await parity('float', () => tf.unsortedSegmentSum(rnd([7, 3, 2], 13), tf.tensor1d(ids, 'int32'), 5));
  // int32 data stays int32 (as in TF); the cpu kernel returns float32, so only the values are compared.
  const ints = () => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14]], undefined, 'int32'), tf.tensor1d(ids, 'int32'), 5);
  const [cpuInts, wasmInts] = [await on('cpu', ints), await on('wasm', ints)];
  assert.equal(wasmInts[0].dtype, 'int32');
  assert.deepEqual(wasmInts[0].data, cpuInts[0].data);
  const wasm = await on('wasm', () => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 4, 8, 16, 32, 64]), tf.tensor1d(ids, 'int32'), 5));
  assert.deepEqual(wasm[0].data, [1 + 32, 0, 2 + 4, 64, 0]);
});

test('gather gradients (UnsortedSegmentSum) match cpu', async () => {
  const idx = [3, 0, 3, 1, 4, 4, 4];
  for (const axis of [0, 1]) {
    await parity(`gather axis ${axis}`, () => {
      const p = rnd([5, 5, 2], 14);
      const w = rnd(axis === 0 ? [7, 5, 2] : [5, 7, 2], 15);
      return tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d(idx, 'int32'), axis).mul(w).sum())(p);
    });
  }
});

test('Tile matches cpu exactly (block copies and the per-element loop, float/int/bool)', async () => {
  const cases: [number[], number[], tf.DataType][] = [
    [[1, 1, 1, 5], [2, 3, 4, 1], 'float32'],
    [[2, 3], [3, 2], 'float32'],
    [[2, 1, 3], [1, 4, 2], 'float32'],
    [[3], [4], 'int32'],
    [[2, 2], [2, 3], 'bool'],
    [[50, 1], [1, 20], 'float32'], // one-element rows: the per-element loop
    [[3, 1, 2], [2, 5, 1], 'int32'],
  ];
  for (const [shape, reps, dtype] of cases) {
    // bool from a comparison: the stock wasm Cast to bool keeps the low byte of the number instead of x ≠ 0.
    const input = () => (dtype === 'bool' ? rnd(shape, 16).greater(0) : rnd(shape, 16).mul(5).round().cast(dtype));
    await parity(`tile ${shape} × ${reps} ${dtype}`, () => tf.tile(input(), reps), 0);
  }
});

test('Slice matches cpu exactly', async () => {
  const cases: [number[], number[], number[]][] = [
    [[4, 5, 6], [1, 0, 2], [2, 5, 3]],
    [[4, 5, 6], [0, 0, 0], [4, 5, 6]],
    [[1, 13, 13, 8], [0, 0, 0, 0], [1, 12, 12, 8]],
    [[1, 13, 13, 8], [0, 1, 1, 2], [1, 12, 11, 3]],
    [[9], [2], [-1]],
    [[2, 3, 4, 5, 6], [1, 0, 1, 2, 0], [1, 3, 2, 3, 6]],
  ];
  for (const [shape, begin, size] of cases) {
    await parity(`slice ${shape} ${begin} ${size}`, () => tf.slice(rnd(shape, 17), begin, size), 0);
    await parity(`slice int32 ${shape}`, () => tf.slice(rnd(shape, 18).mul(9).round().cast('int32'), begin, size), 0);
  }
});

test('BatchMatMul matches cpu (transpose flags, batches, broadcast batch, rank 4)', async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 7, 5], [4, 3, 7], true, true],
    [[1, 5, 7], [3, 7, 6], false, false],
    [[3, 5, 7], [7, 6], false, false],
    [[3, 5, 7], [6, 7], false, true],
    [[2, 3, 5, 7], [2, 3, 6, 7], false, true],
    [[2, 1, 5, 7], [1, 3, 7, 6], false, false], // batch dims broadcast both ways: the stock kernel
    // a · bᵀ with 1–3 rows and a depth divisible by 4: SIMD GEMVs (b rows 9, 5, 1: the 4-row blocks and remainders).
    [[1, 12], [9, 12], false, true],
    [[2, 16], [5, 16], false, true],
    [[1, 1, 8], [1, 1, 8], false, true],
    [[1, 1, 20], [1, 11, 20], false, true], // the dense gradient's [1, N, K] weight
    [[3, 16], [9, 16], false, true],
    [[4, 16], [9, 16], false, true], // 4 rows: XNNPACK
    [[1, 10], [9, 10], false, true], // depth not divisible by 4: XNNPACK
  ];
  for (const [sa, sb, ta, tb] of cases) {
    await parity(`matMul ${sa} ${sb} ${ta} ${tb}`, () => tf.matMul(rnd(sa, 80), rnd(sb, 81), ta, tb));
  }
  await parity('dense gradient', () => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.matMul(x, w).square().sum())([rnd([4, 6], 82), rnd([6, 3], 83)]));
  await parity('dense gradient, batch 1', () => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.matMul(x, w).square().sum())([rnd([1, 64], 84), rnd([64, 10], 85)]));
  for (const disabled of [false, true]) {
    await withSimd(disabled, () => parity(`dy · Wᵀ [1, 1000] · [1280, 1000]ᵀ, SIMD ${disabled ? 'off' : 'on'}`, () => tf.matMul(rnd([1, 1000], 86), rnd([1280, 1000], 87), false, true)));
  }
});

test('MaxPoolGrad and AvgPoolGrad match cpu (same/valid, strides 1/2, odd sizes, batch 2, ReLU ties)', async () => {
  const cases: [number[], number | [number, number], number | [number, number], 'same' | 'valid'][] = [
    [[2, 8, 8, 3], 2, 2, 'same'],
    [[2, 9, 7, 3], 2, 2, 'same'],
    [[1, 9, 7, 4], 2, 2, 'valid'],
    [[1, 9, 9, 2], 3, 1, 'same'],
    [[2, 11, 10, 3], 3, 2, 'same'],
    [[1, 10, 9, 2], [2, 3], [1, 2], 'valid'],
  ];
  for (const [x, f, s, pad] of cases) {
    const pooled = tf.backend_util.computePool2DInfo(x as [number, number, number, number], f, s, 1, pad).outShape;
    // relu makes many windows tie at 0: the gradient must go to the same position as on cpu.
    await parity(`maxPool grad ${x} f${f} s${s} ${pad}`, () =>
      tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, f, s, pad).mul(rnd(pooled, 90)).sum())(rnd(x, 91).relu()),
    );
    await parity(`avgPool grad ${x} f${f} s${s} ${pad}`, () =>
      tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, f, s, pad).mul(rnd(pooled, 92)).sum())(rnd(x, 93)),
    );
  }
});

test('Equal with broadcasting matches cpu exactly (max-reduction masks, ranks 1–4, NaN, ties), same shapes too', async () => {
  // Few distinct values, so many elements are equal; a NaN is never equal to anything.
  const ints = (shape: number[], seed: number) => tf.tensor(values(shape, seed).map((v) => Math.round(v * 2)), shape);
  const cases: [number[], number[]][] = [
    [[2, 5, 5, 3], [2, 1, 1, 3]],
    [[2, 1, 1, 3], [2, 5, 5, 3]],
    [[4, 3], [3]],
    [[1, 3, 1], [2, 1, 4]],
    [[7], [1]],
    [[3, 4], [3, 4]],
  ];
  for (const [sa, sb] of cases) await parity(`Equal ${sa} vs ${sb}`, () => tf.cast(tf.equal(ints(sa, 61), ints(sb, 62)), 'float32'), 0);
  await parity('Equal with NaN', () => tf.cast(tf.equal(tf.tensor([[NaN, 1], [2, NaN]]), tf.tensor([NaN, 1])), 'float32').add(tf.scalar(0.5)), 0);
  // The gradient of a global max: dy where x equals its channel's max (ties share it), as tfjs-layers' GlobalMaxPooling.
  await parity('gradient of max over H, W', () => {
    const x = tf.tensor(values([2, 6, 6, 4], 63).map((v) => Math.round(v * 3)), [2, 6, 6, 4]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.max(t, [1, 2]), tf.tensor([1, 2, 3, 4]))))(x);
  }, 0);
});

test('Identity shares data safely: each of source and clone survives the other', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor([1, 2, 3]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  const c = tf.clone(b);
  c.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  b.dispose();
});

test('FusedBatchNorm matches cpu (per-channel, scalar, missing scale/offset, large mean, full-shape fallback)', async () => {
  const x = [2, 5, 5, 4];
  const v = (shape: number[], seed: number) => rnd(shape, seed).abs().add(0.1);
  await parity('per channel', () => tf.batchNorm(rnd(x, 19), rnd([4], 20), v([4], 21), rnd([4], 22), rnd([4], 23), 1e-3));
  await parity('no scale/offset', () => tf.batchNorm(rnd(x, 24), rnd([4], 25), v([4], 26), undefined, undefined, 1e-3));
  await parity('scalar stats', () =>
    run('FusedBatchNorm', { x: rnd(x, 27), mean: rnd([1], 28), variance: v([1], 29), offset: rnd([1], 30), scale: rnd([1], 31) }, { varianceEpsilon: 1e-3 }),
  );
  await parity('large mean', () => tf.batchNorm(rnd(x, 32).mul(0.01).add(1000), tf.fill([4], 1000), tf.fill([4], 1e-4), undefined, undefined, 1e-5));
  await parity('full-shape stats', () => tf.batchNorm(rnd(x, 33), rnd(x, 34), v(x, 35), rnd(x, 36), rnd(x, 37), 1e-3));
});

test('fused ClipByValue and Relu6 gradients match cpu exactly, including kinks, NaN and ±Inf', async () => {
  const special = [0, -0, 6, -1e-30, 1e-30, 5.9999995, 6.0000005, NaN, Infinity, -Infinity, 3, -3, 7];
  const xs = () => tf.concat([tf.tensor(special), rnd([50], 70).mul(8)]);
  const dys = () => tf.concat([tf.tensor([1, 2, 3, 4, 5, NaN, Infinity, 8, 9, 10, -Infinity, NaN, 13]), rnd([50], 71)]);
  await parity('clipByValue grad', () => tf.grad((x: tf.Tensor) => tf.clipByValue(x, 0, 6).mul(dys()).sum())(xs()), 0);
  await parity('clipByValue grad, other range', () => tf.grad((x: tf.Tensor) => tf.clipByValue(x, -0.5, 0.25))(xs(), dys()), 0);
  await parity('relu6 grad', () => tf.grad((x: tf.Tensor) => tf.relu6(x))(xs(), dys()), 0);
  await parity('relu6 grad through a sum', () => tf.grad((x: tf.Tensor) => tf.relu6(x).sum())(xs()), 0);

  // On wasm the gradients run as the fused kernels (the cpu side above used tfjs's own gradients).
  await tf.setBackend('wasm');
  const x = xs();
  const profile = await tf.profile(() => tf.grads((a: tf.Tensor) => tf.relu6(tf.clipByValue(a, 0, 6)).sum())([x]));
  tf.dispose(profile.result as tf.Tensor[]);
  x.dispose();
  const names = profile.kernels.map((k) => k.name);
  assert.ok(names.includes('AttributionLensClipByValueGrad') && names.includes('AttributionLensRelu6Grad'), names.join(','));
  assert.ok(!names.includes('Select') && !names.includes('LogicalAnd'), 'no generic where/and on the fused path');
});

test('the BatchNorm gradient matches cpu for the input and every statistic, and on wasm dx is one multiply', async () => {
  const x = [2, 5, 4, 3];
  const args = () => [rnd(x, 100), rnd([3], 101), rnd([3], 102).abs().add(0.3), rnd([3], 103), rnd([3], 104)] as tf.Tensor[];
  const bn = (t: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => tf.batchNorm(t, m, v, o, s, 1e-3).mul(rnd(x, 105)).sum();
  await parity('batchNorm grads', () => tf.grads(bn)(args()));
  await parity('batchNorm dx', () => tf.grad((t: tf.Tensor) => { const [, m, v, o, s] = args(); return bn(t, m, v, o, s); })(rnd(x, 100)));
  await tf.setBackend('wasm');
  const [t, m, v, o, s] = args();
  const profile = await tf.profile(() => tf.grad((a: tf.Tensor) => bn(a, m, v, o, s))(t));
  tf.dispose([profile.result as tf.Tensor, t, m, v, o, s]);
  const names = profile.kernels.map((k) => k.name);
  assert.ok(!names.includes('Tile') && !names.includes('Sub'), `no tile or x − mean for dx alone: ${names.join(',')}`);
});

/** conv(s2) → depthwise(×2) → batchNorm → relu6 → maxPool → avgPool → dense → softmax, with fixed seeded weights. */
function smallNetwork(x: tf.Tensor, w: tf.Tensor[]): tf.Tensor {
  const [k1, dwk, mean, variance, offset, scale, dense] = w;
  let h: tf.Tensor = tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 2, 'same');
  h = tf.depthwiseConv2d(h as tf.Tensor4D, dwk as tf.Tensor4D, 1, 'same');
  h = tf.batchNorm(h, mean, variance, offset, scale, 1e-3);
  h = tf.relu6(h);
  h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'same');
  h = tf.avgPool(h as tf.Tensor4D, 2, 1, 'valid');
  const logits = tf.matMul(h.reshape([x.shape[0], -1]), dense);
  return tf.softmax(logits).slice([0, 1], [-1, 1]).sum();
}

function smallWeights(): tf.Tensor[] {
  return [
    rnd([3, 3, 3, 6], 50),
    rnd([3, 3, 6, 2], 51),
    rnd([12], 52).mul(0.1),
    rnd([12], 53).abs().add(0.5),
    rnd([12], 54).mul(0.5).add(0.5),
    rnd([12], 55).abs().add(0.5),
    rnd([3 * 3 * 12, 5], 56).mul(0.3),
  ];
}

test('gradients of a small network w.r.t. the input and every weight match cpu', async () => {
  await parity('small network', () => {
    const x = rnd([2, 15, 13, 3], 57);
    const w = smallWeights();
    return tf.grads((xi: tf.Tensor, ...wi: tf.Tensor[]) => smallNetwork(xi, wi))([x, ...w]);
  });
});

test('gradient of a small layers model (fused conv with bias, ZeroPadding, depthwise s2, BN, ReLU6, GAP) matches cpu', async () => {
  await tf.setBackend('cpu');
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [17, 15, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: 'ones' }),
      tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthMultiplier: 2, depthwiseInitializer: init(2) }),
      tf.layers.batchNormalization({ movingMeanInitializer: tf.initializers.constant({ value: 0.2 }), movingVarianceInitializer: tf.initializers.constant({ value: 1.7 }) }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: init(3) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
  const grad = () => tf.grad((x: tf.Tensor) => (model.apply(x) as tf.Tensor).slice([0, 2], [-1, 1]).sum())(rnd([2, 17, 15, 3], 58));
  // The model's variables move between the backends with each run, so the wasm data count is not checked here.
  await parity('layers model input gradient', grad, 1e-4, false);
  model.dispose();
});

// The SIMD loops (simd.ts) and their JS fallbacks: both must match cpu.
const modes = [
  ['SIMD', false],
  ['JS fallback', true],
] as const;

async function withSimd<T>(disabled: boolean, f: () => Promise<T>): Promise<T> {
  setSimdDisabled(disabled);
  try {
    return await f();
  } finally {
    setSimdDisabled(false);
  }
}

test('the SIMD module validates and binds to the wasm heap (else every SIMD test below would test the fallback)', async () => {
  await tf.setBackend('wasm');
  assert.ok(WebAssembly.validate(moduleBytes()));
  const be = tf.backend() as BackendWasm;
  const k = simdKernels(be);
  assert.ok(k, 'SIMD kernels available on this node');
  // Reads and writes tensors in place: out = dy where 0 ≤ x ≤ 6.
  const x = tf.tensor([-1, 0, 3, 6, 7, NaN, 2, 5]);
  const dy = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8]);
  const out = tf.zerosLike(dy);
  const addr = (t: tf.Tensor) => heapAddress(be, t as unknown as tf.TensorInfo);
  k!.clip_grad(addr(x), addr(dy), addr(out), 32, 0, 6);
  assert.deepEqual(Array.from(out.dataSync()), [0, 2, 3, 4, 0, 0, 7, 8]);
  setSimdDisabled(true);
  assert.equal(simdKernels(be), null);
  setSimdDisabled(false);
  tf.dispose([x, dy, out]);
});

for (const [mode, disabled] of modes) {
  test(`${mode}: MaxPoolGrad and AvgPoolGrad match cpu (channels 1–8 and 12, 2×2 s2 odd sizes, 3×3 s1/s2, padding, batch 3, ties, NaN, ±Inf)`, async () => {
    await withSimd(disabled, async () => {
      const cases: [number[], number | [number, number], number | [number, number], 'same' | 'valid'][] = [
        [[3, 9, 7, 4], 2, 2, 'same'],
        [[3, 9, 7, 8], 2, 2, 'valid'],
        [[1, 8, 8, 12], 2, 2, 'same'],
        [[2, 11, 10, 4], 3, 1, 'same'],
        [[2, 11, 10, 8], 3, 2, 'same'],
        [[1, 12, 9, 4], 3, 2, 'valid'],
        [[1, 10, 9, 4], [2, 3], [1, 2], 'valid'],
        [[1, 10, 9, 8], [3, 2], [3, 1], 'same'],
        [[1, 5, 6, 4], 4, 3, 'same'], // windows wider than most of the input
        // Channels past a multiple of 4 (1–3 of them, with and without whole vectors before them).
        [[3, 9, 7, 3], 2, 2, 'same'],
        [[2, 11, 10, 6], 3, 1, 'same'],
        [[2, 9, 8, 1], 3, 1, 'same'],
        [[1, 9, 8, 2], 2, 2, 'valid'],
        [[2, 10, 9, 5], 3, 2, 'same'],
        [[1, 9, 11, 7], 3, 1, 'valid'],
      ];
      for (const [x, f, s, pad] of cases) {
        const pooled = tf.backend_util.computePool2DInfo(x as [number, number, number, number], f, s, 1, pad).outShape;
        // relu makes many windows tie at 0; rounding makes ties between positive values too.
        const input = () => rnd(x, 94).mul(3).round().relu();
        await parity(`maxPool grad ${x} f${f} s${s} ${pad}`, () =>
          tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, f, s, pad).mul(rnd(pooled, 95)).sum())(input()),
        );
        await parity(`avgPool grad ${x} f${f} s${s} ${pad}`, () =>
          tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, f, s, pad).mul(rnd(pooled, 96)).sum())(rnd(x, 97)),
        );
      }
      // NaN and −∞ never win a window; a window of only those passes no gradient.
      const special = [NaN, -Infinity, 1, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 2, 2, NaN, 0, Infinity, 5, Infinity, NaN];
      for (const c of [4, 3, 5]) {
        await parity(`maxPool grad NaN, ±Inf, ${c} channels`, () => {
          const x = tf.tensor(Float32Array.from({ length: 4 * 4 * c }, (_, i) => special[(i * 5 + Math.floor(i / c)) % special.length]), [1, 4, 4, c]);
          return run('MaxPoolGrad', { dy: rnd([1, 2, 2, c], 98), input: x, output: tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') }, { filterSize: 2, strides: 2, pad: 'valid' });
        }, 0);
      }
    });
  });

  test(`${mode}: FusedBatchNorm matches cpu (channels 3/4/5/6/48, sizes not a multiple of 4, scalar stats, rank 2)`, async () => {
    await withSimd(disabled, async () => {
      const v = (shape: number[], seed: number) => rnd(shape, seed).abs().add(0.1);
      for (const x of [[3, 5, 3, 3], [1, 3, 3, 6], [2, 3, 1, 5], [1, 7, 5, 4], [1, 3, 3, 48], [7, 3]]) {
        const c = x[x.length - 1];
        await parity(`batchNorm ${x}`, () => tf.batchNorm(rnd(x, 110), rnd([c], 111), v([c], 112), rnd([c], 113), rnd([c], 114), 1e-3));
        await parity(`batchNorm ${x}, no offset, scalar mean`, () =>
          run('FusedBatchNorm', { x: rnd(x, 115), mean: rnd([1], 116), variance: v([c], 117), scale: rnd([c], 118) }, { varianceEpsilon: 1e-3 }),
        );
      }
    });
  });

  test(`${mode}: ClipByValue and Relu6 gradients match cpu exactly (lengths 1–9 for the vector tails)`, async () => {
    await withSimd(disabled, async () => {
      const special = [0, -0, 6, NaN, Infinity, -Infinity, 3, 7, -2];
      for (let n = 1; n <= 9; n++) {
        const xs = () => tf.tensor(special.slice(0, n));
        const dys = () => tf.tensor([1, NaN, 3, 4, -Infinity, 6, 7, Infinity, 9].slice(0, n));
        await parity(`clip grad n=${n}`, () => tf.grad((x: tf.Tensor) => tf.clipByValue(x, 0, 6))(xs(), dys()), 0);
        await parity(`relu6 grad n=${n}`, () => tf.grad((x: tf.Tensor) => tf.relu6(x))(xs(), dys()), 0);
      }
    });
  });

  test(`${mode}: Conv2DBackpropInput fused and col2im paths match cpu (3-channel stems s1/s2, batch 3, valid/same, 5×5, 8 channels)`, async () => {
    await withSimd(disabled, async () => {
      const cases: [number[], number[], Stride, Pad][] = [
        [[3, 12, 11, 3], [3, 3, 3, 4], 1, 'valid'],
        [[1, 12, 13, 4], [5, 5, 4, 6], 1, 'same'],
        [[2, 10, 9, 1], [3, 2, 1, 5], 1, 'same'],
        [[1, 16, 16, 1], [3, 3, 1, 8], 2, 'same'],
        [[3, 14, 15, 3], [3, 3, 3, 16], 2, 'valid'],
        [[1, 17, 16, 3], [3, 3, 3, 16], 2, 'same'],
        [[1, 13, 12, 3], [4, 4, 3, 5], [2, 3], [[0, 0], [2, 1], [1, 3], [0, 0]]],
        [[3, 11, 12, 8], [3, 3, 8, 4], 2, 'same'], // too many columns for the fused loop: matmul + col2im
      ];
      for (const [x, f, s, pad] of cases) {
        const dy = outShape(x, f, s, pad, 1, false);
        await parity(`dx ${x} ${f} s${s} ${JSON.stringify(pad)}`, () =>
          run('Conv2DBackpropInput', { dy: rnd(dy, 120), filter: rnd(f, 121) }, { strides: s, pad, dataFormat: 'NHWC', inputShape: x }),
        );
      }
    });
  });
}
