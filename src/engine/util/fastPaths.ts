// The switch for the engine's native fast paths (ONNX Runtime gradients, TF.js models translated to ONNX):
// ATTRIBUTION_LENS_GRADIENTS=tfjs keeps everything on tfjs (parity tests, the benchmark's stock runs). Read here only.
export const GRADIENTS_ENV = 'ATTRIBUTION_LENS_GRADIENTS';

/** False when the environment forces the tfjs path. */
export function fastGradientsEnabled(): boolean {
  return (process.env[GRADIENTS_ENV] ?? '').trim().toLowerCase() !== 'tfjs';
}
