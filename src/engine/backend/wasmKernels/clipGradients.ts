// Fused gradients of ClipByValue (Keras ReLU(max_value=6), as in MobileNetV2) and Relu6 on the wasm backend.
//
// tfjs computes them from generic ops: where(x ≥ min ∧ x ≤ max, dy, zerosLike(dy)) is five passes and five allocations
// per activation, and together they were the largest cost of a MobileNetV2 input gradient. Here each is one kernel
// with one pass over the wasm heap: SIMD (simd.ts) where available, else a branchless JS loop. The gradient
// registrations are replaced by ones that call these kernels when the active backend is wasm and the stock gradient
// otherwise; the values are identical (tested against cpu).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapAddress, simdKernels } from './simd';
import type { TensorInfo } from './util';

export const CLIP_GRAD_KERNEL = 'AttributionLensClipByValueGrad';
export const RELU6_GRAD_KERNEL = 'AttributionLensRelu6Grad';

/** dx = dy where min ≤ x ≤ max, else exactly 0 (bits selected, so dy = NaN/∞ outside the range still gives 0). */
function clipGradLoop(x: Float32Array, dyBits: Int32Array, outBits: Int32Array, min: number, max: number): void {
  for (let i = 0; i < outBits.length; i++) {
    const v = x[i];
    outBits[i] = dyBits[i] & -(+(v >= min) & +(v <= max));
  }
}

/** dx = dy · step(x) · [x ≤ 6], with step(NaN) = NaN as in tfjs. */
function relu6GradLoop(x: Float32Array, dy: Float32Array, out: Float32Array): void {
  // A NaN test inside the loop makes V8 compile the comparisons as branches (5× slower on unpredictable signs), so
  // NaNs are only noted here and patched in a second pass when there are any.
  let nan = 0;
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    nan |= +(v !== v);
    out[i] = dy[i] * (+(v > 0) & +(v <= 6));
  }
  if (nan) for (let i = 0; i < out.length; i++) if (x[i] !== x[i]) out[i] = NaN;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function clipGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
  const out = be.makeOutput(dy.shape, 'float32');
  const n = tf.util.sizeFromShape(dy.shape);
  const k = simdKernels(be);
  // SIMD for whole vectors of 4, the JS loop for the rest (all of it without SIMD).
  const done = k ? n & ~3 : 0;
  if (done) k!.clip_grad(heapAddress(be, x), heapAddress(be, dy), heapAddress(be, out), 4 * done, clipValueMin, clipValueMax);
  if (done === n) return out;
  const o = be.typedArrayFromHeap(out) as Float32Array; // views after makeOutput: allocation may grow the heap
  clipGradLoop(
    (be.typedArrayFromHeap(x) as Float32Array).subarray(done),
    new Int32Array(o.buffer, (be.typedArrayFromHeap(dy) as Float32Array).byteOffset + 4 * done, n - done),
    new Int32Array(o.buffer, o.byteOffset + 4 * done, n - done),
    clipValueMin,
    clipValueMax,
  );
  return out;
}

function relu6Grad({ inputs, backend }: KernelArgs): TensorInfo {
  const be = backend as BackendWasm;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const out = be.makeOutput(dy.shape, 'float32');
  const n = tf.util.sizeFromShape(dy.shape);
  const k = simdKernels(be);
  const done = k ? n & ~3 : 0;
  if (done) k!.relu6_grad(heapAddress(be, x), heapAddress(be, dy), heapAddress(be, out), 4 * done);
  if (done === n) return out;
  const o = be.typedArrayFromHeap(out) as Float32Array;
  relu6GradLoop((be.typedArrayFromHeap(x) as Float32Array).subarray(done), (be.typedArrayFromHeap(dy) as Float32Array).subarray(done), o.subarray(done));
  return out;
}

export const clipGradKernelConfig: tf.KernelConfig = {
  kernelName: CLIP_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: clipGrad as unknown as tf.KernelFunc,
};

export const relu6GradKernelConfig: tf.KernelConfig = {
  kernelName: RELU6_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: relu6Grad as unknown as tf.KernelFunc,
};

/** The fused kernel applies when running on wasm with float32 x and dy of one shape. */
function fusable(x: tf.Tensor, dy: tf.Tensor): boolean {
  return tf.getBackend() === 'wasm' && x.dtype === 'float32' && dy.dtype === 'float32' && tf.util.arraysEqual(x.shape, dy.shape);
}

/** Replaces the ClipByValue and Relu6 gradients with ones that use the fused kernels on wasm. Idempotent. */
export function registerFusedClipGradients(): void {
  for (const [kernelName, fused] of [
    [tf.ClipByValue, CLIP_GRAD_KERNEL],
    [tf.Relu6, RELU6_GRAD_KERNEL],
  ] as const) {
    const stock = tf.getGradient(kernelName);
    if (!stock || (stock as { fused?: boolean }).fused) continue;
    const config: tf.GradConfig & { fused: boolean } = {
      kernelName,
      inputsToSave: ['x'],
      fused: true,
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const d = dy as tf.Tensor;
        if (!fusable(x, d)) return stock.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel(fused, { dy: d, x }, attrs) as tf.Tensor };
      },
    };
    tf.registerGradient(config);
  }
}
