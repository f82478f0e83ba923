// Conv2DBackpropInput (input gradient of conv2d, also the forward of conv2dTranspose) for the wasm backend. Stock wasm
// runs a naive C++ loop (~11× slower than the forward conv). Here:
//  - 1×1 filters, stride 1: one XNNPACK matmul dx = dy · Wᵀ;
//  - stride > 1, or ≤ 4 input channels (stems), when a column row (fh·fw·ic floats) fits 8 SIMD vectors: one fused
//    SIMD loop (simd.ts) that computes each pixel's column row dy · Wᵀ in registers and adds it onto dx;
//  - other strided ones: the XNNPACK matmul dy · Wᵀ into columns, scattered back onto dx (col2im);
//  - other stride-1 ones: the XNNPACK conv of the padded dy with the spatially flipped, in/out-swapped filter.
// The derived filters (Wᵀ, flipped) are cached per weight tensor, so XNNPACK keeps their packed operators.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  cropHW,
  derivedFilter,
  explicitPad,
  flipHW,
  free,
  matmul,
  releaseDerived,
  reshape,
  run,
  transpose,
  zeroDilateHW,
  type TensorInfo,
} from './util';
import { convTransposeRowKernel, heapAddress, simdKernels } from './simd';

/** Geometry shared by the conv and depthwise input gradients (one spatial axis). */
export interface AxisGeometry {
  inSize: number;
  outSize: number;
  filterSize: number;
  stride: number;
  dilation: number;
  padBefore: number;
}

/**
 * Padding of the (zero-dilated, length outSize·stride) gradient so that a stride-1 correlation with the flipped filter
 * at the same dilation yields exactly inSize values. Negative values mean "crop".
 */
export function transposedPads(g: AxisGeometry): [number, number] {
  const span = (g.filterSize - 1) * g.dilation;
  const before = span - g.padBefore;
  const after = g.inSize - g.outSize * g.stride + g.padBefore;
  return [before, after];
}

/**
 * Prepares dy for a stride-1 conv that computes the input gradient: zero-dilates it for stride > 1 and crops where the
 * required padding is negative. Returns the tensor (owned by the caller) and the non-negative conv padding.
 */
export function prepareGradient(
  backend: BackendWasm,
  dy: TensorInfo,
  h: AxisGeometry,
  w: AxisGeometry,
): { x: TensorInfo; pad: tf.backend_util.ExplicitPadding } {
  const [top, bottom] = transposedPads(h);
  const [left, right] = transposedPads(w);
  let x = h.stride > 1 || w.stride > 1 ? zeroDilateHW(backend, dy, h.stride, w.stride) : dy;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const crop = (p: number) => Math.max(0, -p);
    const cropped = cropHW(backend, x, crop(top), crop(bottom), crop(left), crop(right));
    if (x !== dy) free(backend, x);
    x = cropped;
  } else if (x === dy) {
    x = reshape(backend, dy, dy.shape); // a refcounted alias, so the caller can always free it
  }
  return { x, pad: explicitPad(Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)) };
}

