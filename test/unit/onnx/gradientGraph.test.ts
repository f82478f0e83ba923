// Input gradients of ONNX models through ONNX Runtime (src/engine/models/onnx/gradient/): the backward graph built as
// ONNX ops must give the gradient tfjs computes on the imported graph (the reference, 1e-4 relative), on the
// PyTorch fixtures (also against PyTorch autograd) and on hand-built one-op graphs with stride/pad/dilation/group
// edge cases; an op without a rule on the input→output path falls back to tfjs; methods report the path.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { GRADIENTS_ENV, gradientsInBatches } from '../../../src/engine/methods/gradient/batchedGradients';
import { targetGradient } from '../../../src/engine/methods/gradient/targetGradient';
import { getMethod } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import { loadModel } from '../../../src/engine/models';
import { buildGradientModel } from '../../../src/engine/models/onnx/gradient';
import { fastGradientBytesPerRow } from '../../../src/engine/models/onnx/gradient/memory';
import { readOnnx } from '../../../src/engine/models/onnx/parse';
import type { ExplainableModel } from '../../../src/engine/models/types';
import { compareVectors, describeMismatch } from '../reference/referenceFiles';
import { buildModel, seeded, sizeOf, type AttrSpec, type NodeSpec, type TensorSpec } from './builder';

const FIXTURES = join(__dirname, '../../fixtures/onnx');
const dir = mkdtempSync(join(tmpdir(), 'lens-onnx-gradient-'));
const ctx: RunContext = { progress() {}, async checkpoint() {}, batchSize: 7 };
const TOLERANCE = 1e-4;

before(async () => {
  await initBackend('wasm');
});

after(() => {
  delete process.env[GRADIENTS_ENV];
});

