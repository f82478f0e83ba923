// How a plain-gradient method turns (input, gradient) into attributions; the noise tunnel reuses these per sample.

/** Writes the attributions of one input into `out`. */
export type GradientRule = (input: Float32Array, gradient: Float32Array, out: Float64Array) => void;

/** Saliency: the gradient itself, or its magnitude (Captum's default, abs = true). */
export function saliencyRule(abs: boolean): GradientRule {
  return (_input, gradient, out) => {
    for (let j = 0; j < gradient.length; j++) out[j] = abs ? Math.abs(gradient[j]) : gradient[j];
  };
}

/** Input × gradient. */
export const inputXGradientRule: GradientRule = (input, gradient, out) => {
  for (let j = 0; j < gradient.length; j++) out[j] = input[j] * gradient[j];
};
