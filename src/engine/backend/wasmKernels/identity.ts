// Identity for the wasm backend without a copy. The engine clones every tensor a gradient saves (engine.saveTensors →
// clone → Identity), and the stock wasm Identity mallocs and copies each one: ~600 copies per MobileNet gradient.
// Tensors are immutable, so the clone can share the data with a refcount, exactly as Reshape does on wasm and as the
// cpu backend's Identity does.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { run, type TensorInfo } from './util';

function identity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const be = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === 'string') return run(be, 'Identity', { x });
  be.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
