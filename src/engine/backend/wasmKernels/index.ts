// Registers our wasm gradient kernels: the ones stock tfjs-backend-wasm 4.22 lacks, overrides for stock kernels that
// are several times slower than a composition of the backend's fast (XNNPACK) kernels or a plain JS pass on the heap,
// and one-pass gradients for ClipByValue / Relu6 (the ReLU6 of MobileNets) and BatchNorm. bench/kernels.ts measures
// each against stock.
import * as tf from '@tensorflow/tfjs';
import { avgPoolGradConfig } from './avgPoolGrad';
import { batchMatMulConfig } from './batchMatMul';
import { registerBatchNormGradient } from './batchNormGradient';
import { clipGradKernelConfig, registerFusedClipGradients, relu6GradKernelConfig } from './clipGradients';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput';
import { conv3dBackpropInputConfig } from './conv3dBackpropInput';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwiseConv2dNativeBackpropInput';
import { equalConfig } from './equal';
import { fusedBatchNormConfig } from './fusedBatchNorm';
import { identityConfig } from './identity';
import { maxPool3dConfig, maxPool3dGradConfig } from './maxPool3d';
import { maxPoolGradConfig } from './maxPoolGrad';
import { sliceConfig } from './slice';
import { tileConfig } from './tile';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum';
import { captureStock } from './util';

/** Kernels the stock backend lacks; if a later tfjs adds one, its own is kept. */
const missing: tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  unsortedSegmentSumConfig,
  clipGradKernelConfig,
  relu6GradKernelConfig,
];

/** Stock kernels we replace because ours are several times faster (see bench/kernels.ts). */
const overrides: tf.KernelConfig[] = [
  conv2dBackpropInputConfig,
  batchMatMulConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
  fusedBatchNormConfig,
  tileConfig,
  sliceConfig,
  identityConfig,
  equalConfig,
];

/** Stock kernels that return wrong values; ours are the definition (benchmarks keep them: "stock" would be wrong). */
const corrections: tf.KernelConfig[] = [conv3dBackpropInputConfig, maxPool3dConfig, maxPool3dGradConfig];

/** Ops whose gradient we replace on wasm (same values; fewer passes). */
const fusedGradients = [tf.ClipByValue, tf.Relu6, tf.FusedBatchNorm];

export interface RegisteredKernels {
  added: string[];
  overridden: string[];
  /** Ops whose gradient runs as one fused pass on wasm (other backends keep the stock gradient). */
  fusedGradients: string[];
}

let registered: RegisteredKernels | undefined;

/** Idempotent: registers once per process (kernels are global to tfjs, not per backend instance). */
export function registerWasmGradientKernels(): RegisteredKernels {
  if (registered) return registered;
  const added: string[] = [];
  const overridden: string[] = [];
  for (const k of missing) {
    if (tf.getKernel(k.kernelName, 'wasm')) continue;
    tf.registerKernel(k);
    added.push(k.kernelName);
  }
  for (const k of [...overrides, ...corrections]) {
    if (captureStock(k.kernelName)) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
    overridden.push(k.kernelName);
  }
  registerFusedClipGradients();
  registerBatchNormGradient();
  registered = { added, overridden, fusedGradients: [...fusedGradients] };
  return registered;
}

export const wasmKernelNames = {
  added: missing.map((k) => k.kernelName),
  overridden: overrides.map((k) => k.kernelName),
  corrected: corrections.map((k) => k.kernelName),
  fusedGradients,
};

export { clearKernelCaches, stockKernel } from './util';
