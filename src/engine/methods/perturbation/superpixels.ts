// Superpixels for the coalition methods on images: SLIC (Achanta et al. 2012) or a regular grid. A label per pixel,
// 0..count−1; the labels of a pixel apply to all its channels.
//
// SLIC here: cluster centres start on a regular grid of step S = √(H·W / segments); ten k-means iterations assign
// each pixel, within 2S × 2S of a centre, to the nearest by D = √(d_color² + (d_xy / S)² · compactness²), with colors
// scaled to 0–100 like Lab's lightness (skimage's default compactness 10 then means the same); then every label is
// made one connected region and regions smaller than S²/4 are merged into a neighbour.
import type { ImageGeometry } from './imageGeometry';

export interface Superpixels {
  labels: Int32Array;
  count: number;
}

export function gridSuperpixels(g: ImageGeometry, segments: number): Superpixels {
  const rows = Math.max(1, Math.min(g.height, Math.round(Math.sqrt((segments * g.height) / g.width))));
  const cols = Math.max(1, Math.min(g.width, Math.round(segments / rows)));
  const labels = new Int32Array(g.height * g.width);
  for (let y = 0; y < g.height; y++) {
    const r = Math.min(rows - 1, Math.floor((y * rows) / g.height));
    for (let x = 0; x < g.width; x++) labels[y * g.width + x] = r * cols + Math.min(cols - 1, Math.floor((x * cols) / g.width));
  }
  return { labels, count: rows * cols };
}

/** Pixel colors scaled to 0–100 over the image's own range (model inputs may be normalised any way). */
function colorFeatures(values: ArrayLike<number>, g: ImageGeometry): Float64Array {
  const n = g.height * g.width;
  const f = new Float64Array(n * g.channels);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const scale = hi > lo ? 100 / (hi - lo) : 0;
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      for (let c = 0; c < g.channels; c++) f[(y * g.width + x) * g.channels + c] = (values[g.index(y, x, c)] - lo) * scale;
    }
  }
  return f;
}

export function slicSuperpixels(values: ArrayLike<number>, g: ImageGeometry, segments: number, compactness = 10, iterations = 10): Superpixels {
  const { height: H, width: W, channels: C } = g;
  const n = H * W;
  const color = colorFeatures(values, g);
  const S = Math.max(1, Math.sqrt(n / Math.max(1, segments)));
  // Centres on a grid, at cell middles.
  const centres: number[][] = [];
  for (let y = S / 2; y < H; y += S) for (let x = S / 2; x < W; x += S) centres.push([y, x, ...sample(color, Math.floor(y), Math.floor(x), W, C)]);
  const labels = new Int32Array(n).fill(-1);
  const distance = new Float64Array(n);
  const spatial = (compactness / S) ** 2;
  for (let it = 0; it < iterations; it++) {
    distance.fill(Infinity);
    centres.forEach((ctr, k) => {
      const [cy, cx] = ctr;
      for (let y = Math.max(0, Math.floor(cy - S)); y < Math.min(H, Math.ceil(cy + S) + 1); y++) {
        for (let x = Math.max(0, Math.floor(cx - S)); x < Math.min(W, Math.ceil(cx + S) + 1); x++) {
          const p = y * W + x;
          let dc = 0;
          for (let c = 0; c < C; c++) dc += (color[p * C + c] - ctr[2 + c]) ** 2;
          const d = dc + ((y - cy) ** 2 + (x - cx) ** 2) * spatial;
          if (d < distance[p]) {
            distance[p] = d;
            labels[p] = k;
          }
        }
      }
    });
    const sums = centres.map(() => new Float64Array(2 + C));
    const counts = new Float64Array(centres.length);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const k = labels[p];
        if (k < 0) continue;
        counts[k]++;
        sums[k][0] += y;
        sums[k][1] += x;
        for (let c = 0; c < C; c++) sums[k][2 + c] += color[p * C + c];
      }
    }
    centres.forEach((ctr, k) => {
      if (counts[k] > 0) for (let j = 0; j < ctr.length; j++) ctr[j] = sums[k][j] / counts[k];
    });
  }
  return connectedRegions(labels, H, W, Math.max(1, Math.floor((S * S) / 4)));
}

function sample(color: Float64Array, y: number, x: number, W: number, C: number): number[] {
  return Array.from(color.subarray((y * W + x) * C, (y * W + x + 1) * C));
}

/** Relabels so that each label is one 4-connected region; regions below `minSize` join a neighbouring region. */
function connectedRegions(labels: Int32Array, H: number, W: number, minSize: number): Superpixels {
  const n = H * W;
  const region = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let start = 0; start < n; start++) {
    if (region[start] >= 0) continue;
    const id = sizes.length;
    let size = 0;
    region[start] = id;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const y = Math.floor(p / W);
      const x = p % W;
      for (const q of [y > 0 ? p - W : -1, y < H - 1 ? p + W : -1, x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1]) {
        if (q >= 0 && region[q] < 0 && labels[q] === labels[start]) {
          region[q] = id;
          stack.push(q);
        }
      }
    }
    sizes.push(size);
  }
  // Small regions take the label of an adjacent larger region (the first found in scan order).
  const merged = Int32Array.from(sizes.keys());
  const find = (r: number): number => (merged[r] === r ? r : (merged[r] = find(merged[r])));
  for (let p = 0; p < n; p++) {
    const r = find(region[p]);
    if (sizes[r] >= minSize) continue;
    const y = Math.floor(p / W);
    const x = p % W;
    for (const q of [y > 0 ? p - W : -1, x > 0 ? p - 1 : -1, y < H - 1 ? p + W : -1, x < W - 1 ? p + 1 : -1]) {
      if (q < 0) continue;
      const other = find(region[q]);
      if (other !== r) {
        merged[r] = other;
        sizes[other] += sizes[r];
        break;
      }
    }
  }
  const compact = new Map<number, number>();
  const out = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const r = find(region[p]);
    if (!compact.has(r)) compact.set(r, compact.size);
    out[p] = compact.get(r)!;
  }
  return { labels: out, count: compact.size };
}
