// Shape and layout ops against ONNX Runtime: Slice (negative steps and axes, INT64 bounds, opset 9 attributes),
// Gather (axes, negative and scalar indices), Pad modes, Split, Squeeze/Unsqueeze across opsets, Einsum patterns,
// and a shape subgraph (Shape → Gather → Unsqueeze → Concat → Reshape) on several batch sizes.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { expectParity, expectAdjoint, opParity, prepare, type InputSpec } from './harness';
import { seeded, sizeOf } from './builder';

before(async () => {
  await initBackend('wasm');
});

const x = (dims: number[]): InputSpec => ({ name: 'x', dims });
const ints = (name: string, values: (number | string)[]): InputSpec => ({ name, dims: [values.length], dtype: 'int64', initializer: values as number[] });

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

test('Slice: negative steps, negative axes, clamped INT64 bounds, steps > 1', async () => {
  await opParity('Slice', [x([3, 4, 5]), ints('s', [-1]), ints('e', [INT64_MIN]), ints('a', [-1]), ints('st', [-1])]);
  await opParity('Slice', [x([3, 4, 7]), ints('s', [5, -1]), ints('e', [0, -5]), ints('a', [2, 1]), ints('st', [-2, -1])]);
  await opParity('Slice', [x([5, 4, 6]), ints('s', [1, 0]), ints('e', [INT64_MAX, -1]), ints('a', [0, 2]), ints('st', [2, 3])]);
  await opParity('Slice', [x([4, 6]), ints('s', [1]), ints('e', [1000]), ints('a', [1])]);
  await opParity('Slice', [x([4, 6]), ints('s', [3, 10]), ints('e', [1, 20])]);
  await opParity('Slice', [x([4, 6])], { starts: { ints: [1, -3] }, ends: { ints: [3, 100] }, axes: { ints: [0, 1] } }, 9);
});

test('Slice gradients are exact adjoints (reversal and subsampling)', () => {
  expectAdjoint('Slice', [x([3, 4, 7]), ints('s', [5, -1]), ints('e', [0, -5]), ints('a', [2, 1]), ints('st', [-2, -1])]);
  expectAdjoint('Slice', [x([5, 6]), ints('s', [1, 0]), ints('e', [5, 6]), ints('a', [0, 1]), ints('st', [3, 2])]);
});

test('Gather: axes 0, 1 and -1, negative indices, scalar index, on runtime data and on constants', async () => {
  const idx = (values: number[], dims: number[]): InputSpec => ({ name: 'i', dims, dtype: 'int64', initializer: values });
  await opParity('Gather', [x([5, 3]), idx([0, -1, 2, 1], [2, 2])]);
  await opParity('Gather', [x([2, 5, 3]), idx([4, -5, 1], [3])], { axis: { i: 1 } });
  await opParity('Gather', [x([2, 3, 4]), idx([-1], [])], { axis: { i: -1 } });
  // Embedding lookup: constant table, runtime int64 ids.
  await opParity('Gather', [{ name: 'table', dims: [10, 4], initializer: true }, { name: 'ids', dims: [2, 3], dtype: 'int64', values: [0, 9, 3, 3, 1, 8] }]);
});

test('Gather gradient w.r.t. the data (scatter-add) is an exact adjoint, repeated indices included', () => {
  expectAdjoint('Gather', [x([5, 3]), { name: 'i', dims: [4], dtype: 'int64', initializer: [0, 2, 2, -1] }]);
  expectAdjoint('Gather', [x([2, 6, 3]), { name: 'i', dims: [], dtype: 'int64', initializer: [1] }], { axis: { i: 1 } });
});

