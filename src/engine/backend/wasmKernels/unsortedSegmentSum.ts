// UnsortedSegmentSum (the gradient of gather) for the wasm backend, which has none: a scatter-add in JS straight on
// the wasm heap. One pass over the data; the backend has no C++ scatter-add to compose it from.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './util';

/** out[id] += x[j] for every j with segmentIds[j] = id in [0, numSegments); other ids are dropped, as in TF. */
function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsCount = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = be.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views are taken after makeOutput: an allocation may grow (and so detach) the wasm heap.
  const o = be.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xs = be.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = be.typedArrayFromHeap(segmentIds) as Int32Array;
  o.fill(0);
  for (let j = 0; j < idsCount; j++) {
    const id = ids[j];
    if (id < 0 || id >= numSegments) continue;
    const dst = id * inner;
    const src = j * inner;
    for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
