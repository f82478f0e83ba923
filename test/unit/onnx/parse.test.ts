// Reading .onnx files: every element type from raw_data and from the typed fields, float16 widening, external data
// files and the hash over them, declared shapes with dynamic dimensions, initializers listed as inputs (IR < 4),
// and constant folding at load with int64 shape arithmetic beyond int32 kept exact.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { hashOnnxFiles, listOnnxFiles } from '../../../src/engine/models/onnx';
import { codeOfDtype, type OnnxDType } from '../../../src/engine/models/onnx/dtypes';
import { readOnnx } from '../../../src/engine/models/onnx/parse';
import { decodeTensor, halfToFloat } from '../../../src/engine/models/onnx/tensorProto';
import { buildModel, importProgram, modelObject, encodeModel } from './builder';
import { expectParity } from './harness';

const FIXTURES = join(__dirname, '../../fixtures/onnx');

before(async () => {
  await initBackend('wasm');
});

function raw(dtype: OnnxDType, write: (view: DataView) => void, bytes: number) {
  const buffer = new ArrayBuffer(bytes + 1);
  // Offset by one byte: raw_data inside a protobuf is rarely aligned.
  write(new DataView(buffer, 1));
  return decodeTensor({ dims: [bytes / ({ float32: 4, float64: 8, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, float16: 2, bfloat16: 2 } as Record<string, number>)[dtype] || bytes], data_type: codeOfDtype(dtype), raw_data: new Uint8Array(buffer, 1, bytes) }, 'test', 't.onnx');
}

test('raw_data of every numeric type decodes little-endian, unaligned', () => {
  assert.deepEqual(Array.from(raw('float32', (v) => { v.setFloat32(0, 1.5, true); v.setFloat32(4, -2.25, true); }, 8).data), [1.5, -2.25]);
  assert.deepEqual(Array.from(raw('float64', (v) => { v.setFloat64(0, Math.PI, true); }, 8).data), [Math.PI]);
  assert.deepEqual(Array.from(raw('float16', (v) => { v.setUint16(0, 0x3c00, true); v.setUint16(2, 0xc100, true); }, 4).data), [1, -2.5]);
  assert.deepEqual(Array.from(raw('bfloat16', (v) => { v.setUint16(0, 0x3fc0, true); }, 2).data), [1.5]);
  assert.deepEqual(Array.from(raw('int8', (v) => { v.setInt8(0, -5); v.setInt8(1, 7); }, 2).data), [-5, 7]);
  assert.deepEqual(Array.from(raw('uint8', (v) => { v.setUint8(0, 250); }, 1).data), [250]);
  assert.deepEqual(Array.from(raw('bool', (v) => { v.setUint8(0, 1); v.setUint8(1, 0); }, 2).data), [1, 0]);
  assert.deepEqual(Array.from(raw('int16', (v) => { v.setInt16(0, -300, true); }, 2).data), [-300]);
  assert.deepEqual(Array.from(raw('uint16', (v) => { v.setUint16(0, 60000, true); }, 2).data), [60000]);
  assert.deepEqual(Array.from(raw('int32', (v) => { v.setInt32(0, -70000, true); }, 4).data), [-70000]);
  assert.deepEqual(Array.from(raw('uint32', (v) => { v.setUint32(0, 4e9, true); }, 4).data), [4e9]);
  const int64 = raw('int64', (v) => { v.setBigInt64(0, 9223372036854775807n, true); v.setBigInt64(8, -(2n ** 40n), true); }, 16);
  assert.deepEqual(Array.from(int64.data), [9223372036854775807, -(2 ** 40)]);
  assert.deepEqual(Array.from(raw('uint64', (v) => { v.setBigUint64(0, 2n ** 50n, true); }, 8).data), [2 ** 50]);
});

test('typed fields: float_data, double_data, int32_data (also for float16 bits, int8, bool), int64_data, uint64_data', () => {
  const t = (dtype: OnnxDType, field: string, values: unknown[]) => Array.from(decodeTensor({ dims: [values.length], data_type: codeOfDtype(dtype), [field]: values }, 'test', 't.onnx').data);
  assert.deepEqual(t('float32', 'float_data', [0.5, -1]), [0.5, -1]);
  assert.deepEqual(t('float64', 'double_data', [1e-300]), [1e-300]);
  assert.deepEqual(t('float16', 'int32_data', [0x3c00, 0x7bff]), [1, 65504]);
  assert.deepEqual(t('int8', 'int32_data', [-128, 127]), [-128, 127]);
  assert.deepEqual(t('bool', 'int32_data', [0, 1, 5]), [0, 1, 1]);
  assert.deepEqual(t('int64', 'int64_data', [-3, 2 ** 40]), [-3, 2 ** 40]);
  assert.deepEqual(t('uint64', 'uint64_data', [7]), [7]);
});

