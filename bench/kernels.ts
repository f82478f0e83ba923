// Benchmarks our wasm gradient kernels against the stock tfjs-backend-wasm kernels (or, where wasm has none, the cpu
// backend) on the shapes of the MobileNet fixture and of a small 64×64 CNN, then times whole input gradients.
//
//   node --import tsx bench/kernels.ts            kernel table + fixture gradient + full-width MobileNetV2 gradient
//   node --import tsx bench/kernels.ts --quick    kernel table + fixture gradient only
//   node --import tsx bench/kernels.ts --cpu      also the fixture gradient on the cpu backend (slow)
//   node --import tsx bench/kernels.ts --only=Conv2D --quick   only kernels whose name matches, no full model
//   node --import tsx bench/kernels.ts --emit     also print `BENCH_RESULT {json}` (bench/index.ts runs it so)
//
// bench/index.ts (`npm run bench`) runs this file in its own process as the suite's kernel section.
//
// Times are medians (and minima, which are steadier on a shared machine) of a few runs after warm-up, in ms.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/engine/backend';
import { stockKernel, wasmKernelNames } from '../src/engine/backend/wasmKernels';

const args = new Set(process.argv.slice(2));
const only = new RegExp(process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? '.', 'i');
const REPS = args.has('--quick') ? 5 : 9;

/** Everything this file measures, for bench/index.ts (`--emit`). Times in ms. */
export interface KernelRow {
  kernel: string;
  shape: string;
  reference: 'stock wasm' | 'cpu (wasm has none)' | 'tfjs ops';
  refMedianMs: number;
  oursMedianMs: number;
  refMinMs: number;
  oursMinMs: number;
  speedup: number;
}
export interface GradientTiming {
  model: string;
  params: number;
  batch: number;
  gradMedianMs: number;
  gradMinMs: number;
  forwardMedianMs: number;
  perExampleMs: number;
}
export interface KernelReport {
  tfjs: string;
  simd: boolean;
  threads: number;
  added: string[];
  overridden: string[];
  fusedGradients: string[];
  kernels: KernelRow[];
  gradients: GradientTiming[];
  topKernels: { model: string; totalMs: number; rows: { kernel: string; ms: number; calls: number }[] }[];
}
const report: KernelReport = { tfjs: tf.version.tfjs, simd: false, threads: 1, added: [], overridden: [], fusedGradients: [], kernels: [], gradients: [], topKernels: [] };

interface Stats {
  median: number;
  min: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[s.length >> 1], min: s[0] };
}

/**
 * Times f (which returns what it allocated) after `warmup` calls. Ten warm-up calls, not two: our kernels' JS loops
 * (window/row bookkeeping, col2im) are only optimized by V8 after a few calls, and a gradient run calls every kernel
 * many times (each IG step), so two calls timed the interpreter, e.g. MaxPoolGrad 2×2 at 1.5 ms instead of 0.09 ms.
 * The stock kernels get the same warm-up.
 */
function timeIt(f: () => tf.TensorInfo | tf.TensorInfo[] | tf.Tensor, free: (r: ReturnType<typeof f>) => void, reps = REPS, warmup = 10): Stats {
  const samples: number[] = [];
  for (let i = 0; i < reps + warmup; i++) {
    const t0 = performance.now();
    const r = f();
    const dt = performance.now() - t0;
    free(r);
    if (i >= warmup) samples.push(dt);
  }
  return stats(samples);
}

interface Case {
  kernel: string;
  label: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: tf.NamedAttrMap;
}

const rnd = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const convOut = (x: number[], f: number[], s: number, pad: 'same' | 'valid', depthwise = false) =>
  tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], s, 1, pad, undefined, depthwise).outShape;

function convCases(label: string, x: number[], f: number[], s: number, pad: 'same' | 'valid'): Case[] {
  const y = convOut(x, f, s, pad);
  const common = { strides: s, pad, dataFormat: 'NHWC' };
  return [
    { kernel: 'Conv2DBackpropInput', label, inputs: () => ({ dy: rnd(y, 1), filter: rnd(f, 2) }), attrs: { ...common, inputShape: x } },
    { kernel: 'Conv2DBackpropFilter', label, inputs: () => ({ x: rnd(x, 3), dy: rnd(y, 4) }), attrs: { ...common, filterShape: f } },
  ];
}

