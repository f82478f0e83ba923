// Turns the engine's wasm kernel overrides off again inside a benchmark process, without touching src/: the stock
// tfjs-backend-wasm kernel configs and tfjs's own gradients are captured before initBackend() registers ours, and put
// back after it. Kernels stock wasm lacks entirely (e.g. DepthwiseConv2dNativeBackpropInput) stay ours: without them
// the gradient of those models cannot run on wasm at all, so "stock" means "stock wherever stock has a kernel".
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers the stock wasm kernels
import { wasmKernelNames } from '../src/engine/backend/wasmKernels';

export interface StockState {
  /** Re-registers the captured stock kernels and gradients; returns what was restored. */
  restore(): string[];
}

export function captureStockKernels(): StockState {
  const kernels = wasmKernelNames.overridden
    .map((name) => tf.getKernel(name, 'wasm'))
    .filter((k): k is tf.KernelConfig => k !== undefined);
  const grads = wasmKernelNames.fusedGradients
    .map((name) => tf.getGradient(name))
    .filter((g): g is tf.GradConfig => g !== undefined);
  if (kernels.some((k) => k.kernelFunc.name && /AttributionLens/.test(k.kernelFunc.name))) {
    throw new Error('captureStockKernels must run before initBackend registers the engine kernels');
  }
  return {
    restore() {
      const done: string[] = [];
      for (const k of kernels) {
        tf.unregisterKernel(k.kernelName, 'wasm');
        // The stock kernel's setupFunc already ran when the backend initialised; its kernelFunc keeps that state.
        tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: k.kernelFunc });
        done.push(k.kernelName);
      }
      for (const g of grads) {
        tf.registerGradient(g);
        done.push(`${g.kernelName} gradient`);
      }
      return done;
    },
  };
}
