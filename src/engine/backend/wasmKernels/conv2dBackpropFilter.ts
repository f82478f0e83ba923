// Conv2DBackpropFilter (filter gradient of conv2d) for the wasm backend, which has none. tfjs's fused conv2d gradient
// always computes it, even when only the input gradient is wanted, so it sits on every layers-model gradient.
//
// dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − pt, ow·s + kw − pl, ci] · dy[n, oh, ow, co] is itself a convolution
// once batch and channels swap roles: input xᵀ[ci, H, W, n], filter dyᵀ[oh, ow, n, co], stride 1, dilation s.
// For 1×1 filters with stride 1 and no padding it is the matmul xᵀ·dy.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { weightGradientsSkipped } from '../weightGradients';
import { explicitPad, free, sliceHeap, matmul, reshape, run, transpose, zerosOutput, type TensorInfo } from './util';

export function conv2dFilterGradNHWC(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;

  if (filterHeight === 1 && filterWidth === 1 && sh === 1 && sw === 1 && top + info.padInfo.bottom + left + info.padInfo.right === 0) {
    // dW = xᵀ·dy. The wasm Transpose is slow for tall matrices with many columns (cache thrashing: 5 ms for
    // 12544×96), so the side with fewer channels is transposed: dW = xᵀ·dy, or dW = (dyᵀ·x)ᵀ.
    const x2 = reshape(backend, x, [n * inHeight * inWidth, inChannels]);
    const dy2 = reshape(backend, dy, [n * outHeight * outWidth, outChannels]);
    let dw: TensorInfo;
    if (inChannels <= outChannels) {
      const xT = transpose(backend, x2, [1, 0]);
      const dw2 = matmul(backend, xT, dy2);
      dw = reshape(backend, dw2, filterShape);
      free(backend, xT, dw2);
    } else {
      const dyT = transpose(backend, dy2, [1, 0]);
      const dwT = matmul(backend, dyT, x2); // [co, ci]
      const dw2 = transpose(backend, dwT, [1, 0]);
      dw = reshape(backend, dw2, filterShape);
      free(backend, dyT, dwT, dw2);
    }
    free(backend, x2, dy2);
    return dw;
  }

  // Rows/cols that make the swapped conv produce exactly filterHeight × filterWidth outputs; a negative value means
  // the forward conv never read the input's tail, so the conv runs without it and the surplus output is cut.
  const bottom = filterHeight - 1 + (outHeight - 1) * sh + 1 - inHeight - top;
  const right = filterWidth - 1 + (outWidth - 1) * sw + 1 - inWidth - left;
  const xT = n === 1 ? reshape(backend, x, [inHeight, inWidth, inChannels]) : undefined;
  const xSwapped = xT
    ? transpose(backend, xT, [2, 0, 1]) // [ci, H, W]
    : transpose(backend, x, [3, 1, 2, 0]);
  const xSwapped4 = reshape(backend, xSwapped, [inChannels, inHeight, inWidth, n]);
  const dySwapped = n === 1 ? reshape(backend, dy, [outHeight, outWidth, 1, outChannels]) : transpose(backend, dy, [1, 2, 0, 3]);
  const conv = run(backend, 'Conv2D', { x: xSwapped4, filter: dySwapped }, {
    strides: [1, 1],
    pad: explicitPad(top, Math.max(0, bottom), left, Math.max(0, right)),
    dataFormat: 'NHWC',
    dilations: [sh, sw],
  }); // [ci, fh', fw', co]
  let cut = conv;
  if (conv.shape[1] !== filterHeight || conv.shape[2] !== filterWidth) {
    cut = sliceHeap(backend, conv, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
  }
  const dw = transpose(backend, cut, [1, 2, 0, 3]);
  free(backend, xT, xSwapped, xSwapped4, dySwapped, conv, cut === conv ? undefined : cut);
  return dw;
}

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (weightGradientsSkipped()) return zerosOutput(be, filterShape);
  if (dataFormat === 'NCHW') {
    const xNhwc = transpose(be, x, [0, 2, 3, 1]);
    const dyNhwc = transpose(be, dy, [0, 2, 3, 1]);
    const padNhwc = Array.isArray(pad) ? ([pad[0], pad[2], pad[3], pad[1]] as tf.backend_util.ExplicitPadding) : pad;
    const dw = conv2dFilterGradNHWC(be, xNhwc, dyNhwc, filterShape, strides, padNhwc, dimRoundingMode);
    free(be, xNhwc, dyNhwc);
    return dw;
  }
  return conv2dFilterGradNHWC(be, x, dy, filterShape, strides, pad, dimRoundingMode);
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