function depthwiseCases(label: string, x: number[], f: number[], s: number, pad: 'same' | 'valid'): Case[] {
  const y = convOut(x, f, s, pad, true);
  const common = { strides: s, pad, dilations: 1 };
  return [
    { kernel: 'DepthwiseConv2dNativeBackpropInput', label, inputs: () => ({ dy: rnd(y, 5), filter: rnd(f, 6) }), attrs: { ...common, inputShape: x } },
    { kernel: 'DepthwiseConv2dNativeBackpropFilter', label, inputs: () => ({ x: rnd(x, 7), dy: rnd(y, 8) }), attrs: { ...common, filterShape: f } },
  ];
}

function poolCases(label: string, x: number[], f: number, s: number, pad: 'same' | 'valid'): Case[] {
  const y = tf.backend_util.computePool2DInfo(x as [number, number, number, number], f, s, 1, pad).outShape;
  const attrs = { filterSize: f, strides: s, pad };
  return [
    {
      kernel: 'MaxPoolGrad',
      label,
      inputs: () => {
        const input = rnd(x, 34).relu();
        return { dy: rnd(y, 35), input, output: tf.maxPool(input as tf.Tensor4D, f, s, pad) };
      },
      attrs,
    },
    { kernel: 'AvgPoolGrad', label, inputs: () => ({ dy: rnd(y, 36), input: rnd(x, 37) }), attrs },
  ];
}

const act = [1, 112, 112, 48]; // the fixture's widest activation (block 1 expand)
const CASES: Case[] = [
  ...convCases('fixture stem 224² 3→16 s2', [1, 224, 224, 3], [3, 3, 3, 16], 2, 'same'),
  ...convCases('fixture expand 112² 8→48 1×1', [1, 112, 112, 8], [1, 1, 8, 48], 1, 'same'),
  ...convCases('fixture project 56² 96→16 1×1', [1, 56, 56, 96], [1, 1, 96, 16], 1, 'same'),
  ...convCases('fixture project 14² 192→48 1×1', [1, 14, 14, 192], [1, 1, 192, 48], 1, 'same'),
  ...convCases('cnn64 conv1 64² 3→16 3×3', [1, 64, 64, 3], [3, 3, 3, 16], 1, 'same'),
  ...convCases('cnn64 conv2 32² 16→32 3×3', [1, 32, 32, 16], [3, 3, 16, 32], 1, 'same'),
  ...depthwiseCases('fixture dw 112²×16 s1 same', [1, 112, 112, 16], [3, 3, 16, 1], 1, 'same'),
  ...depthwiseCases('fixture dw 113²×48 s2 valid', [1, 113, 113, 48], [3, 3, 48, 1], 2, 'valid'),
  ...depthwiseCases('fixture dw 28²×144 s1 same', [1, 28, 28, 144], [3, 3, 144, 1], 1, 'same'),
  {
    kernel: 'UnsortedSegmentSum',
    label: 'embedding grad 1024×64 → 500 rows',
    inputs: () => ({ x: rnd([1024, 64], 9), segmentIds: tf.randomUniform([1024], 0, 500, 'int32', 10) }),
    attrs: { numSegments: 500 },
  },
  {
    kernel: 'FusedBatchNorm',
    label: 'fixture BN 112²×48',
    inputs: () => ({ x: rnd(act, 11), mean: rnd([48], 12), variance: tf.randomUniform([48], 0.5, 2, 'float32', 13), offset: rnd([48], 14), scale: rnd([48], 15) }),
    attrs: { varianceEpsilon: 1e-3 },
  },
  {
    kernel: 'BatchMatMul',
    label: 'dense grad dy·Wᵀ [1,1000]·[1280,1000]ᵀ',
    inputs: () => ({ a: rnd([1, 1000], 26), b: rnd([1280, 1000], 27) }),
    attrs: { transposeA: false, transposeB: true },
  },
  {
    kernel: 'BatchMatMul',
    label: 'dense weight grad xᵀ·dy [8,256]ᵀ·[8,128]',
    inputs: () => ({ a: rnd([8, 256], 28), b: rnd([8, 128], 29) }),
    attrs: { transposeA: true, transposeB: false },
  },
  {
    kernel: 'BatchMatMul',
    label: 'attention q·kᵀ [8,128,64]·[8,128,64]ᵀ',
    inputs: () => ({ a: rnd([8, 128, 64], 30), b: rnd([8, 128, 64], 31) }),
    attrs: { transposeA: false, transposeB: true },
  },
  {
    kernel: 'BatchMatMul',
    label: 'attention p·v [8,128,128]·[8,128,64]',
    inputs: () => ({ a: rnd([8, 128, 128], 32), b: rnd([8, 128, 64], 33) }),
    attrs: { transposeA: false, transposeB: false },
  },
  ...poolCases('cnn64 pool1 64²×16 2×2 s2', [1, 64, 64, 16], 2, 2, 'same'),
  ...poolCases('cnn64 pool2 32²×32 2×2 s2', [1, 32, 32, 32], 2, 2, 'same'),
  ...poolCases('pool 112²×32 3×3 s1', [1, 112, 112, 32], 3, 1, 'same'),
  { kernel: 'Tile', label: 'BN grad [1,1,1,48] → 112²×48', inputs: () => ({ x: rnd([1, 1, 1, 48], 16) }), attrs: { reps: [1, 112, 112, 1] } },
  { kernel: 'Slice', label: 'pad grad 113²×48 → 112²×48', inputs: () => ({ x: rnd([1, 113, 113, 48], 17) }), attrs: { begin: [0, 0, 0, 0], size: [1, 112, 112, 48] } },
  { kernel: 'Identity', label: 'saved activation 112²×48', inputs: () => ({ x: rnd(act, 18) }), attrs: {} },
  {
    kernel: 'Equal',
    label: 'global max-pool grad mask 50×8²×64 vs 50×1×1×64',
    inputs: () => {
      const x = rnd([50, 8, 8, 64], 19);
      return { a: x, b: tf.max(x, [1, 2], true) };
    },
    attrs: {},
  },
];