/** NHWC input gradient; `inputShape` is NHWC. */
export function conv2dInputGradNHWC(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth } = info;
  const { top, bottom, left, right } = info.padInfo;

  // 1×1, stride 1, no padding: dx = dy · Wᵀ.
  if (filterHeight === 1 && filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0) {
    const wT = filterTransposed(backend, filter);
    const dy2 = reshape(backend, dy, [n * inHeight * inWidth, outChannels]);
    const dx2 = matmul(backend, dy2, wT);
    const dx = reshape(backend, dx2, inputShape);
    releaseDerived(backend, wT);
    free(backend, dy2, dx2);
    return dx;
  }

  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  if (strided || inChannels <= 4) {
    // XNNPACK's conv to ≤ 4 output channels is slow, and a columns matrix costs a pass through memory.
    const fusable = info.dilationHeight === 1 && info.dilationWidth === 1 && tf.util.sizeFromShape(info.outShape) > 0;
    const fused = fusable ? convTransposeRowKernel(backend, Math.ceil((filterHeight * filterWidth * inChannels) / 4)) : null;
    if (fused) return transposedConvFused(backend, dy, filter, info, fused);
    if (strided || simdKernels(backend)) return transposedConvByCol2Im(backend, dy, filter, info);
  }

  const swapped = derivedFilter(backend, filter, 'flipped, in/out swapped', () => {
    const flipped = flipHW(backend, filter);
    const t = transpose(backend, flipped, [0, 1, 3, 2]);
    free(backend, flipped);
    return t;
  });
  const g = prepareGradient(
    backend,
    dy,
    { inSize: inHeight, outSize: info.outHeight, filterSize: filterHeight, stride: 1, dilation: 1, padBefore: top },
    { inSize: inWidth, outSize: info.outWidth, filterSize: filterWidth, stride: 1, dilation: 1, padBefore: left },
  );
  const dx = run(backend, 'Conv2D', { x: g.x, filter: swapped }, {
    strides: [1, 1],
    pad: g.pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  releaseDerived(backend, swapped);
  free(backend, g.x);
  return dx;
}

/**
 * Strided input gradient: the columns dy · Wᵀ ([N·OH·OW, FH·FW·IC], one XNNPACK matmul with the forward conv's
 * multiply count) scattered back onto dx (col2im). Zero-dilating dy instead would multiply s² more zeros and run a
 * conv whose output has only IC (often 3) channels, which XNNPACK handles poorly: 10× slower for a stride-2 stem.
 */
function transposedConvByCol2Im(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: ih, inWidth: iw, inChannels: ic, outHeight: oh, outWidth: ow, outChannels: oc } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const wT = filterTransposed(backend, filter);
  const dy2 = reshape(backend, dy, [n * oh * ow, oc]);
  const colsInfo = matmul(backend, dy2, wT); // [n·oh·ow, fh·fw·ic]
  releaseDerived(backend, wT);
  free(backend, dy2);
  const out = backend.makeOutput(info.inShape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array; // views after makeOutput: allocation may grow the heap
  const cols = backend.typedArrayFromHeap(colsInfo) as Float32Array;
  dx.fill(0);
  const rowLen = fw * ic;
  // Output columns whose filter row lands wholly inside dx: with SIMD, one add_runs call per (row, ky) adds them.
  const k = dw === 1 ? simdKernels(backend) : null;
  const xLo = k ? Math.min(ow, Math.ceil(left / sw)) : ow;
  const xHi = k ? Math.max(xLo, Math.min(ow, Math.floor((iw - fw + left) / sw) + 1)) : ow;
  const colsAddr = k ? heapAddress(backend, colsInfo) : 0;
  const dxAddr = k ? heapAddress(backend, out) : 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let ky = 0; ky < fh; ky++) {
        const iy = y * sh + ky * dh - top;
        if (iy < 0 || iy >= ih) continue;
        const dstRow = (b * ih + iy) * iw;
        for (let x = 0; x < ow; x++) {
          if (x === xLo && xHi > xLo) {
            // Left border done; the interior in one call, in the same column order as the loop.
            const src = ((b * oh + y) * ow + x) * fh * rowLen + ky * rowLen;
            k!.add_runs(colsAddr + 4 * src, dxAddr + 4 * (dstRow + x * sw - left) * ic, 4 * rowLen, xHi - xLo, 4 * fh * rowLen, 4 * sw * ic);
            x = xHi - 1;
            continue;
          }
          const src0 = ((b * oh + y) * ow + x) * fh * rowLen + ky * rowLen;
          const ix0 = x * sw - left;
          if (dw === 1 && ix0 >= 0 && ix0 + fw <= iw) {
            // The whole filter row lands inside: one contiguous run of fw·ic values.
            const dst = (dstRow + ix0) * ic;
            for (let j = 0; j < rowLen; j++) dx[dst + j] += cols[src0 + j];
            continue;
          }
          for (let kx = 0; kx < fw; kx++) {
            const ix = x * sw + kx * dw - left;
            if (ix < 0 || ix >= iw) continue;
            const dst = (dstRow + ix) * ic;
            const src = src0 + kx * ic;
            for (let c = 0; c < ic; c++) dx[dst + c] += cols[src + c];
          }
        }
      }
    }
  }
  free(backend, colsInfo);
  return out;
}

