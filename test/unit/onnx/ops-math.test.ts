// Element-wise, activation, reduction, normalization and matrix ops against ONNX Runtime, including the opset
// differences (Softmax before/after 13, Clip attributes vs inputs, Reduce axes as attribute vs input).
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { opParity, type InputSpec } from './harness';

before(async () => {
  await initBackend('wasm');
});

const x = (dims: number[], name = 'x'): InputSpec => ({ name, dims });
const c = (dims: number[], name: string, values?: number[]): InputSpec => ({ name, dims, initializer: values ?? true });
const ints = (name: string, values: number[]): InputSpec => ({ name, dims: [values.length], dtype: 'int64', initializer: values });
/** Positive inputs for Sqrt, Log, Pow. */
const positive = (dims: number[]): InputSpec => ({ name: 'x', dims, values: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 0.1 + ((i * 37) % 17) / 7) });

test('binary arithmetic with broadcasting, and variadic Min, Max, Sum, Mean', async () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) await opParity(op, [x([2, 3, 4]), c([3, 1], 'b')]);
  await opParity('Pow', [positive([2, 3]), c([3], 'e', [2, 0.5, -1])]);
  for (const op of ['Min', 'Max', 'Sum', 'Mean']) await opParity(op, [x([2, 3]), x([3], 'b'), c([2, 1], 'c')]);
});

test('unary math and activations', async () => {
  for (const op of ['Exp', 'Neg', 'Abs', 'Reciprocal', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Softplus', 'Softsign', 'HardSwish', 'Sin', 'Cos', 'Floor', 'Ceil']) {
    await opParity(op, [x([2, 3, 4])]);
  }
  for (const op of ['Sqrt', 'Log']) await opParity(op, [positive([2, 5])]);
  await opParity('LeakyRelu', [x([2, 5])], { alpha: { f: 0.2 } });
  await opParity('Elu', [x([2, 5])], { alpha: { f: 0.7 } });
  await opParity('Selu', [x([2, 5])]);
  await opParity('HardSigmoid', [x([2, 5])], { alpha: { f: 0.3 }, beta: { f: 0.4 } });
  await opParity('PRelu', [x([2, 3, 4]), c([3, 1], 'slope')]);
});

test('Gelu (opset 20), exact and tanh approximation', async () => {
  await opParity('Gelu', [x([2, 6])], {}, 20);
  await opParity('Gelu', [x([2, 6])], { approximate: { s: 'tanh' } }, 20);
});

test('Clip: attributes before opset 11, optional min/max inputs after', async () => {
  await opParity('Clip', [x([3, 4])], { min: { f: -0.2 }, max: { f: 0.5 } }, 9);
  await opParity('Clip', [x([3, 4]), c([], 'lo', [-0.3])], {}, 13);
  await opParity('Clip', [x([3, 4]), { name: '', dims: [] }, c([], 'hi', [0.1])], {}, 13);
});

test('Softmax and LogSoftmax: coerced to 2D before opset 13, along one axis from 13', async () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    await opParity(op, [x([2, 3, 4])], { axis: { i: 1 } }, 11);
    await opParity(op, [x([2, 3, 4])], { axis: { i: 1 } }, 13);
    await opParity(op, [x([2, 3, 4])], {}, 13);
  }
});

test('comparisons, Not, Where and Cast', async () => {
  const where = (op: string) => ({
    opset: 13,
    inputs: [{ name: 'x', dims: [2, 3] }, { name: 'y', dims: [3] }],
    outputs: [{ name: 'z' }],
    nodes: [
      { op, inputs: ['x', 'y'], outputs: ['m'] },
      { op: 'Not', inputs: ['m'], outputs: ['n'] },
      { op: 'Where', inputs: ['n', 'x', 'y'], outputs: ['w'] },
      { op: 'Cast', inputs: ['m'], outputs: ['mf'], attrs: { to: { i: 1 } } },
      { op: 'Add', inputs: ['w', 'mf'], outputs: ['z'] },
    ],
  });
  const { expectParity } = await import('./harness');
  const { seeded } = await import('./builder');
  for (const op of ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual']) {
    const xv = seeded(6, 5);
    await expectParity(where(op), { x: { dims: [2, 3], values: xv }, y: { dims: [3], values: [xv[0], xv[4], 0] } });
  }
});

test('reductions: axes as attribute (ReduceSum < 13, others < 18) and as input, keepdims, noop_with_empty_axes', async () => {
  await opParity('ReduceSum', [x([2, 3, 4])], { axes: { ints: [0, -1] }, keepdims: { i: 0 } }, 11);
  await opParity('ReduceSum', [x([2, 3, 4]), ints('a', [1])], {}, 13);
  await opParity('ReduceSum', [x([2, 3, 4]), { name: 'a', dims: [0], dtype: 'int64', initializer: [] }], { noop_with_empty_axes: { i: 1 } }, 13);
  for (const op of ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp']) {
    await opParity(op, [x([2, 3, 4])], { axes: { ints: [1] } }, 13);
    await opParity(op, [x([2, 3, 4]), ints('a', [-1, 0])], { keepdims: { i: 0 } }, 18);
  }
  await opParity('ReduceMean', [x([2, 3, 4])], { keepdims: { i: 0 } }, 13);
});

test('MatMul (1D operands, batch broadcasting, weights) and Gemm (transA, transB, alpha, beta)', async () => {
  await opParity('MatMul', [x([2, 3, 4]), c([4, 5], 'w')]);
  await opParity('MatMul', [x([4]), x([2, 4, 3], 'b')]);
  await opParity('MatMul', [x([2, 1, 3, 4]), x([3, 4, 2], 'b')]);
  await opParity('MatMul', [x([4]), x([4], 'b')]);
  await opParity('MatMul', [x([2, 3, 4]), x([4], 'b')]);
  await opParity('Gemm', [x([3, 4]), c([5, 4], 'w'), c([1, 5], 'c')], { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } });
  await opParity('Gemm', [x([4, 3]), c([4, 5], 'w'), c([5], 'c')], { transA: { i: 1 } });
});

test('BatchNormalization (2D and 1D inputs), LayerNormalization (axis -1 and -2), InstanceNormalization', async () => {
  const stats = (n: number) => [c([n], 'scale'), c([n], 'bias'), c([n], 'mean'), c([n], 'var', Array.from({ length: n }, (_, i) => 0.5 + i / 4))];
  await opParity('BatchNormalization', [x([2, 3, 4, 5]), ...stats(3)], { epsilon: { f: 1e-3 } }, 15);
  await opParity('BatchNormalization', [x([2, 4, 6]), ...stats(4)], {}, 9);
  await opParity('LayerNormalization', [x([2, 3, 8]), c([8], 'g'), c([8], 'b')], { epsilon: { f: 1e-5 } }, 17);
  await opParity('LayerNormalization', [x([2, 3, 8]), c([3, 8], 'g')], { axis: { i: -2 } }, 17);
  await opParity('InstanceNormalization', [x([2, 3, 4, 5]), c([3], 'g'), c([3], 'b')], {}, 13);
});
