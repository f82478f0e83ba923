// DepthwiseConv2dNativeBackpropInput (input gradient of a depthwise conv) for the wasm backend, which has none.
// It is the depthwise XNNPACK conv of the zero-dilated, padded output gradient with the spatially flipped filter at the
// same dilation. A channel multiplier M > 1 runs as C·M independent channels whose M results per input channel are summed.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { prepareGradient } from './conv2dBackpropInput';
import { derivedFilter, flipHW, free, releaseDerived, reshape, run, sum, type TensorInfo } from './util';

export function depthwiseInputGrad(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number] | undefined,
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [fh, fw, channels, multiplier] = filter.shape;
  const { batchSize: n, inHeight, inWidth } = info;
  const g = prepareGradient(
    backend,
    dy,
    { inSize: inHeight, outSize: info.outHeight, filterSize: fh, stride: info.strideHeight, dilation: info.dilationHeight, padBefore: info.padInfo.top },
    { inSize: inWidth, outSize: info.outWidth, filterSize: fw, stride: info.strideWidth, dilation: info.dilationWidth, padBefore: info.padInfo.left },
  );
  const flat = derivedFilter(backend, filter, 'flipped, [fh, fw, c·m, 1]', () => {
    const flipped = flipHW(backend, filter);
    const t = reshape(backend, flipped, [fh, fw, channels * multiplier, 1]);
    free(backend, flipped);
    return t;
  });
  const conv = run(backend, 'DepthwiseConv2dNative', { x: g.x, filter: flat }, {
    strides: [1, 1],
    pad: g.pad,
    dilations: [info.dilationHeight, info.dilationWidth],
  });
  let dx = conv;
  if (multiplier > 1) {
    const split = reshape(backend, conv, [n, inHeight, inWidth, channels, multiplier]);
    dx = sum(backend, split, [4]);
    free(backend, split, conv);
  }
  releaseDerived(backend, flat);
  free(backend, g.x);
  return dx;
}

function depthwiseConv2dNativeBackpropInput({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return depthwiseInputGrad(backend as BackendWasm, dy, filter, inputShape, strides, dilations, pad, dimRoundingMode);
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
};
