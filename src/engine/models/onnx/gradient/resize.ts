// Resize's gradient. Resize of the spatial axes (rank 3 or 4, batch and channels unchanged) is separable and linear
// in its input for every mode: Y = A_h · X · A_wᵀ per channel. The interpolation matrices are not re-derived from the
// spec's many coordinate modes: ONNX Runtime computes them, by running the same Resize node (same attributes, scales
// or output size) on one-hot probes, once when the gradient model is built. The gradient is then A_hᵀ · dY · A_w,
// two MatMuls.
import type * as Ort from 'onnxruntime-node';
import { Root, type Type } from 'protobufjs/light';
import type { OnnxGraph, OnnxNode } from '../graph';
import type { NodeProto } from '../proto';
import schema from '../onnx.schema.json';
import type { ValueFacts } from './facts';

export interface ResizeMatrices {
  /** [out, in] per resized axis (the last one or two); undefined for an axis left as it is. */
  matrices: ({ out: number; in: number; values: number[] } | undefined)[];
}

let modelType: Type | undefined;
const modelProto = () => (modelType ??= Root.fromJSON(schema as Parameters<typeof Root.fromJSON>[0]).lookupType('onnx.ModelProto'));

/** Largest probe (elements) a matrix may take: L·L·(other axis) floats. */
const MAX_PROBE = 1 << 24;

function floatsOf(name: string, g: OnnxGraph, facts: Map<string, ValueFacts>, constants: Map<string, number[]>): number[] | undefined {
  if (!name) return undefined;
  const init = g.initializers.get(name);
  if (init) return Array.from(init.data);
  return constants.get(name) ?? facts.get(name)?.floats;
}

/** The interpolation matrices of a Resize node, or why they cannot be had. */
export async function resizeMatrices(
  ort: typeof Ort,
  node: OnnxNode,
  raw: NodeProto | undefined,
  opset: number,
  irVersion: number,
  g: OnnxGraph,
  facts: Map<string, ValueFacts>,
  constants: Map<string, number[]>,
): Promise<ResizeMatrices | string> {
  const x = facts.get(node.inputs[0]);
  const y = facts.get(node.outputs[0]);
  if (!x || !y || !raw) return 'unknown shapes';
  const rank = x.dims.length;
  if (rank !== 3 && rank !== 4) return `a rank-${rank} input (only 3 and 4)`;
  if (x.dims[0] !== y.dims[0] || x.dims[1] !== y.dims[1]) return 'resizing of the batch or channel axis';
  const mode = node.attributes.get('coordinate_transformation_mode')?.s ?? 'half_pixel';
  if (mode === 'tf_crop_and_resize') return 'coordinate_transformation_mode tf_crop_and_resize';
  if (node.attributes.has('axes') || (node.attributes.get('keep_aspect_ratio_policy')?.s ?? 'stretch') !== 'stretch') return 'axes or keep_aspect_ratio_policy';
  const scales = node.inputs[2] ? floatsOf(node.inputs[2], g, facts, constants) : undefined;
  const useScales = !!scales && scales.length === rank;
  if (!useScales && !node.inputs[3]) return 'scales that are not constant';
  if (useScales && (scales![0] !== 1 || scales![1] !== 1 || scales!.some((s) => s < 1))) return 'scales below 1 or on the batch/channel axes';
  const matrices: ResizeMatrices['matrices'] = [];
  for (let axis = 2; axis < rank; axis++) {
    const L = x.dims[axis];
    const O = y.dims[axis];
    if (L === O && (!useScales || scales![axis] === 1)) {
      matrices.push(undefined);
      continue;
    }
    // Probe [L, 1, …]: example i is one-hot at position i along `axis`, size 1 along the other spatial axis.
    const dims = [L, 1, ...Array(rank - 2).fill(1)];
    dims[axis] = L;
    const size = dims.reduce((a, b) => a * b, 1);
    if (size * O > MAX_PROBE) return 'too large to probe';
    const probe = new Float32Array(size);
    for (let i = 0; i < L; i++) probe[i * L + i] = 1;
    const sizes = [L, 1, ...Array(rank - 2).fill(1)];
    sizes[axis] = O;
    const inputs = ['p'];
    const initializer: Record<string, unknown>[] = [];
    const empty = (name: string) => {
      initializer.push({ name, dims: [0], data_type: 1, float_data: [] });
      return name;
    };
    inputs.push(opset >= 13 ? '' : empty('roi'));
    if (useScales) {
      initializer.push({ name: 'scales', dims: [rank], data_type: 1, float_data: scales });
      inputs.push('scales');
    } else {
      inputs.push(opset >= 13 ? '' : empty('scales'));
      initializer.push({ name: 'sizes', dims: [rank], data_type: 7, int64_data: sizes });
      inputs.push('sizes');
    }
    const model = {
      ir_version: irVersion,
      opset_import: [{ domain: '', version: opset }],
      graph: {
        name: 'resize_probe',
        node: [{ name: 'resize', op_type: 'Resize', domain: '', input: inputs, output: ['q'], attribute: raw.attribute ?? [] }],
        initializer,
        input: [{ name: 'p', type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } }],
        output: [{ name: 'q', type: { tensor_type: { elem_type: 1 } } }],
      },
    };
    const bytes = modelProto().encode(model as never).finish();
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4 });
    let out: Ort.Tensor;
    try {
      out = (await session.run({ p: new ort.Tensor('float32', probe, dims) }, { logSeverityLevel: 4 })).q as Ort.Tensor;
    } finally {
      await session.release();
    }
    const od = out.dims.map(Number);
    if (od[0] !== L || od[axis] !== O) return `the probe gave shape [${od}]`;
    const strides = od.map((_, k) => od.slice(k + 1).reduce((a, b) => a * b, 1));
    const data = out.data as Float32Array;
    const values = new Array<number>(O * L);
    for (let o = 0; o < O; o++) for (let i = 0; i < L; i++) values[o * L + i] = data[i * strides[0] + o * strides[axis]];
    matrices.push({ out: O, in: L, values });
  }
  return { matrices };
}