test('Pad: constant value, reflect, edge, wrap, negative pads; opset 2-style attributes and opset 18 axes', async () => {
  await opParity('Pad', [x([2, 3, 4]), ints('p', [0, 1, 2, 0, 2, 1]), { name: 'v', dims: [], initializer: [1.5] }]);
  await opParity('Pad', [x([2, 3, 4]), ints('p', [0, 2, 1, 0, 1, 3])], { mode: { s: 'reflect' } });
  await opParity('Pad', [x([2, 3, 4]), ints('p', [1, 2, 0, 0, 3, 2])], { mode: { s: 'edge' } });
  await opParity('Pad', [x([2, 3, 4]), ints('p', [0, 2, 1, 0, 1, 5])], { mode: { s: 'wrap' } }, 19);
  await opParity('Pad', [x([2, 5, 4]), ints('p', [0, -1, 2, 0, -2, -1])]);
  await opParity('Pad', [x([2, 3, 4]), ints('p', [1, 2, 3, 0]), { name: 'v', dims: [], initializer: [0] }, ints('a', [-1, 1])], {}, 18);
  await opParity('Pad', [x([2, 3])], { pads: { ints: [1, 0, 0, 2] }, value: { f: -1 } }, 10);
});

test('Pad gradients (reflect, edge) are exact adjoints', () => {
  expectAdjoint('Pad', [x([2, 3, 4]), ints('p', [0, 2, 1, 0, 1, 3])], { mode: { s: 'reflect' } });
  expectAdjoint('Pad', [x([2, 3, 4]), ints('p', [1, 2, 0, 0, 3, 2])], { mode: { s: 'edge' } });
});

test('Split: split attribute (opset 11), split input (13), equal parts, num_outputs (18)', async () => {
  await opParity('Split', [x([2, 7])], { axis: { i: 1 }, split: { ints: [2, 5] } }, 11, 2);
  await opParity('Split', [x([6, 3]), ints('s', [1, 2, 3])], {}, 13, 3);
  await opParity('Split', [x([2, 6])], { axis: { i: -1 } }, 13, 3);
  await opParity('Split', [x([7, 2])], { num_outputs: { i: 3 } }, 18, 3);
});

test('Squeeze and Unsqueeze with attribute axes (opset 11) and input axes (13)', async () => {
  await opParity('Squeeze', [x([1, 3, 1, 2])], { axes: { ints: [0, -2] } }, 11);
  await opParity('Squeeze', [x([1, 3, 1, 2]), ints('a', [2])], {}, 13);
  await opParity('Squeeze', [x([1, 3, 1, 2])], {}, 13);
  await opParity('Unsqueeze', [x([3, 2])], { axes: { ints: [0, 3] } }, 11);
  await opParity('Unsqueeze', [x([3, 2]), ints('a', [-1, 1])], {}, 13);
});

test('Reshape (0 and -1, allowzero), Flatten, Transpose, Concat, Expand, Tile', async () => {
  await opParity('Reshape', [x([2, 3, 4]), ints('s', [0, -1, 2])]);
  await opParity('Reshape', [x([2, 3, 4]), ints('s', [4, 0, 2])], { allowzero: { i: 0 } }, 14);
  await opParity('Flatten', [x([2, 3, 4, 5])], { axis: { i: 2 } });
  await opParity('Flatten', [x([2, 3, 4])], { axis: { i: -1 } });
  await opParity('Transpose', [x([2, 3, 4])], { perm: { ints: [1, 2, 0] } });
  await opParity('Transpose', [x([2, 3, 4])]);
  await opParity('Concat', [x([2, 3]), { name: 'c', dims: [2, 2], initializer: true }, { name: 'd', dims: [2, 1] }], { axis: { i: -1 } });
  await opParity('Expand', [x([3, 1]), ints('s', [2, 1, 4])]);
  await opParity('Tile', [x([2, 3]), ints('r', [2, 3])]);
});

const EINSUM: [string, number[][]][] = [
  ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
  ['bhqk,bhkd->bhqd', [[2, 2, 3, 5], [2, 2, 5, 4]]],
  ['ij,jk->ik', [[3, 4], [4, 5]]],
  ['ij,jk', [[3, 4], [4, 5]]],
  ['...ij,...jk->...ik', [[2, 3, 3, 4], [2, 3, 4, 2]]],
  ['...ij,...jk->...ik', [[2, 1, 3, 4], [1, 3, 4, 2]]],
  ['bij->bji', [[2, 3, 4]]],
  ['ij->i', [[3, 4]]],
  ['i,j->ij', [[3], [4]]],
  ['bsh,hd->bsd', [[2, 3, 4], [4, 5]]],
  ['ij,ij->i', [[3, 4], [3, 4]]],
  ['abc,cd,de->abe', [[2, 3, 4], [4, 5], [5, 2]]],
];

