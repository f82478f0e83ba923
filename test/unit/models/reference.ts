// Plain-JS forward passes of the fixture models, from the same pattern weights make.ts wrote, to check tfjs's outputs.
import { GRAPH_BIAS, GRAPH_KERNEL_PHASE, layerWeightPhase, pattern } from '../../fixtures/bad-models/pattern';

/** x·W + b with W row-major [x.length, b.length]. */
function dense(x: number[], w: number[], b: number[]): number[] {
  return b.map((bj, j) => x.reduce((acc, xi, i) => acc + xi * w[i * b.length + j], bj));
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** ok/: Dense(4→3, tanh) then Dense(3→3, softmax). */
export function tinyLayersForward(x: number[]): number[] {
  const [w1, b1, w2, b2] = [12, 3, 9, 3].map((n, i) => pattern(n, layerWeightPhase(i)));
  return softmax(dense(dense(x, w1, b1).map(Math.tanh), w2, b2));
}

/** graph/: softmax(x·K + b) with the uint8-quantized bias decoded as min + code·scale. */
export function tinyGraphForward(x: number[]): number[] {
  const bias = GRAPH_BIAS.codes.map((c) => GRAPH_BIAS.min + c * GRAPH_BIAS.scale);
  return softmax(dense(x, pattern(12, GRAPH_KERNEL_PHASE), bias));
}
