// Attribution never needs the gradients of a model's weights, yet tfjs's fused convolutions (tfjs-layers Conv2D and
// DepthwiseConv2D inside a gradient, with a linear activation) compute them in their custom gradient together with
// the input gradient: a quarter of a MobileNetV2 input gradient. While weight gradients are skipped, our wasm
// filter-gradient kernels return zeros of the right shape instead; tfjs then drops them, as the weights are not
// on the path from the input.
//
// Only safe where filters can never depend on the input: tfjs-layers models, whose weights are variables. Callers
// turn it on for those models only, around the work that differentiates them.

let depth = 0;

export function weightGradientsSkipped(): boolean {
  return depth > 0;
}

/** Runs `work` (sync or async) with weight gradients skipped when `skip` is true; nests. */
export async function withoutWeightGradients<T>(skip: boolean, work: () => T | Promise<T>): Promise<T> {
  if (!skip) return work();
  depth++;
  try {
    return await work();
  } finally {
    depth--;
  }
}

/** The synchronous form, for a single tf.grad call. */
export function withoutWeightGradientsSync<T>(skip: boolean, work: () => T): T {
  if (!skip) return work();
  depth++;
  try {
    return work();
  } finally {
    depth--;
  }
}