/** max |ours − ref| / max |ref|: unlike verify.ts' relativeError, no floor, so tiny gradients are compared too. */
function strictError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length) return Infinity;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    const d = Math.abs(ours[i] - ref[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return scale === 0 ? worst : worst / scale;
}

let seed = 1000;
const init = (name: string, dims: number[], values?: number[]): TensorSpec => ({ name, dims, values: values ?? seeded(sizeOf(dims), seed++) });

/** Both gradients at batches 1 and 3 (every target); asserts the fast path ran and agrees with tfjs. */
async function expectSameGradients(model: ExplainableModel, what: string): Promise<void> {
  for (const batch of [1, 3]) {
    const x = tf.tensor(seeded(batch * sizeOf(model.inputShape), 77 + batch), [batch, ...model.inputShape]);
    try {
      for (let target = 0; target < model.outputSize; target++) {
        const fast = await model.gradientsFast!(x, target);
        assert.ok(fast, `${what}: the ONNX Runtime gradient is available`);
        const ref = targetGradient(model, x, target);
        const err = strictError(await fast.data(), await ref.data());
        tf.dispose([fast, ref]);
        assert.ok(err <= TOLERANCE, `${what}, batch ${batch}, target ${target}: ONNX Runtime vs tfjs gradient, relative error ${err}`);
      }
    } finally {
      x.dispose();
    }
  }
}

interface OpCase {
  name: string;
  opset?: number;
  /** Input shape without the batch. */
  input: number[];
  /** Nodes from 'x' to 'z'; 'z' is flattened and mixed into 3 scores by a random Gemm, so every output counts. */
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  /** Size of z per example. */
  zSize: number;
}

let files = 0;
function writeCase(c: OpCase): string {
  const head = init('w_head', [3, c.zSize]);
  const bytes = buildModel({
    opset: c.opset ?? 17,
    inputs: [{ name: 'x', dims: ['N', ...c.input] }],
    outputs: [{ name: 'y' }],
    initializers: [...(c.initializers ?? []), head],
    nodes: [
      ...c.nodes,
      { op: 'Flatten', inputs: ['z'], outputs: ['z_flat'], attrs: { axis: { i: 1 } } },
      { op: 'Gemm', inputs: ['z_flat', 'w_head'], outputs: ['y'], attrs: { transB: { i: 1 } } },
    ],
  });
  const path = join(dir, `case${files++}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

const ints = (v: number[]): AttrSpec => ({ ints: v });
const int = (v: number): AttrSpec => ({ i: v });
const float = (v: number): AttrSpec => ({ f: v });
const str = (v: string): AttrSpec => ({ s: v });
const i64 = (name: string, values: number[]): TensorSpec => ({ name, dims: [values.length], dtype: 'int64', values });
const scalar = (name: string, v: number): TensorSpec => ({ name, dims: [], values: [v] });
const one = (op: string, inputs: string[], attrs?: Record<string, AttrSpec>, output = 'z'): NodeSpec => ({ op, inputs, outputs: [output], attrs });
const unaryCase = (op: string, attrs?: Record<string, AttrSpec>, opset?: number): OpCase => ({
  name: op,
  opset,
  input: [2, 5],
  zSize: 10,
  nodes: [one(op, ['x'], attrs)],
});

const OP_CASES: OpCase[] = [
  {
    name: 'Conv: stride 2, asymmetric pads, dilation 2',
    input: [3, 9, 9],
    zSize: 4 * 4 * 3,
    initializers: [init('w', [4, 3, 3, 3])],
    nodes: [one('Conv', ['x', 'w'], { strides: ints([2, 2]), pads: ints([1, 0, 2, 1]), dilations: ints([2, 2]) })],
  },
  {
    name: 'Conv: 3 groups, strides 2×3 leaving input unread, bias',
    input: [6, 9, 8],
    zSize: 6 * 4 * 3,
    initializers: [init('w', [6, 2, 3, 2]), init('b', [6])],
    nodes: [one('Conv', ['x', 'w', 'b'], { group: int(3), strides: ints([2, 3]) })],
  },
  {
    name: 'Conv: depthwise (multiplier 2), SAME_UPPER, stride 2',
    input: [4, 8, 7],
    zSize: 8 * 4 * 4,
    initializers: [init('w', [8, 1, 3, 3])],
    nodes: [one('Conv', ['x', 'w'], { group: int(4), auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) })],
  },
  {
    name: 'Conv: SAME_LOWER, even kernel, stride 2',
    input: [2, 7, 7],
    zSize: 3 * 4 * 4,
    initializers: [init('w', [3, 2, 2, 2])],
    nodes: [one('Conv', ['x', 'w'], { auto_pad: str('SAME_LOWER'), strides: ints([2, 2]) })],
  },
  {
    name: 'Conv stride 1 (adjoint as a Conv): 2 groups, dilation 2×1, asymmetric pads',
    input: [4, 7, 6],
    zSize: 6 * 6 * 5,
    initializers: [init('w', [6, 2, 3, 3])],
    nodes: [one('Conv', ['x', 'w'], { group: int(2), dilations: ints([2, 1]), pads: ints([2, 0, 1, 1]) })],
  },
  {
    name: 'Conv stride 1: depthwise, SAME_UPPER',
    input: [3, 6, 6],
    zSize: 3 * 6 * 6,
    initializers: [init('w', [3, 1, 3, 3])],
    nodes: [one('Conv', ['x', 'w'], { group: int(3), auto_pad: str('SAME_UPPER') })],
  },
  {
    name: 'Conv stride 1: pads beyond the kernel reach (adjoint as a ConvTranspose)',
    input: [2, 5, 5],
    zSize: 3 * 8 * 8,
    initializers: [init('w', [3, 2, 2, 2])],
    nodes: [one('Conv', ['x', 'w'], { pads: ints([2, 2, 2, 2]) })],
  },
  {
    name: 'Conv1d: VALID, dilation 3, stride 2, bias',
    input: [3, 20],
    zSize: 5 * 7,
    initializers: [init('w', [5, 3, 3]), init('b', [5])],
    nodes: [one('Conv', ['x', 'w', 'b'], { auto_pad: str('VALID'), dilations: ints([3]), strides: ints([2]) })],
  },
  {
    name: 'ConvTranspose: stride 2, pads, output_padding',
    input: [3, 5, 5],
    zSize: 2 * 10 * 10,
    initializers: [init('w', [3, 2, 3, 3])],
    nodes: [one('ConvTranspose', ['x', 'w'], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) })],
  },
  {
    name: 'MaxPool: 3×3 stride 2 overlapping windows, pads (opset 17: ScatterElements add)',
    input: [2, 9, 9],
    zSize: 2 * 5 * 5,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) })],
  },
  {
    name: 'MaxPool: 3×3 stride 2 overlapping windows, pads (opset 13: non-overlapping groups)',
    opset: 13,
    input: [2, 9, 9],
    zSize: 2 * 5 * 5,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) })],
  },
  {
    name: 'MaxPool: 2×2 stride 2, odd sizes, pads (windows do not overlap: MaxUnpool)',
    opset: 13,
    input: [2, 9, 7],
    zSize: 2 * 5 * 4,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([1, 0, 0, 1]) })],
  },
  {
    name: 'MaxPool: 2×3 window, stride 3 (gaps between windows: MaxUnpool)',
    input: [3, 8, 9],
    zSize: 3 * 3 * 3,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([2, 3]), strides: ints([3, 3]) })],
  },
  {
    name: 'Relu → MaxPool 2×2 stride 2 (the ReLU folded into the unpool; all-negative windows tie at 0)',
    input: [2, 8, 6],
    zSize: 2 * 4 * 3,
    nodes: [one('Relu', ['x'], undefined, 'r'), one('MaxPool', ['r'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) })],
  },
  {
    name: 'Relu → MaxPool 3×3 stride 2 overlapping (the ReLU folded into the scatter, opset 13 groups)',
    opset: 13,
    input: [2, 9, 9],
    zSize: 2 * 4 * 4,
    nodes: [one('Relu', ['x'], undefined, 'r'), one('MaxPool', ['r'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]) })],
  },
  {
    name: 'Relu read by MaxPool and Add (not folded: the ReLU has another reader)',
    input: [2, 6, 6],
    zSize: 2 * 3 * 3,
    nodes: [
      one('Relu', ['x'], undefined, 'r'),
      one('MaxPool', ['r'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, 'p'),
      one('MaxPool', ['x'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, 'q'),
      one('Add', ['r', 'r'], undefined, 'rr'),
      one('MaxPool', ['rr'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, 'pp'),
      one('Sum', ['p', 'q', 'pp']),
    ],
  },
  {
    name: 'MaxPool: ceil_mode, 2×2 stride 2 on odd sizes',
    opset: 13,
    input: [2, 9, 7],
    zSize: 2 * 5 * 4,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) })],
  },
  {
    name: 'MaxPool1d: kernel 3 stride 2 (opset 11)',
    opset: 11,
    input: [3, 17],
    zSize: 3 * 8,
    nodes: [one('MaxPool', ['x'], { kernel_shape: ints([3]), strides: ints([2]) })],
  },
  {
    name: 'AveragePool: count_include_pad 0, asymmetric pads, ceil_mode',
    input: [2, 10, 8],
    zSize: 2 * 6 * 4,
    nodes: [one('AveragePool', ['x'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 1]), ceil_mode: int(1) })],
  },
  {
    name: 'AveragePool: count_include_pad 1, pads 1, stride 2',
    input: [2, 8, 8],
    zSize: 2 * 4 * 4,
    nodes: [one('AveragePool', ['x'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), count_include_pad: int(1) })],
  },
  {
    name: 'BatchNormalization then GlobalAveragePool',
    input: [3, 4, 5],
    zSize: 3,
    initializers: [init('s', [3]), init('bias', [3]), init('mean', [3]), init('var', [3], [0.5, 1.5, 2])],
    nodes: [one('BatchNormalization', ['x', 's', 'bias', 'mean', 'var'], { epsilon: float(1e-3) }, 'bn'), one('GlobalAveragePool', ['bn'])],
  },
  {
    name: 'broadcasting Add/Sub/Mul/Div between input-dependent operands (squeeze-excitation)',
    input: [4, 3, 3],
    zSize: 4 * 3 * 3,
    initializers: [init('c', [3]), scalar('one', 1)],
    nodes: [
      one('GlobalAveragePool', ['x'], undefined, 'a'),
      one('Sigmoid', ['a'], undefined, 's'),
      one('Mul', ['x', 's'], undefined, 'm'),
      one('Mul', ['a', 'a'], undefined, 'a2'),
      one('Add', ['a2', 'one'], undefined, 'den'),
      one('Div', ['x', 'den'], undefined, 'd'),
      one('Sub', ['c', 'm'], undefined, 'sub'),
      one('Add', ['sub', 'd']),
    ],
  },
  {
    name: 'Gemm: transB, alpha, beta, bias',
    input: [4],
    zSize: 5,
    initializers: [init('w', [5, 4]), init('c', [5])],
    nodes: [one('Gemm', ['x', 'w', 'c'], { transB: int(1), alpha: float(0.5), beta: float(2) })],
  },
  {
    name: 'Gemm: input as A with transA, row bias',
    input: [4],
    zSize: 5,
    initializers: [init('w', [4, 5]), init('c', [1, 5])],
    nodes: [one('Transpose', ['x'], { perm: ints([1, 0]) }, 'xt'), one('Gemm', ['xt', 'w', 'c'], { transA: int(1), alpha: float(1.5) })],
  },
  {
    name: 'Gemm: input as B with transB',
    input: [4],
    zSize: 5,
    initializers: [init('w', [5, 4])],
    nodes: [one('Gemm', ['w', 'x'], { transB: int(1) }, 'g'), one('Transpose', ['g'], { perm: ints([1, 0]) })],
  },
  {
    name: 'MatMul: with a constant and with itself (batched), Concat',
    input: [3, 4],
    zSize: 15 + 9,
    initializers: [init('w', [4, 5])],
    nodes: [
      one('MatMul', ['x', 'w'], undefined, 'p'),
      one('Transpose', ['x'], { perm: ints([0, 2, 1]) }, 'xt'),
      one('MatMul', ['x', 'xt'], undefined, 'q'),
      one('Flatten', ['p'], { axis: int(1) }, 'pf'),
      one('Flatten', ['q'], { axis: int(1) }, 'qf'),
      one('Concat', ['pf', 'qf'], { axis: int(1) }),
    ],
  },
  { name: 'Softmax (opset 13, last axis)', input: [3, 4], zSize: 12, nodes: [one('Softmax', ['x'], { axis: int(-1) })] },
  { name: 'Softmax (opset 11, coerced to 2D from axis 1)', opset: 11, input: [3, 4], zSize: 12, nodes: [one('Softmax', ['x'], { axis: int(1) })] },
  { name: 'LogSoftmax (axis 1)', input: [3, 4], zSize: 12, nodes: [one('LogSoftmax', ['x'], { axis: int(1) })] },
  {
    name: 'Transpose, Reshape, Unsqueeze, Squeeze, Identity, Dropout',
    input: [2, 3, 4],
    zSize: 24,
    initializers: [i64('shape', [0, 4, 6]), i64('axes', [1])],
    nodes: [
      one('Transpose', ['x'], { perm: ints([0, 3, 1, 2]) }, 't'),
      one('Reshape', ['t', 'shape'], undefined, 'r'),
      one('Unsqueeze', ['r', 'axes'], undefined, 'u'),
      one('Squeeze', ['u', 'axes'], undefined, 's'),
      one('Identity', ['s'], undefined, 'i'),
      one('Dropout', ['i']),
    ],
  },
  {
    name: 'Pad (constant, positive and negative), ReduceMean (keepdims 0), ReduceSum (axes input)',
    opset: 13,
    input: [2, 5, 6],
    zSize: 2 * 6,
    initializers: [i64('pads', [0, 0, 1, -1, 0, 0, 2, 1]), i64('axes', [2])],
    nodes: [
      one('Pad', ['x', 'pads'], { mode: str('constant') }, 'p'),
      one('ReduceMean', ['p'], { axes: ints([2]), keepdims: int(0) }, 'm'),
      one('ReduceSum', ['p', 'axes'], { keepdims: int(1) }, 's'),
      one('Flatten', ['m'], { axis: int(1) }, 'mf'),
      one('Flatten', ['s'], { axis: int(1) }, 'sf'),
      one('Add', ['mf', 'sf']),
    ],
  },
  {
    name: 'ReduceMean (opset 18, axes input)',
    opset: 18,
    input: [3, 4],
    zSize: 3,
    initializers: [i64('axes', [-1])],
    nodes: [one('ReduceMean', ['x', 'axes'], { keepdims: int(0) })],
  },
  {
    name: 'Slice: step 3 on the last axis, negative start on another',
    input: [3, 11],
    zSize: 2 * 3,
    initializers: [i64('starts', [1, -2]), i64('ends', [10, 3]), i64('axes', [2, 1]), i64('steps', [3, 1])],
    nodes: [one('Slice', ['x', 'starts', 'ends', 'axes', 'steps'])],
  },
  {
    name: 'Clip (opset 13: min and max inputs), then Clip with max only (ReLU6-like)',
    input: [2, 5],
    zSize: 10,
    initializers: [scalar('lo', -0.3), scalar('hi', 0.4), scalar('six', 0.5)],
    nodes: [one('Clip', ['x', 'lo', 'hi'], undefined, 'c'), one('Mul', ['c', 'x'], undefined, 'cx'), one('Clip', ['cx', '', 'six'])],
  },
  {
    name: 'Pow (cube) and PRelu',
    input: [2, 5],
    zSize: 10,
    initializers: [scalar('three', 3), init('slope', [2, 1])],
    nodes: [one('Pow', ['x', 'three'], undefined, 'p'), one('PRelu', ['p', 'slope'])],
  },
  {
    name: 'Einsum (attention scores, both operands input-dependent) and a one-operand transpose',
    input: [3, 4],
    zSize: 3 * 3 + 12,
    nodes: [
      one('Einsum', ['x', 'x'], { equation: str('bqd,bkd->bqk') }, 'scores'),
      one('Einsum', ['x'], { equation: str('bqd->bdq') }, 't'),
      one('Flatten', ['scores'], { axis: int(1) }, 'sf'),
      one('Flatten', ['t'], { axis: int(1) }, 'tf'),
      one('Concat', ['sf', 'tf'], { axis: int(1) }),
    ],
  },
  {
    name: 'Gather: scalar index on axis 1 ([CLS]) and a vector with repeats and a negative index on axis 2',
    input: [3, 5],
    zSize: 5 + 3 * 4,
    initializers: [{ name: 'first', dims: [], dtype: 'int64', values: [0] }, i64('picks', [4, 1, 1, -1])],
    nodes: [
      one('Gather', ['x', 'first'], { axis: int(1) }, 'cls'),
      one('Gather', ['x', 'picks'], { axis: int(2) }, 'g'),
      one('Flatten', ['g'], { axis: int(1) }, 'gf'),
      one('Concat', ['cls', 'gf'], { axis: int(1) }),
    ],
  },
  {
    name: 'Split (one output unused), Cast, Expand',
    input: [2, 5],
    zSize: 3 * 2 * 2,
    initializers: [i64('split', [2, 3]), i64('axes', [1]), i64('shape', [1, 3, 2, 2])],
    nodes: [
      { op: 'Split', inputs: ['x', 'split'], outputs: ['a', 'unused'], attrs: { axis: int(2) } },
      one('Cast', ['a'], { to: int(1) }, 'ac'),
      one('Unsqueeze', ['ac', 'axes'], undefined, 'u'),
      one('Expand', ['u', 'shape']),
    ],
  },
  {
    name: 'Resize: nearest (asymmetric, floor), scales 2×3',
    opset: 13,
    input: [2, 3, 4],
    zSize: 2 * 6 * 12,
    initializers: [{ name: 'scales', dims: [4], values: [1, 1, 2, 3] }],
    nodes: [one('Resize', ['x', '', 'scales'], { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') })],
  },
  {
    name: 'Resize: linear (half_pixel), scales 2×2',
    opset: 13,
    input: [2, 3, 4],
    zSize: 2 * 6 * 8,
    initializers: [{ name: 'scales', dims: [4], values: [1, 1, 2, 2] }],
    nodes: [one('Resize', ['x', '', 'scales'], { mode: str('linear'), coordinate_transformation_mode: str('half_pixel') })],
  },
  {
    name: 'Resize: linear (align_corners), scales 1.5×2, opset 11 (roi and scales inputs)',
    opset: 11,
    input: [2, 4, 3],
    zSize: 2 * 6 * 6,
    initializers: [{ name: 'roi', dims: [0], values: [] }, { name: 'scales', dims: [4], values: [1, 1, 1.5, 2] }],
    nodes: [one('Resize', ['x', 'roi', 'scales'], { mode: str('linear'), coordinate_transformation_mode: str('align_corners') })],
  },
  unaryCase('Relu'),
  unaryCase('LeakyRelu', { alpha: float(0.1) }),
  unaryCase('Sigmoid'),
  unaryCase('Tanh'),
  unaryCase('Exp'),
  unaryCase('Neg'),
  unaryCase('Abs'),
  unaryCase('Sin'),
  unaryCase('Cos'),
  unaryCase('Erf'),
  unaryCase('Softplus'),
  unaryCase('HardSigmoid', { alpha: float(0.4), beta: float(0.3) }),
  unaryCase('HardSwish', undefined, 14),
  {
    name: 'Sqrt, Log, Reciprocal (of x² + 0.5)',
    input: [2, 5],
    zSize: 30,
    initializers: [scalar('half', 0.5)],
    nodes: [
      one('Mul', ['x', 'x'], undefined, 'x2'),
      one('Add', ['x2', 'half'], undefined, 'v'),
      one('Sqrt', ['v'], undefined, 'a'),
      one('Log', ['v'], undefined, 'b'),
      one('Reciprocal', ['v'], undefined, 'c'),
      one('Concat', ['a', 'b', 'c'], { axis: int(1) }),
    ],
  },
];

for (const c of OP_CASES) {
  test(`ONNX Runtime gradient = tfjs gradient: ${c.name}`, async () => {
    const model = await loadModel(writeCase(c));
    try {
      await expectSameGradients(model, c.name);
    } finally {
      model.dispose();
    }
  });
}

test('Elu (tfjs cannot differentiate the imported Elu): the ONNX Runtime gradient is the analytic one', async () => {
  const head = init('w_head', [3, 10]);
  const path = join(dir, 'elu.onnx');
  writeFileSync(
    path,
    buildModel({
      opset: 17,
      inputs: [{ name: 'x', dims: ['N', 10] }],
      outputs: [{ name: 'y' }],
      initializers: [head],
      nodes: [one('Elu', ['x'], { alpha: float(0.7) }, 'e'), one('Gemm', ['e', 'w_head'], { transB: int(1) }, 'y')],
    }),
  );
  const model = await loadModel(path);
  try {
    const values = seeded(30, 9);
    const x = tf.tensor(values, [3, 10]);
    const fast = await model.gradientsFast!(x, 2);
    x.dispose();
    assert.ok(fast);
    const ours = await fast.data();
    fast.dispose();
    const expected = values.map((v, i) => head.values[20 + (i % 10)] as number * (v > 0 ? 1 : 0.7 * Math.exp(v)));
    assert.ok(strictError(ours, expected) <= TOLERANCE, `relative error ${strictError(ours, expected)}`);
  } finally {
    model.dispose();
  }
});

interface FixtureCase {
  input: number;
  target: number;
  gradient: number[];
  integratedGradients: number[];
  completenessDelta: number;
}
interface Fixture {
  inputShape: number[];
  inputs: number[][];
  cases: FixtureCase[];
}
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

async function attribute(model: ExplainableModel, rows: number[][], target: number, method: string, options: object) {
  const m = getMethod(method);
  const x = tf.tensor(rows.flat(), [rows.length, ...model.inputShape]);
  const baseline = tf.zerosLike(x);
  try {
    const r = await m.attribute(model, { x, baseline }, target, m.resolveOptions({ ...options }, model), ctx);
    const values = Array.from(await r.attributions.data());
    r.attributions.dispose();
    return { values, checks: r.checks };
  } finally {
    tf.dispose([x, baseline]);
  }
}

for (const name of ['mlp', 'cnn2d', 'cnn1d', 'grouped', 'upsample', 'external', 'bert_embeds']) {
  test(`${name} fixture: ONNX Runtime gradient = tfjs gradient (batches 1, 3) and PyTorch autograd; IG complete on the fast path`, async () => {
    const model = await loadModel(join(FIXTURES, `${name}.onnx`));
    const f = fixture(name);
    try {
      await expectSameGradients(model, name);
      const tensorsBefore = tf.memory().numTensors;
      for (const c of f.cases) {
        const saliency = await attribute(model, [f.inputs[c.input]], c.target, 'saliency', { abs: false });
        assert.equal(saliency.checks.gradientPath, 'onnxruntime');
        const m = compareVectors(saliency.values, c.gradient);
        assert.equal(m, undefined, m && `${name} input ${c.input}: fast gradient vs PyTorch: ${describeMismatch(m)}`);
        const ig = await attribute(model, [f.inputs[c.input]], c.target, 'integrated-gradients', { steps: 32, igMethod: 'gausslegendre' });
        assert.equal(ig.checks.gradientPath, 'onnxruntime');
        const mi = compareVectors(ig.values, c.integratedGradients);
        assert.equal(mi, undefined, mi && `${name} input ${c.input}: fast IG vs PyTorch: ${describeMismatch(mi)}`);
        const delta = ig.checks.convergenceDelta as number;
        const scale = c.integratedGradients.reduce((a, v) => a + Math.abs(v), 0);
        assert.ok(Math.abs(delta - c.completenessDelta) <= 1e-4 * scale + 1e-6, `${name}: delta ${delta} vs PyTorch ${c.completenessDelta}`);
        const change = (ig.checks.inputScore as number) - (ig.checks.baselineScore as number);
        assert.ok(Math.abs(delta) <= 0.05 * Math.max(Math.abs(change), 0.1), `${name}: IG misses F(x) − F(0) = ${change} by ${delta}`);
      }
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak on the fast path');
    } finally {
      model.dispose();
    }
  });
}

test('a Resize that downsamples has no rule: the gradient model says why, and methods fall back to tfjs with the same result', async () => {
  const path = writeCase({
    name: 'downsample',
    opset: 13,
    input: [2, 6, 6],
    zSize: 2 * 3 * 3,
    initializers: [{ name: 'scales', dims: [4], values: [1, 1, 0.5, 0.5] }],
    nodes: [one('Resize', ['x', '', 'scales'], { mode: str('linear') })],
  });
  const parsed = await readOnnx(path);
  const model = await loadModel(path);
  try {
    const built = await buildGradientModel({
      bytes: parsed.bytes,
      graph: parsed.graph,
      external: false,
      inputName: 'x',
      outputName: 'y',
      inputShape: model.inputShape,
      outputSize: model.outputSize,
      batchOfOne: false,
    });
    assert.ok('reason' in built && /Resize node .*scales below 1/.test(built.reason), JSON.stringify('reason' in built ? built.reason : 'built'));
    const rows = [seeded(72, 4)];
    const x = tf.tensor(rows[0], [1, ...model.inputShape]);
    assert.equal(await model.gradientsFast!(x, 0), undefined);
    const reference = targetGradient(model, x, 0);
    const expected = Array.from(await reference.data());
    tf.dispose([x, reference]);
    const tensorsBefore = tf.memory().numTensors;
    const saliency = await attribute(model, rows, 0, 'saliency', { abs: false });
    assert.equal(saliency.checks.gradientPath, 'tfjs');
    assert.ok(strictError(saliency.values, expected) <= TOLERANCE);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak on the fallback');
  } finally {
    model.dispose();
  }
});

test('an op without a rule on the path falls back; the same op off the path does not matter', async () => {
  const onPath = await loadModel(writeCase({ name: 'softsign', input: [2, 5], zSize: 10, nodes: [one('Softsign', ['x'])] }));
  const offPath = await loadModel(
    writeCase({
      name: 'softsign off path',
      input: [2, 5],
      zSize: 10,
      nodes: [one('Softsign', ['x'], undefined, 'unused'), one('Tanh', ['x'])],
    }),
  );
  try {
    const rows = [seeded(10, 5)];
    const a = await attribute(onPath, rows, 1, 'saliency', {});
    assert.equal(a.checks.gradientPath, 'tfjs');
    const b = await attribute(offPath, rows, 1, 'saliency', {});
    assert.equal(b.checks.gradientPath, 'onnxruntime');
  } finally {
    onPath.dispose();
    offPath.dispose();
  }
});

test('every gradient method reports its path; ATTRIBUTION_LENS_GRADIENTS=tfjs forces tfjs with the same result; guided backprop stays on tfjs', async () => {
  const model = await loadModel(join(FIXTURES, 'cnn2d.onnx'));
  const f = fixture('cnn2d');
  const rows = [f.inputs[0]];
  const methods: [string, object][] = [
    ['saliency', { abs: false }],
    ['input-x-gradient', {}],
    ['integrated-gradients', { steps: 8 }],
    ['smoothgrad', { samples: 4, seed: 3 }],
    ['gradient-shap', { samples: 6, seed: 3 }],
  ];
  try {
    for (const [method, options] of methods) {
      const fast = await attribute(model, rows, 2, method, options);
      assert.equal(fast.checks.gradientPath, 'onnxruntime', method);
      process.env[GRADIENTS_ENV] = 'tfjs';
      try {
        const slow = await attribute(model, rows, 2, method, options);
        assert.equal(slow.checks.gradientPath, 'tfjs', method);
        const err = strictError(fast.values, slow.values);
        assert.ok(err <= TOLERANCE, `${method}: fast vs tfjs relative error ${err}`);
      } finally {
        delete process.env[GRADIENTS_ENV];
      }
    }
    const guided = await attribute(model, rows, 2, 'guided-backprop', {});
    assert.equal(guided.checks.gradientPath, 'tfjs');
  } finally {
    model.dispose();
  }
});

test('the memory budget bounds fast-path batches by the native memory per row', async () => {
  const model = await loadModel(join(FIXTURES, 'cnn2d.onnx'));
  const f = fixture('cnn2d');
  try {
    const x = tf.tensor(f.inputs[0], [1, ...model.inputShape]);
    (await model.gradientsFast!(x, 0))!.dispose();
    x.dispose();
    const perRow = fastGradientBytesPerRow(model);
    assert.ok(perRow !== undefined && perRow > 4 * sizeOf(model.inputShape), `estimated ${perRow} bytes per row`);
    const batches: number[] = [];
    let done = 0;
    const budgeted: RunContext = {
      batchSize: 7,
      memoryBudgetBytes: 2.5 * perRow!,
      async checkpoint() {},
      progress(fraction) {
        const now = Math.round(fraction * 10);
        batches.push(now - done);
        done = now;
      },
    };
    const path = await gradientsInBatches(model, 0, 10, budgeted, (_, row) => row.set(f.inputs[0]), () => undefined);
    assert.equal(path, 'onnxruntime');
    // At most ⌊2.5⌋ = 2 per batch from the first (tfjs alone would allow 7: it sees only inputs and outputs), with no
    // one-input calibration batch: the native estimate is known once the session exists.
    assert.deepEqual(batches, [2, 2, 2, 2, 2]);
    // The same through a wrapper (the engine wraps every model, e.g. for worker threads): the estimate is found.
    batches.length = 0;
    done = 0;
    await gradientsInBatches(Object.create(model) as typeof model, 0, 10, budgeted, (_, row) => row.set(f.inputs[0]), () => undefined);
    assert.deepEqual(batches, [2, 2, 2, 2, 2], 'a wrapped model batches by the native estimate too');
  } finally {
    model.dispose();
  }
});