test('half precision edge values', () => {
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x8000), -0);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('external data: the data file is read, listed and hashed', async () => {
  const path = join(FIXTURES, 'external.onnx');
  const parsed = await readOnnx(path);
  assert.deepEqual(parsed.dataFiles, [join(FIXTURES, 'external.onnx.data')]);
  assert.deepEqual(await listOnnxFiles(path), [path, join(FIXTURES, 'external.onnx.data')]);
  assert.equal(await hashOnnxFiles(path), parsed.hash);
  assert.deepEqual(parsed.graph.initializers.get('l1.weight')?.shape, [16, 8]);
});

test('declared shapes keep dynamic dimensions as null with their names; initializers listed as inputs are constants', async () => {
  const parsed = await readOnnx(join(FIXTURES, 'bert_embeds.onnx'));
  assert.deepEqual(parsed.graph.inputs, [{ name: 'inputs_embeds', dtype: 'float32', shape: [null, 6, 16], dimNames: ['batch', undefined, undefined] }]);
  const object = modelObject({
    opset: 9,
    inputs: [{ name: 'x', dims: [1, 2] }, { name: 'b', dims: [2] }],
    outputs: [{ name: 'y' }],
    initializers: [{ name: 'b', dims: [2], values: [1, 2] }],
    nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }],
  });
  const program = importProgram(encodeModel(object));
  assert.deepEqual(program.graph.inputs.map((i) => i.name), ['x']);
  program.dispose();
});

test('constant subgraphs are folded at load; per-call nodes are only those that depend on the input', async () => {
  const program = importProgram(
    buildModel({
      opset: 13,
      inputs: [{ name: 'x', dims: ['batch', 6] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [3, 2], values: [1, 2, 3, 4, 5, 6] }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['shape'], name: 'const', attrs: { value: { t: { dtype: 'int64', dims: [2], values: [2, 3] } } } },
        { op: 'Reshape', inputs: ['w', 'shape'], outputs: ['wt'], name: 'reshape_w' },
        { op: 'Transpose', inputs: ['wt'], outputs: ['wtt'], name: 'transpose_w' },
        { op: 'Shape', inputs: ['x'], outputs: ['xs'], name: 'shape_x' },
        { op: 'Reshape', inputs: ['x', 'xs'], outputs: ['xr'], name: 'reshape_x' },
        { op: 'MatMul', inputs: ['xr', 'wtt'], outputs: ['y'], name: 'matmul' },
      ],
    }),
  );
  try {
    assert.ok(program.isConstant('shape') && program.isConstant('wt') && program.isConstant('wtt'));
    assert.deepEqual(program.runtimeValues().map((v) => v.node.name), ['shape_x', 'reshape_x', 'matmul']);
  } finally {
    program.dispose();
  }
});

test('int64 shape arithmetic beyond the int32 range stays exact (host numbers, not tfjs int32)', async () => {
  await expectParity(
    {
      opset: 13,
      inputs: [{ name: 'x', dims: ['batch', 3, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [
        { name: 'big', dtype: 'int64', dims: [1], values: [2 ** 40] },
        { name: 'start', dtype: 'int64', dims: [1], values: [1] },
        { name: 'minus1', dtype: 'int64', dims: [1], values: [-1] },
        { name: 'end', dtype: 'int64', dims: [1], values: ['9223372036854775807'] },
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Mul', inputs: ['s', 'big'], outputs: ['sb'] },
        { op: 'Div', inputs: ['sb', 'big'], outputs: ['s2'] },
        { op: 'Slice', inputs: ['s2', 'start', 'end'], outputs: ['tail'] },
        { op: 'ReduceProd', inputs: ['tail'], outputs: ['n'], attrs: { keepdims: { i: 1 } } },
        { op: 'Concat', inputs: ['minus1', 'n'], outputs: ['target'], attrs: { axis: { i: 0 } } },
        { op: 'Slice', inputs: ['x', 'start', 'end'], outputs: ['rest'] },
        { op: 'Reshape', inputs: ['rest', 'target'], outputs: ['y'] },
      ],
    },
    { x: { dims: [3, 3, 4], values: Array.from({ length: 36 }, (_, i) => i / 10) } },
  );
});

test('nodes listed out of order (but acyclic) are sorted before they run', async () => {
  const program = importProgram(
    buildModel({
      opset: 13,
      inputs: [{ name: 'x', dims: [1, 2] }],
      outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Neg', inputs: ['r'], outputs: ['y'], name: 'last' },
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'first' },
      ],
    }),
  );
  try {
    assert.deepEqual(program.graph.nodes.map((n) => n.name), ['first', 'last']);
    const tf = await import('@tensorflow/tfjs');
    const y = tf.tidy(() => program.run({ feeds: { x: tf.tensor2d([[-1, 2]]) } }).outputs[0].arraySync());
    assert.deepEqual(y, [[-0, -2]]);
  } finally {
    program.dispose();
  }
});