async function kernelTable(): Promise<void> {
  const be = tf.backend() as BackendWasm;
  const freeInfo = (r: tf.TensorInfo | tf.TensorInfo[] | tf.Tensor) => {
    for (const t of Array.isArray(r) ? r : [r]) be.disposeData((t as tf.TensorInfo).dataId);
  };
  const rows: string[][] = [['kernel', 'shape', 'reference', 'ref median', 'ours median', 'ref min', 'ours min', 'speed-up (median)']];
  for (const c of CASES.filter((k) => only.test(k.kernel))) {
    const inputs = c.inputs();
    const infos = inputs as unknown as tf.NamedTensorInfoMap;
    const ours = tf.getKernel(c.kernel, 'wasm')!.kernelFunc;
    const mine = timeIt(() => ours({ inputs: infos, backend: be, attrs: c.attrs }) as tf.TensorInfo, freeInfo);
    const stock = wasmKernelNames.overridden.includes(c.kernel) ? stockKernel(c.kernel) : undefined;
    let ref: Stats;
    let refName: string;
    if (stock) {
      refName = 'stock wasm';
      ref = timeIt(() => stock({ inputs: infos, backend: be, attrs: c.attrs }) as tf.TensorInfo, freeInfo);
    } else {
      // wasm has no such kernel: the alternative is running the model on the cpu backend.
      refName = 'cpu (wasm has none)';
      await tf.setBackend('cpu');
      const cpuBackend = tf.backend();
      const cpuInputs: Record<string, tf.Tensor> = {};
      const cpuKernel = tf.getKernel(c.kernel, 'cpu')!.kernelFunc;
      for (const [k, v] of Object.entries(inputs)) cpuInputs[k] = tf.tensor(v.dataSync(), v.shape, v.dtype);
      ref = timeIt(
        () => cpuKernel({ inputs: cpuInputs as unknown as tf.NamedTensorInfoMap, backend: cpuBackend, attrs: c.attrs }) as tf.TensorInfo,
        (r) => cpuBackend.disposeData((r as tf.TensorInfo).dataId),
        1, // the cpu kernels take from 0.1 s to over a minute
        0,
      );
      tf.dispose(Object.values(cpuInputs));
      await tf.setBackend('wasm');
    }
    tf.dispose(Object.values(inputs));
    rows.push([c.kernel, c.label, refName, ref.median.toFixed(2), mine.median.toFixed(2), ref.min.toFixed(2), mine.min.toFixed(2), `${(ref.median / mine.median).toFixed(1)}×`]);
    report.kernels.push({
      kernel: c.kernel, shape: c.label, reference: refName as KernelRow['reference'],
      refMedianMs: ref.median, oursMedianMs: mine.median, refMinMs: ref.min, oursMinMs: mine.min, speedup: ref.median / mine.median,
    });
  }
  printTable(rows);
}