test('Einsum: attention and other patterns (ellipsis, implicit output, reductions, three operands)', async () => {
  for (const [equation, shapes] of EINSUM) {
    const inputs = shapes.map((dims, k) => ({ name: `in${k}`, dims }));
    await opParity('Einsum', inputs, { equation: { s: equation } }, 12).catch((e: Error) => {
      throw new Error(`${equation}: ${e.message}`);
    });
  }
});

test('Einsum gradient is an exact adjoint', () => {
  expectAdjoint('Einsum', [x([2, 2, 3, 4]), { name: 'k', dims: [2, 2, 5, 4], initializer: true }], { equation: { s: 'bhqd,bhkd->bhqk' } }, 12);
});

test('a shape subgraph with a dynamic batch (Shape, Gather, Unsqueeze, Concat, Reshape) matches on batches 1, 2 and 5', async () => {
  for (const batch of [1, 2, 5]) {
    const feeds = { x: { dims: [batch, 3, 4], values: seeded(batch * 12, batch) } };
    await expectParity(
      {
        opset: 13,
        inputs: [{ name: 'x', dims: ['batch', 3, 4] }],
        outputs: [{ name: 'y' }],
        initializers: [
          { name: 'zero', dtype: 'int64', dims: [], values: [0] },
          { name: 'minus1', dtype: 'int64', dims: [1], values: [-1] },
          { name: 'axes0', dtype: 'int64', dims: [1], values: [0] },
        ],
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['shape'] },
          { op: 'Gather', inputs: ['shape', 'zero'], outputs: ['b'] },
          { op: 'Unsqueeze', inputs: ['b', 'axes0'], outputs: ['b1'] },
          { op: 'Concat', inputs: ['b1', 'minus1'], outputs: ['target'], attrs: { axis: { i: 0 } } },
          { op: 'Reshape', inputs: ['x', 'target'], outputs: ['flat'] },
          { op: 'Cast', inputs: ['b'], outputs: ['bf'], attrs: { to: { i: 1 } } },
          { op: 'Mul', inputs: ['flat', 'bf'], outputs: ['y'] },
        ],
      },
      feeds,
    );
  }
});

test('Shape with start/end (opset 15), Size, ConstantOfShape, Range, Cast and Where on shape values', async () => {
  const { values, feeds } = prepare([x([2, 3, 4, 5])]);
  const out = await expectParity(
    {
      opset: 15,
      inputs: values.map(({ name, dims }) => ({ name, dims })),
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'three', dtype: 'int64', dims: [], values: [3] }],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'], attrs: { start: { i: 1 }, end: { i: -1 } } },
        { op: 'ConstantOfShape', inputs: ['s'], outputs: ['ones'], attrs: { value: { t: { dims: [1], values: [2] } } } },
        { op: 'Size', inputs: ['x'], outputs: ['n'] },
        { op: 'Range', inputs: ['three', 'n', 'n'], outputs: ['r'] },
        { op: 'Less', inputs: ['s', 'three'], outputs: ['small'] },
        { op: 'Where', inputs: ['small', 's', 'three'], outputs: ['w'] },
        { op: 'Cast', inputs: ['w'], outputs: ['wf'], attrs: { to: { i: 1 } } },
        { op: 'ReduceSum', inputs: ['wf'], outputs: ['total'], attrs: { keepdims: { i: 0 } } },
        { op: 'Mul', inputs: ['ones', 'total'], outputs: ['y'] },
      ],
    },
    feeds,
  );
  assert.equal(out[0].length, sizeOf([3, 4]));
});

test('Constant, Identity and Dropout (inference) pass values through', async () => {
  await expectParity(
    {
      opset: 13,
      inputs: [{ name: 'x', dims: [2, 3] }],
      outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['c'], attrs: { value_floats: { floats: [1, 2, 3] } } },
        { op: 'Dropout', inputs: ['x'], outputs: ['d'], attrs: {} },
        { op: 'Identity', inputs: ['d'], outputs: ['i'] },
        { op: 'Add', inputs: ['i', 'c'], outputs: ['y'] },
      ],
    },
    { x: { dims: [2, 3], values: seeded(6, 3) } },
  );
});
