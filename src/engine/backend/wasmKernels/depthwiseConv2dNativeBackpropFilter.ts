// DepthwiseConv2dNativeBackpropFilter (filter gradient of a depthwise conv) for the wasm backend, which has none.
//
// dW[kh,kw,c,m] = Σ_{n,oh,ow} x[n, oh·s + kh·d − pt, ow·s + kw·d − pl, c] · dy[n, oh, ow, c·M + m] is a depthwise conv
// of x with dy as the filter (dy[n] viewed as [oh, ow, c, m]), stride d and dilation s. Batches become extra channels
// (x → [1, H, W, n·c]) and are summed afterwards.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { explicitPad, free, sliceHeap, reshape, run, sum, transpose, zerosOutput, type TensorInfo } from './util';
import { weightGradientsSkipped } from '../weightGradients';

export function depthwiseFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number] | undefined,
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [fh, fw, channels, multiplier] = filterShape;
  const { batchSize: n, inHeight, inWidth, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  // Padding that makes the swapped conv produce exactly fh × fw outputs (negative: run without it, cut the surplus).
  const bottom = (fh - 1) * dh + (outHeight - 1) * sh + 1 - inHeight - top;
  const right = (fw - 1) * dw + (outWidth - 1) * sw + 1 - inWidth - left;

  const xT = n === 1 ? undefined : transpose(backend, x, [1, 2, 0, 3]); // [H, W, n, c]
  const xFolded = reshape(backend, xT ?? x, [1, inHeight, inWidth, n * channels]);
  const dyT = n === 1 ? undefined : transpose(backend, dy, [1, 2, 0, 3]); // [oh, ow, n, c·M]
  const dyFilter = reshape(backend, dyT ?? dy, [outHeight, outWidth, n * channels, multiplier]);
  const conv = run(backend, 'DepthwiseConv2dNative', { x: xFolded, filter: dyFilter }, {
    strides: [dh, dw],
    pad: explicitPad(top, Math.max(0, bottom), left, Math.max(0, right)),
    dilations: [sh, sw],
  }); // [1, fh', fw', n·c·M]
  let cut = conv;
  if (conv.shape[1] !== fh || conv.shape[2] !== fw) {
    cut = sliceHeap(backend, conv, [0, 0, 0, 0], [1, fh, fw, n * channels * multiplier]);
  }
  let out: TensorInfo;
  if (n === 1) {
    out = reshape(backend, cut, filterShape);
  } else {
    const perBatch = reshape(backend, cut, [fh, fw, n, channels * multiplier]);
    const summed = sum(backend, perBatch, [2]);
    out = reshape(backend, summed, filterShape);
    free(backend, perBatch, summed);
  }
  free(backend, xT, xFolded, dyT, dyFilter, conv, cut === conv ? undefined : cut);
  return out;
}

function depthwiseConv2dNativeBackpropFilter({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  if (weightGradientsSkipped()) return zerosOutput(backend as BackendWasm, filterShape);
  return depthwiseFilterGrad(backend as BackendWasm, x, dy, filterShape, strides, dilations, pad, dimRoundingMode);
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
};
