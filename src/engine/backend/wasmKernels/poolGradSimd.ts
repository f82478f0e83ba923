// Max- and average-pool input gradients as SIMD loops over the pooling windows (simd.ts), 4 channels per instruction;
// the 1–3 channels past the last multiple of 4 run one at a time in the same module. Windows that lie wholly inside
// the input run in one call per output row with a shared list of window offsets; the few that overlap padding get a
// call each with only their in-bounds positions (in row-major order, which decides max-pool ties). dx is zeroed, then
// every window adds to it in window order, as tfjs does.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapAddress, type SimdKernels } from './simd';
import type { TensorInfo } from './util';

/**
 * dx for a pool of float32 NHWC tensors: max pooling (routes dy to each window's maximum of `input`) when input is
 * given, else average pooling (spreads dy · scale over each window).
 */
export function poolGradSimd(
  be: BackendWasm,
  k: SimdKernels,
  info: tf.backend_util.Conv2DInfo,
  dy: TensorInfo,
  input: TensorInfo | undefined,
  scale: number,
): TensorInfo {
  const { batchSize, inHeight: ih, inWidth: iw, inChannels: ch, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const taps = Math.ceil(fh / dh) * Math.ceil(fw / dw);
  const out = be.makeOutput(info.inShape, 'float32');
  // Two offset lists (interior, border window) of `taps` i32, then 16 bytes per tap of comparison masks.
  const workInfo = be.makeOutput([6 * taps], 'float32');
  (be.typedArrayFromHeap(out) as Float32Array).fill(0); // views after makeOutput: allocation may grow the heap
  const work = heapAddress(be, workInfo);
  const offs = new Int32Array(be.typedArrayFromHeap(workInfo).buffer, work, 2 * taps);
  const interiorOffs = work;
  const borderOffs = work + 4 * taps;
  const scratch = work + 8 * taps;
  const cBytes = 4 * ch;
  const rowBytes = iw * cBytes;
  let n = 0;
  for (let ky = 0; ky < fh; ky += dh) for (let kx = 0; kx < fw; kx += dw) offs[n++] = ky * rowBytes + kx * cBytes;
  const xAddr = input ? heapAddress(be, input) : 0;
  const dxAddr = heapAddress(be, out);
  const gAddr = heapAddress(be, dy);
  // Channels in whole vectors of 4, then the rest one at a time (each channel's dx in window order either way).
  const vecBytes = 4 * (ch & ~3);
  const tail = [undefined, k.max_pool_grad_tail1, k.max_pool_grad_tail2, k.max_pool_grad_tail3][ch & 3];
  const run = (xOrigin: number, dxOrigin: number, g: number, offsets: number, count: number, nwin: number) => {
    const step = sw * cBytes;
    if (input) {
      if (vecBytes) k.max_pool_grad(xOrigin, g, dxOrigin, offsets, 4 * count, vecBytes, nwin, step, scratch, cBytes);
      if (tail) tail(xOrigin, g, dxOrigin, offsets, 4 * count, vecBytes, nwin, step, cBytes);
    } else {
      if (vecBytes) k.avg_pool_grad(g, dxOrigin, offsets, 4 * count, vecBytes, nwin, step, scale, cBytes);
      if (vecBytes < cBytes) k.avg_pool_grad_tail(g, dxOrigin, offsets, 4 * count, vecBytes, cBytes, nwin, step, scale, cBytes);
    }
  };
  // Output columns whose windows lie inside the input horizontally.
  const xoLo = Math.min(ow, Math.max(0, Math.ceil(left / sw)));
  const xoHi = Math.max(xoLo, Math.min(ow, Math.floor((iw - fw + left) / sw) + 1));
  for (let b = 0; b < batchSize; b++) {
    const image = b * ih * rowBytes;
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - top;
      const gRow = gAddr + (b * oh + y) * ow * cBytes;
      const rowInside = y0 >= 0 && y0 + fh <= ih;
      const border = (xo: number) => {
        const x0 = xo * sw - left;
        let count = 0;
        for (let ky = 0; ky < fh; ky += dh) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= ih) continue;
          for (let kx = 0; kx < fw; kx += dw) {
            const ix = x0 + kx;
            if (ix >= 0 && ix < iw) offs[taps + count++] = iy * rowBytes + ix * cBytes;
          }
        }
        if (count) run(xAddr + image, dxAddr + image, gRow + xo * cBytes, borderOffs, count, 1);
      };
      if (!rowInside) {
        for (let xo = 0; xo < ow; xo++) border(xo);
        continue;
      }
      for (let xo = 0; xo < xoLo; xo++) border(xo);
      if (xoHi > xoLo) {
        const origin = image + y0 * rowBytes + (xoLo * sw - left) * cBytes;
        run(xAddr + origin, dxAddr + origin, gRow + xoLo * cBytes, interiorOffs, taps, xoHi - xoLo);
      }
      for (let xo = xoHi; xo < ow; xo++) border(xo);
    }
  }
  be.disposeData(workInfo.dataId);
  return out;
}