/**
 * Input gradient with the fused SIMD loop (simd.ts conv_t_row): per dy row, each pixel's column row dy · Wᵀ is added
 * onto a dx padded so that every window lies inside it, then the padding is cropped off. No columns matrix.
 */
function transposedConvFused(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  rowKernel: NonNullable<ReturnType<typeof convTransposeRowKernel>>,
): TensorInfo {
  const { batchSize: n, inHeight: ih, inWidth: iw, inChannels: ic, outHeight: oh, outWidth: ow, outChannels: oc } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const colLen = fh * fw * ic;
  const nVec = Math.ceil(colLen / 4);
  const hp = (oh - 1) * sh + fh; // padded dx covering every window, origin at (−top, −left)
  const wp = (ow - 1) * sw + fw;
  const padLen = hp * wp * ic;
  const wtLen = oc * 4 * nVec;
  // One work tensor: Wᵀ rows zero-padded to nVec·4 floats, a column-row scratch, then the padded dx of one image.
  const workInfo = backend.makeOutput([wtLen + 4 * nVec + padLen], 'float32');
  const out = backend.makeOutput(info.inShape, 'float32');
  const work = backend.typedArrayFromHeap(workInfo) as Float32Array; // views after makeOutput: allocation may grow the heap
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const w = backend.typedArrayFromHeap(filter) as Float32Array; // [fh, fw, ic, oc] = [colLen, oc]
  work.fill(0, 0, wtLen);
  for (let j = 0; j < colLen; j++) for (let o = 0; o < oc; o++) work[o * 4 * nVec + j] = w[j * oc + o];
  const workAddr = heapAddress(backend, workInfo);
  const scratch = workAddr + 4 * wtLen;
  const padStart = wtLen + 4 * nVec;
  const padAddr = workAddr + 4 * padStart;
  const pad = work.subarray(padStart);
  const dyAddr = heapAddress(backend, dy);
  const padRow = wp * ic;
  const keepW = Math.max(0, Math.min(iw, wp - left)) * ic; // dx columns the padded image covers
  for (let b = 0; b < n; b++) {
    pad.fill(0);
    for (let y = 0; y < oh; y++) {
      rowKernel(dyAddr + 4 * (b * oh + y) * ow * oc, workAddr, padAddr + 4 * y * sh * padRow, ow, oc, 4 * padRow, 4 * sw * ic, 4 * fw * ic, fh, scratch);
    }
    for (let iy = 0; iy < ih; iy++) {
      const dst = (b * ih + iy) * iw * ic;
      const py = iy + top;
      let done = 0;
      if (py < hp) {
        const src = py * padRow + left * ic;
        dx.set(pad.subarray(src, src + keepW), dst);
        done = keepW;
      }
      if (done < iw * ic) dx.fill(0, dst + done, dst + iw * ic);
    }
  }
  backend.disposeData(workInfo.dataId);
  return out;
}

/** The filter as a [OC, FH·FW·IC] matrix (cached per filter tensor). */
function filterTransposed(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  return derivedFilter(backend, filter, 'as [out, fh·fw·in]', () => {
    const oc = filter.shape[3];
    const w2 = reshape(backend, filter, [tf.util.sizeFromShape(filter.shape) / oc, oc]);
    const t = transpose(backend, w2, [1, 0]);
    free(backend, w2);
    return t;
  });
}

function conv2dBackpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') {
    const [n, c, h, w] = inputShape;
    const dyNhwc = transpose(be, dy, [0, 2, 3, 1]);
    const padNhwc = Array.isArray(pad) ? ([pad[0], pad[2], pad[3], pad[1]] as tf.backend_util.ExplicitPadding) : pad;
    const dx = conv2dInputGradNHWC(be, dyNhwc, filter, [n, h, w, c], strides, padNhwc, dimRoundingMode);
    const out = transpose(be, dx, [0, 3, 1, 2]);
    free(be, dyNhwc, dx);
    return out;
  }
  return conv2dInputGradNHWC(be, dy, filter, inputShape, strides, pad, dimRoundingMode);
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
