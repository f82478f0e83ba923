// How much native (ONNX Runtime) memory one row of a fast gradient takes, per model, so that batching can keep the
// memory budget on the fast path too: tfjs' own accounting (batches.ts) does not see ONNX Runtime's buffers.
const bytesPerRow = new WeakMap<object, number>();

export function setFastGradientBytesPerRow(model: object, bytes: number): void {
  bytesPerRow.set(model, bytes);
}

/** Estimated peak native bytes per input row of the model's fast gradient, once its session exists. */
export function fastGradientBytesPerRow(model: object): number | undefined {
  // Methods and the engine wrap models with Object.create (worker pool, modified gradients): look through them.
  for (let m: object | null = model; m; m = Object.getPrototypeOf(m) as object | null) {
    const bytes = bytesPerRow.get(m);
    if (bytes !== undefined) return bytes;
  }
  return undefined;
}
