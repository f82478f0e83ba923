// Resize against ONNX Runtime for every mode and coordinate transformation, upsampling and downsampling, with
// scales or sizes; and its gradient as an exact adjoint.
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { expectAdjoint, opParity, type InputSpec } from './harness';

before(async () => {
  await initBackend('wasm');
});

const x: InputSpec = { name: 'x', dims: [1, 2, 4, 5] };
const none: InputSpec = { name: '', dims: [] };
const scales = (values: number[]): InputSpec => ({ name: 'scales', dims: [values.length], initializer: values });
const sizes = (values: number[]): InputSpec => ({ name: 'sizes', dims: [values.length], dtype: 'int64', initializer: values });

const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];

test('Resize nearest: every nearest_mode and coordinate transformation, scales up and sizes down', async () => {
  for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
    for (const transform of [...TRANSFORMS, 'tf_half_pixel_for_nn']) {
      const attrs = { mode: { s: 'nearest' }, nearest_mode: { s: nearest }, coordinate_transformation_mode: { s: transform } };
      await opParity('Resize', [x, none, scales([1, 1, 2, 3])], attrs, 13);
      await opParity('Resize', [x, none, none, sizes([1, 2, 3, 7])], attrs, 13);
    }
  }
});

test('Resize linear: every coordinate transformation, fractional scales, sizes, an axis resized to 1', async () => {
  for (const transform of TRANSFORMS) {
    const attrs = { mode: { s: 'linear' }, coordinate_transformation_mode: { s: transform } };
    await opParity('Resize', [x, none, scales([1, 1, 1.5, 0.6])], attrs, 13);
    await opParity('Resize', [x, none, none, sizes([1, 2, 9, 1])], attrs, 13);
  }
});

test('Resize cubic: coefficient, exclude_outside', async () => {
  for (const exclude of [0, 1]) {
    const attrs = { mode: { s: 'cubic' }, cubic_coeff_a: { f: -0.5 }, exclude_outside: { i: exclude } };
    await opParity('Resize', [x, none, scales([1, 1, 2, 1.5])], attrs, 13);
  }
  await opParity('Resize', [x, none, none, sizes([1, 2, 7, 3])], { mode: { s: 'cubic' }, coordinate_transformation_mode: { s: 'align_corners' } }, 13);
});

test('Resize in opset 10 (scales only, asymmetric) and 11 (roi input), and axes (opset 18)', async () => {
  await opParity('Resize', [x, scales([1, 1, 2, 2])], { mode: { s: 'nearest' } }, 10);
  await opParity('Resize', [x, scales([1, 1, 2, 2])], { mode: { s: 'linear' } }, 10);
  await opParity('Resize', [x, { name: 'roi', dims: [0], initializer: [] }, scales([1, 1, 2, 1])], { mode: { s: 'linear' } }, 11);
  await opParity('Resize', [x, none, scales([1.5, 2])], { mode: { s: 'linear' }, axes: { ints: [2, -1] } }, 18);
});

test('Resize gradients are exact adjoints', () => {
  expectAdjoint('Resize', [x, none, scales([1, 1, 1.5, 0.6])], { mode: { s: 'linear' } }, 13);
  expectAdjoint('Resize', [x, none, none, sizes([1, 2, 7, 3])], { mode: { s: 'cubic' } }, 13);
  expectAdjoint('Resize', [x, none, scales([1, 1, 2, 3])], { mode: { s: 'nearest' } }, 13);
});
