import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendChoice, BackendName } from '../../shared/types';
import { EngineError } from '../errors';
import { registerAvgPoolGradient } from './avgPoolGradient';
import { registerWasmGradientKernels } from './wasmKernels';

export { registerWasmGradientKernels } from './wasmKernels';

/**
 * Where the wasm binaries are: next to the bundle (dist/), or in node_modules when running from source (tests, tsx).
 */
function wasmDirectory(): string | undefined {
  const candidates = [__dirname, join(__dirname, '..'), join(__dirname, '../../..', 'dist')];
  try {
    candidates.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')));
  } catch {
    /* not resolvable inside a bundle */
  }
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
}

let tensorflowTried = false;
let tensorflowLoaded = false;

/** Loads tfjs-node-gpu or tfjs-node when installed; they register the 'tensorflow' backend. */
function tryLoadTensorflow(): boolean {
  if (tensorflowTried) return tensorflowLoaded;
  tensorflowTried = true;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
      tensorflowLoaded = true;
      return true;
    } catch {
      /* optional dependency missing or its native library failed to install */
    }
  }
  return false;
}

let wasmConfigured = false;

async function trySet(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow' && !tryLoadTensorflow()) return false;
  if (name === 'wasm' && !wasmConfigured) {
    const dir = wasmDirectory();
    if (!dir) return false;
    setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
    wasmConfigured = true;
  }
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Selects a backend: tensorflow (native, if installed) → wasm → cpu for 'auto'; an explicit choice must work. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  // Production mode: no debug checks, and no console advice to install tfjs-node (it would corrupt CLI output).
  tf.env().set('PROD', true);
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (await trySet(name)) {
      await tf.ready();
      // Stock wasm lacks several gradient kernels (and its conv input gradient is slow); ours fill them in.
      if (name === 'wasm') registerWasmGradientKernels();
      registerAvgPoolGradient();
      return name;
    }
  }
  throw new EngineError('UNSUPPORTED', choice === 'tensorflow'
      ? "backend 'tensorflow' is not available: install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu"
      : `backend '${choice}' is not available on this machine`);
}

export function currentBackend(): BackendName {
  return tf.getBackend() as BackendName;
}