/** ClipByValue (ReLU with maxValue 6) and Relu6 gradients: tfjs's formula on stock kernels vs our fused kernel. */
function fusedGradientTable(): void {
  const be = tf.backend() as BackendWasm;
  const k = (name: string) => (inputs: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap = {}) =>
    stockKernel(name)!({ inputs: inputs as tf.NamedTensorInfoMap, backend: be, attrs }) as tf.TensorInfo;
  const fused = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
  const x = rnd(act, 40).mul(4);
  const dy = rnd(act, 41);
  const zero = tf.scalar(0);
  const six = tf.scalar(6);
  const freeAll = (r: tf.TensorInfo | tf.TensorInfo[] | tf.Tensor) => {
    for (const t of Array.isArray(r) ? r : [r]) be.disposeData((t as tf.TensorInfo).dataId);
  };
  // where(x ≥ 0 ∧ x ≤ 6, dy, zerosLike(dy)), as tfjs's ClipByValue gradient runs it.
  const stockClip = () => {
    const ge = k('GreaterEqual')({ a: x, b: zero });
    const le = k('LessEqual')({ a: x, b: six });
    const and = k('LogicalAnd')({ a: ge, b: le });
    const zeros = k('ZerosLike')({ x: dy });
    const out = k('Select')({ condition: and, t: dy, e: zeros });
    freeAll([ge, le, and, zeros]);
    return out;
  };
  // dy · (float(lessEqual(x, 6)) · step(x)), as tfjs's Relu6 gradient runs it (mul upcasts the bool mask).
  const stockRelu6 = () => {
    const le = k('LessEqual')({ a: x, b: six });
    const leF = k('Cast')({ x: le }, { dtype: 'float32' });
    const st = k('Step')({ x }, { alpha: 0 });
    const mask = k('Multiply')({ a: leF, b: st });
    const out = k('Multiply')({ a: dy, b: mask });
    freeAll([le, leF, st, mask]);
    return out;
  };
  const rows = [['gradient', 'shape', 'tfjs ops median', 'fused median', 'tfjs ops min', 'fused min', 'speed-up (median)']];
  for (const [name, stock, kernel, attrs] of [
    ['ClipByValue (ReLU max 6)', stockClip, 'AttributionLensClipByValueGrad', { clipValueMin: 0, clipValueMax: 6 }],
    ['Relu6', stockRelu6, 'AttributionLensRelu6Grad', {}],
  ] as const) {
    const ref = timeIt(stock, freeAll);
    const mine = timeIt(() => fused(kernel)({ inputs: { dy, x } as unknown as tf.NamedTensorInfoMap, backend: be, attrs }) as tf.TensorInfo, freeAll);
    rows.push([name, act.join('×'), ref.median.toFixed(2), mine.median.toFixed(2), ref.min.toFixed(2), mine.min.toFixed(2), `${(ref.median / mine.median).toFixed(1)}×`]);
    report.kernels.push({
      kernel: `${name} gradient (fused)`, shape: act.join('×'), reference: 'tfjs ops',
      refMedianMs: ref.median, oursMedianMs: mine.median, refMinMs: ref.min, oursMinMs: mine.min, speedup: ref.median / mine.median,
    });
  }
  tf.dispose([x, dy, zero, six]);
  console.log('');
  printTable(rows);
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => (j >= 3 ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

async function loadFixture(): Promise<{ model: tf.LayersModel; x: tf.Tensor4D }> {
  const dir = join(__dirname, '../test/fixtures/mobilenet');
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const bytes = readFileSync(join(dir, 'input.bin'));
  const x = tf.tensor4d(Float32Array.from(bytes, (b) => b / 255), [1, 224, 224, 3]);
  return { model, x };
}

/** Gradient of the top class probability w.r.t. the input, for a batch. */
function gradientTimes(model: tf.LayersModel, x: tf.Tensor, reps: number): { grad: Stats; forward: Stats } {
  const top = tf.tidy(() => (model.predict(x.slice([0], [1])) as tf.Tensor).argMax(-1).dataSync()[0]);
  const g = tf.grad((inp: tf.Tensor) => (model.apply(inp) as tf.Tensor).slice([0, top], [-1, 1]).sum());
  const grad = timeIt(() => {
    const r = g(x);
    r.dataSync();
    return r;
  }, (r) => (r as tf.Tensor).dispose(), reps, 2); // a whole gradient calls each kernel many times: warm after 2
  const forward = timeIt(() => {
    const r = model.predict(x) as tf.Tensor;
    r.dataSync();
    return r;
  }, (r) => (r as tf.Tensor).dispose(), reps, 2);
  return { grad, forward };
}

type Sym = tf.SymbolicTensor;
const ap = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

/** Keras MobileNetV2 (α = 1, 224×224, 1000 classes, 3.5 M parameters) with default random weights, for scale. */
function fullMobileNetV2(): tf.LayersModel {
  const cbr = (x: Sym, f: number, k: number, s: number) => {
    x = ap(tf.layers.conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', useBias: false }), x);
    x = ap(tf.layers.batchNormalization({ epsilon: 1e-3 }), x);
    return ap(tf.layers.reLU({ maxValue: 6 }), x);
  };
  const inp = tf.input({ shape: [224, 224, 3] });
  let x = cbr(inp, 32, 3, 2);
  let c = 32;
  const spec = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, ch, n, s] of spec) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let h = t === 1 ? x : cbr(x, c * t, 1, 1);
      if (stride === 2) h = ap(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), h);
      h = ap(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false }), h);
      h = ap(tf.layers.reLU({ maxValue: 6 }), ap(tf.layers.batchNormalization({ epsilon: 1e-3 }), h));
      h = ap(tf.layers.batchNormalization({ epsilon: 1e-3 }), ap(tf.layers.conv2d({ filters: ch, kernelSize: 1, useBias: false }), h));
      x = stride === 1 && c === ch ? ap(tf.layers.add({}), [x, h]) : h;
      c = ch;
    }
  }
  x = ap(tf.layers.globalAveragePooling2d({}), cbr(x, 1280, 1, 1));
  return tf.model({ inputs: inp, outputs: ap(tf.layers.dense({ units: 1000, activation: 'softmax' }), x) });
}

