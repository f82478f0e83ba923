// Localization metrics for per-pixel attribution maps against a ground-truth region (planted-object benchmarks).
// - Pointing game (Zhang et al. 2016): a hit when the map's maximum falls inside the region (or within `tolerance`
//   pixels of it). Ties for the maximum count as a hit only if all tied pixels are inside, so a flat map scores 0.
// - Energy in mask (Wang et al. 2020, Score-CAM's energy-based pointing game): the share of the map's positive mass
//   inside the region.
// Both have known values for an uninformative map, reported next to them: a uniformly random maximum hits with
// probability |region| / |image|, and a constant positive map puts the same share of its energy inside.

export interface Region {
  height: number;
  width: number;
  /** 1 inside the region, 0 outside, [height · width]. */
  mask: Uint8Array;
}

/** A rectangular region (e.g. an object's bounding box) in an image of height × width. */
export function boxRegion(height: number, width: number, box: { top: number; left: number; height: number; width: number }): Region {
  const mask = new Uint8Array(height * width);
  for (let y = Math.max(0, box.top); y < Math.min(height, box.top + box.height); y++) {
    for (let x = Math.max(0, box.left); x < Math.min(width, box.left + box.width); x++) mask[y * width + x] = 1;
  }
  return { height, width, mask };
}

/** The region grown by `tolerance` pixels (Chebyshev distance), as the pointing game's tolerance. */
function dilate(region: Region, tolerance: number): Uint8Array {
  if (tolerance <= 0) return region.mask;
  const { height: H, width: W } = region;
  const out = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!region.mask[y * W + x]) continue;
      for (let dy = -tolerance; dy <= tolerance; dy++) {
        for (let dx = -tolerance; dx <= tolerance; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) out[yy * W + xx] = 1;
        }
      }
    }
  }
  return out;
}

export function pointingGameHit(map: ArrayLike<number>, region: Region, tolerance = 0): boolean {
  const inside = dilate(region, tolerance);
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) max = Math.max(max, map[i]);
  let hit = false;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== max) continue;
    if (!inside[i]) return false;
    hit = true;
  }
  return hit;
}

/** Probability that a uniformly random pixel (the maximum of a random map) hits the region. */
export function randomPointingExpectation(region: Region, tolerance = 0): number {
  const inside = dilate(region, tolerance);
  return inside.reduce((a, b) => a + b, 0) / inside.length;
}

/** Share of Σ max(map, 0) that lies inside the region (0 when the map has no positive values). */
export function energyInRegion(map: ArrayLike<number>, region: Region): number {
  let total = 0;
  let inside = 0;
  for (let i = 0; i < map.length; i++) {
    const v = Math.max(0, map[i]);
    total += v;
    if (region.mask[i]) inside += v;
  }
  return total > 0 ? inside / total : 0;
}
