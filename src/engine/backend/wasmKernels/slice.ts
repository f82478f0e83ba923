// Slice for the wasm backend. The stock kernel first copies the whole input out of the wasm heap (readSync) and then
// copies one innermost row at a time; it is the gradient of every pad (e.g. ZeroPadding2D before a stride-2 depthwise
// conv). Here rows are copied straight between heap views, and trailing axes taken whole merge into one long run.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { run, sliceHeap, type TensorInfo } from './util';

function slice({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  if (x.dtype === 'string') return run(be, 'Slice', { x }, attrs);
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  return sliceHeap(be, x, b, s);
}

export const sliceConfig: tf.KernelConfig = {
  kernelName: tf.Slice,
  backendName: 'wasm',
  kernelFunc: slice as unknown as tf.KernelFunc,
};
