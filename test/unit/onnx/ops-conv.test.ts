// Conv, ConvTranspose and pooling against ONNX Runtime: pads (asymmetric), auto_pad, strides, dilations, groups
// (depthwise with multipliers), 1D, ceil_mode, count_include_pad; and their gradients as exact adjoints.
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { expectAdjoint, opParity, type InputSpec } from './harness';

before(async () => {
  await initBackend('wasm');
});

const x4 = (dims: number[]): InputSpec => ({ name: 'x', dims });
const w = (dims: number[]): InputSpec => ({ name: 'w', dims, initializer: true });
const b = (n: number): InputSpec => ({ name: 'b', dims: [n], initializer: true });

test('Conv 2D: asymmetric pads, strides, dilations, bias', async () => {
  await opParity('Conv', [x4([2, 3, 7, 8]), w([4, 3, 3, 3]), b(4)], { pads: { ints: [1, 0, 2, 1] }, strides: { ints: [2, 1] }, dilations: { ints: [2, 2] } });
  await opParity('Conv', [x4([1, 2, 9, 9]), w([3, 2, 2, 3])], { strides: { ints: [3, 2] }, kernel_shape: { ints: [2, 3] } });
});

test('Conv auto_pad SAME_UPPER, SAME_LOWER (even kernel, stride 2) and VALID', async () => {
  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
    await opParity('Conv', [x4([1, 2, 7, 6]), w([3, 2, 4, 4]), b(3)], { auto_pad: { s: autoPad }, strides: { ints: [2, 2] } });
  }
});

test('Conv groups: grouped, depthwise, depthwise with channel multiplier, strides and dilations', async () => {
  await opParity('Conv', [x4([2, 4, 6, 6]), w([6, 2, 3, 3]), b(6)], { group: { i: 2 }, pads: { ints: [1, 1, 1, 1] } });
  await opParity('Conv', [x4([1, 3, 8, 8]), w([3, 1, 3, 3])], { group: { i: 3 }, pads: { ints: [1, 1, 1, 1] } });
  await opParity('Conv', [x4([2, 3, 9, 9]), w([6, 1, 3, 3]), b(6)], { group: { i: 3 }, strides: { ints: [2, 2] }, dilations: { ints: [2, 2] }, pads: { ints: [2, 1, 2, 1] } });
  await opParity('Conv', [x4([1, 4, 7, 7]), w([8, 2, 3, 3])], { group: { i: 2 }, dilations: { ints: [2, 1] }, strides: { ints: [1, 2] } });
});

test('Conv 1D: pads, strides, dilations, depthwise', async () => {
  await opParity('Conv', [x4([2, 3, 11]), w([4, 3, 3]), b(4)], { pads: { ints: [2, 1] }, strides: { ints: [2] }, dilations: { ints: [2] } });
  await opParity('Conv', [x4([2, 3, 10]), w([6, 1, 5])], { group: { i: 3 }, auto_pad: { s: 'SAME_UPPER' } });
});

test('ConvTranspose: strides, pads, output_padding, dilations, groups, auto_pad, output_shape, 1D', async () => {
  await opParity('ConvTranspose', [x4([2, 4, 5, 5]), w([4, 3, 3, 3]), b(3)], { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, output_padding: { ints: [1, 1] } });
  await opParity('ConvTranspose', [x4([1, 2, 4, 3]), w([2, 3, 3, 2])], { strides: { ints: [3, 2] }, dilations: { ints: [2, 1] }, pads: { ints: [0, 1, 2, 0] } });
  await opParity('ConvTranspose', [x4([1, 4, 3, 3]), w([4, 2, 3, 3]), b(4)], { group: { i: 2 }, strides: { ints: [2, 2] } });
  await opParity('ConvTranspose', [x4([1, 2, 4, 4]), w([2, 3, 3, 3])], { strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_UPPER' } });
  await opParity('ConvTranspose', [x4([1, 2, 4, 4]), w([2, 3, 3, 3])], { strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_LOWER' } });
  await opParity('ConvTranspose', [x4([1, 2, 4, 4]), w([2, 3, 3, 3])], { strides: { ints: [2, 2] }, output_shape: { ints: [8, 9] } });
  await opParity('ConvTranspose', [x4([1, 2, 4, 4]), w([2, 3, 3, 3])], { strides: { ints: [2, 2] }, output_shape: { ints: [8, 7] }, auto_pad: { s: 'SAME_UPPER' } });
  await opParity('ConvTranspose', [x4([2, 3, 6]), w([3, 2, 4]), b(2)], { strides: { ints: [2] }, pads: { ints: [1, 2] } });
});

test('MaxPool: pads, strides, ceil_mode, auto_pad, 1D', async () => {
  await opParity('MaxPool', [x4([2, 3, 7, 7])], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  await opParity('MaxPool', [x4([1, 2, 8, 7])], { kernel_shape: { ints: [3, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } });
  await opParity('MaxPool', [x4([1, 2, 7, 5])], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_UPPER' } });
  await opParity('MaxPool', [x4([2, 3, 9])], { kernel_shape: { ints: [3] }, strides: { ints: [2] }, pads: { ints: [1, 0] } });
});

test('AveragePool: count_include_pad on and off, ceil_mode, auto_pad, 1D', async () => {
  for (const include of [0, 1]) {
    await opParity('AveragePool', [x4([2, 3, 7, 6])], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 0, 1, 2] }, count_include_pad: { i: include } });
    await opParity('AveragePool', [x4([1, 2, 8, 7])], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 0, 0] }, ceil_mode: { i: 1 }, count_include_pad: { i: include } });
  }
  await opParity('AveragePool', [x4([1, 2, 7, 5])], { kernel_shape: { ints: [2, 3] }, strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_LOWER' } });
  await opParity('AveragePool', [x4([2, 3, 9])], { kernel_shape: { ints: [2] }, strides: { ints: [2] }, ceil_mode: { i: 1 } });
});

test('GlobalAveragePool and GlobalMaxPool', async () => {
  await opParity('GlobalAveragePool', [x4([2, 3, 5, 4])]);
  await opParity('GlobalMaxPool', [x4([2, 3, 5, 4])]);
  await opParity('GlobalAveragePool', [x4([2, 3, 7])]);
});

test('gradients of conv, transposed conv and average pooling are exact adjoints', () => {
  expectAdjoint('Conv', [x4([2, 3, 9, 8]), w([4, 3, 3, 3])], { pads: { ints: [1, 0, 2, 1] }, strides: { ints: [2, 1] }, dilations: { ints: [2, 2] } });
  expectAdjoint('Conv', [x4([1, 3, 9, 9]), w([6, 1, 3, 3])], { group: { i: 3 }, strides: { ints: [2, 2] }, dilations: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  expectAdjoint('Conv', [x4([1, 4, 7, 7]), w([4, 2, 3, 3])], { group: { i: 2 }, auto_pad: { s: 'SAME_LOWER' } });
  expectAdjoint('Conv', [x4([2, 3, 11]), w([4, 3, 3])], { pads: { ints: [2, 1] }, strides: { ints: [2] }, dilations: { ints: [2] } });
  expectAdjoint('ConvTranspose', [x4([1, 4, 5, 5]), w([4, 3, 3, 3])], { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, output_padding: { ints: [1, 1] } });
  expectAdjoint('AveragePool', [x4([1, 2, 8, 7])], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 0, 0] }, ceil_mode: { i: 1 } });
});
