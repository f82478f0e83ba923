// One value per pixel from attributions in the model's input layout, for overlays and localization metrics.
//
// Reduction over channels:
// - 'replicated': the method gave every channel of each pixel the same value (Grad-CAM, RISE, Sobol, extremal
//   perturbation, and occlusion / LIME / KernelSHAP / feature ablation when their windows or groups span all
//   channels of a pixel, as Captum does) — the pixel's value is that value;
// - 'sum': otherwise (gradient methods) the channels are summed, so the map still adds up to the attributions'
//   total (IG's completeness holds per pixel map).
import type { ImageLayout } from './imageSpec';

export type ChannelReduction = 'sum' | 'replicated';

export interface PixelGeometry {
  layout: ImageLayout;
  height: number;
  width: number;
  channels: number;
}

export function pixelMap(values: ArrayLike<number>, g: PixelGeometry): { map: Float64Array; reduction: ChannelReduction } {
  const { height: H, width: W, channels: C } = g;
  const at = g.layout === 'NCHW' ? (p: number, c: number) => c * H * W + p : (p: number, c: number) => p * C + c;
  let replicated = C > 1;
  for (let p = 0; p < H * W && replicated; p++) {
    const first = values[at(p, 0)];
    for (let c = 1; c < C; c++) {
      if (values[at(p, c)] !== first) {
        replicated = false;
        break;
      }
    }
  }
  const map = new Float64Array(H * W);
  for (let p = 0; p < H * W; p++) {
    if (replicated) {
      map[p] = values[at(p, 0)];
      continue;
    }
    let s = 0;
    for (let c = 0; c < C; c++) s += values[at(p, c)];
    map[p] = s;
  }
  return { map, reduction: C === 1 || !replicated ? 'sum' : 'replicated' };
}