function topKernels(label: string, model: tf.LayersModel, x: tf.Tensor): Promise<void> {
  const g = tf.grad((inp: tf.Tensor) => (model.apply(inp) as tf.Tensor).slice([0, 0], [1, 1]).sum());
  return tf
    .profile(() => {
      const r = g(x);
      r.dataSync();
      return r;
    })
    .then((p) => {
      const by = new Map<string, { ms: number; calls: number }>();
      for (const k of p.kernels) {
        if (k.name.endsWith('__op')) continue; // op wrappers (customGrad) repeat their kernels' time
        const e = by.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += k.kernelTimeMs as number;
        e.calls++;
        by.set(k.name, e);
      }
      const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
      report.topKernels.push({
        model: label,
        totalMs: total,
        rows: [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12).map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls })),
      });
      console.log(`\n${label}: kernels by time in one input gradient (tf.profile, total ${total.toFixed(0)} ms)`);
      const rows = [['kernel', 'ms', 'calls', 'share']];
      for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
        rows.push([name, e.ms.toFixed(1), String(e.calls), `${((100 * e.ms) / total).toFixed(0)}%`]);
      }
      printTable(rows);
    });
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  if (backend !== 'wasm') throw new Error(`wasm backend unavailable (got ${backend})`);
  // Other work on the machine inflates medians; minima and the load average help read the numbers.
  const load = () => `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  Object.assign(report, { simd: simd === 'SIMD', threads: getThreadsCount(), ...wasmKernelNames });
  console.log(`tfjs ${tf.version.tfjs}, wasm backend (${simd}, ${getThreadsCount()} thread(s)), node ${process.version}, ${load()}`);
  console.log(`added kernels: ${wasmKernelNames.added.join(', ')}`);
  console.log(`overridden kernels: ${wasmKernelNames.overridden.join(', ')}`);
  console.log(`fused gradients: ${wasmKernelNames.fusedGradients.join(', ')}\n`);
  await kernelTable();
  if (only.test('AttributionLens')) fusedGradientTable();

  const { model, x } = await loadFixture();
  const one = gradientTimes(model, x, 7);
  const batch8 = tf.concat(Array.from({ length: 8 }, (_, i) => x.mul(i / 8 + 0.125))) as tf.Tensor4D;
  const eight = gradientTimes(model, batch8, 3);
  const timing = (name: string, params: number, batch: number, t: { grad: Stats; forward: Stats }): GradientTiming => ({
    model: name, params, batch, gradMedianMs: t.grad.median, gradMinMs: t.grad.min, forwardMedianMs: t.forward.median, perExampleMs: t.grad.median / batch,
  });
  report.gradients.push(timing('MobileNet fixture', model.countParams(), 1, one), timing('MobileNet fixture', model.countParams(), 8, eight));
  console.log(`\nMobileNet fixture (${model.countParams()} params), wasm:`);
  console.log(`  input gradient, batch 1: median ${one.grad.median.toFixed(0)} ms (min ${one.grad.min.toFixed(0)}); forward ${one.forward.median.toFixed(0)} ms`);
  console.log(`  input gradient, batch 8: median ${eight.grad.median.toFixed(0)} ms = ${(eight.grad.median / 8).toFixed(0)} ms per IG step`);
  await topKernels('MobileNet fixture', model, x);
  batch8.dispose();

  if (args.has('--cpu')) {
    await initBackend('cpu');
    const cpu = gradientTimes(model, x, 1);
    console.log(`  cpu backend input gradient, batch 1: ${cpu.grad.median.toFixed(0)} ms`);
    await initBackend('wasm');
  }
  model.dispose();
  x.dispose();

  if (!args.has('--quick')) {
    const full = fullMobileNetV2();
    const xf = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 1);
    const t = gradientTimes(full, xf, 5);
    const b4 = tf.randomUniform([4, 224, 224, 3], 0, 1, 'float32', 2);
    const t4 = gradientTimes(full, b4, 2);
    report.gradients.push(timing('full-width MobileNetV2 (random weights)', full.countParams(), 1, t), timing('full-width MobileNetV2 (random weights)', full.countParams(), 4, t4));
    console.log(`\nFull-width MobileNetV2 (${full.countParams()} params, random weights), wasm:`);
    console.log(`  input gradient, batch 1: median ${t.grad.median.toFixed(0)} ms (min ${t.grad.min.toFixed(0)}); forward ${t.forward.median.toFixed(0)} ms`);
    console.log(`  input gradient, batch 4: median ${t4.grad.median.toFixed(0)} ms = ${(t4.grad.median / 4).toFixed(0)} ms per IG step`);
    await topKernels('Full-width MobileNetV2', full, xf);
    tf.dispose([xf, b4]);
    full.dispose();
  }
  console.log(`\n${load()}`);
  if (args.has('--emit')) process.stdout.write(`BENCH_RESULT ${JSON.stringify(report)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
