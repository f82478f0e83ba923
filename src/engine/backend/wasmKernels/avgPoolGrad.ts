// AvgPoolGrad for the wasm backend: dy · 1/(fh·fw) added over each window in one SIMD pass (poolGradSimd.ts) when the
// channels are a multiple of 4 or windows overlap little; otherwise the transposed depthwise conv of dy with a constant
// 1/(fh·fw) filter, which runs on XNNPACK through our depthwise input gradient. The stock C++ kernel is ~7× slower
// than the forward pool. Like every tfjs backend, the divisor is the full window size, also for windows that overlap
// 'same' padding (where the forward pool divides by the in-bounds count).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { depthwiseInputGrad } from './depthwiseConv2dNativeBackpropInput';
import { poolGradSimd } from './poolGradSimd';
import { simdKernels } from './simd';
import { registerCache, run, type TensorInfo } from './util';

/** Constant averaging filters per backend and shape; a few small tensors, kept so XNNPACK keeps their operators. */
const averagingFilters = new Map<BackendWasm, Map<string, TensorInfo>>();
registerCache(() => {
  for (const [backend, byShape] of averagingFilters) for (const f of byShape.values()) backend.disposeData(f.dataId);
  averagingFilters.clear();
});

function averagingFilter(backend: BackendWasm, fh: number, fw: number, channels: number): TensorInfo {
  let byShape = averagingFilters.get(backend);
  if (!byShape) averagingFilters.set(backend, (byShape = new Map()));
  const key = `${fh}×${fw}×${channels}`;
  let f = byShape.get(key);
  if (!f) {
    f = run(backend, 'Fill', {}, { shape: [fh, fw, channels, 1], value: 1 / (fh * fw), dtype: 'float32' });
    byShape.set(key, f);
  }
  return f;
}

function avgPoolGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolGradAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const k = simdKernels(be);
  // Channels past a multiple of 4 run one at a time; with heavily overlapping windows (3×3 stride 1) those are slower
  // than the depthwise conv on XNNPACK.
  const overlap = (info.filterHeight * info.filterWidth) / (info.strideHeight * info.strideWidth);
  if (k && dy.dtype === 'float32' && (info.inChannels % 4 === 0 || overlap <= 4)) {
    return poolGradSimd(be, k, info, dy, undefined, 1 / (info.filterHeight * info.filterWidth));
  }
  const filter = averagingFilter(be, info.filterHeight, info.filterWidth, info.inChannels);
  return depthwiseInputGrad(be, dy, filter, info.inShape, strides, 1, pad, dimRoundingMode);
}

export const avgPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGrad as unknown as tf.KernelFunc,
};
