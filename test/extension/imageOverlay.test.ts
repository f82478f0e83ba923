import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImagePrefs } from '../../src/shared/panelProtocol';
import type { ImageExplanation } from '../../src/shared/types';
import { colormap } from '../../webview/explanation/image/colormaps';
import {
  downscaleMap,
  formatValue,
  legendFor,
  overlayStats,
  percentileOfSorted,
  pixelMapOf,
  renderOverlay,
  type PixelMap,
} from '../../webview/explanation/image/overlay';

const prefs = (p: Partial<ImagePrefs> = {}): ImagePrefs => ({ opacity: 1, colormap: 'viridis', sign: 'absolute', clipPercentile: 100, ...p });

// 3×2 map: two positive pixels, two negative, one zero, one weak positive.
const MAP: PixelMap = { width: 3, height: 2, values: [2, -4, 0, 1, -2, 0.5] };

const px = (rgba: Uint8ClampedArray, i: number): number[] => [...rgba.slice(i * 4, i * 4 + 4)];
const alphas = (rgba: Uint8ClampedArray): number[] => Array.from({ length: rgba.length / 4 }, (_, i) => rgba[i * 4 + 3]);
const rounded = (c: number[]): number[] => c.map(Math.round);

test('positive selection shows only positive pixels, scaled by the largest positive value', () => {
  const o = renderOverlay(MAP, prefs({ sign: 'positive' }));
  assert.equal(o.rgba.length, 3 * 2 * 4);
  assert.deepEqual(alphas(o.rgba), [255, 0, 0, 128, 0, 64]); // 2/2, -, -, 1/2, -, 0.5/2
  assert.deepEqual(px(o.rgba, 0).slice(0, 3), rounded(colormap('viridis', 1)));
  assert.equal(o.stats.clip, 2);
  assert.equal(o.stats.selected, 3);
});

test('negative selection shows only negative pixels, strongest at full intensity', () => {
  const o = renderOverlay(MAP, prefs({ sign: 'negative', colormap: 'inferno' }));
  assert.deepEqual(alphas(o.rgba), [0, 255, 0, 0, 128, 0]); // -4 → 1, -2 → 0.5
  assert.deepEqual(px(o.rgba, 1).slice(0, 3), rounded(colormap('inferno', 1)));
  assert.equal(o.stats.clip, 4);
});

test('absolute selection shows every non-zero pixel by |v|', () => {
  const o = renderOverlay(MAP, prefs({ sign: 'absolute' }));
  assert.deepEqual(alphas(o.rgba), [128, 255, 0, 64, 128, 32]);
});

test('signed selection uses the diverging map whatever colormap is chosen: red positive, blue negative', () => {
  for (const cm of ['viridis', 'grayscale', 'diverging'] as const) {
    const o = renderOverlay(MAP, prefs({ sign: 'all', colormap: cm }));
    const [r0, , b0] = px(o.rgba, 0); // +2 → +0.5
    const [r1, , b1, a1] = px(o.rgba, 1); // −4 → −1
    assert.ok(r0 > b0, `${cm}: positive pixel is red (${px(o.rgba, 0)})`);
    assert.ok(b1 > r1, `${cm}: negative pixel is blue (${px(o.rgba, 1)})`);
    assert.deepEqual(px(o.rgba, 1).slice(0, 3), rounded(colormap('diverging', -1)));
    assert.deepEqual(px(o.rgba, 0).slice(0, 3), rounded(colormap('diverging', 0.5)));
    assert.equal(a1, 255);
    assert.equal(px(o.rgba, 2)[3], 0, 'zero is transparent');
  }
});

test('diverging colormap on unsigned selections uses the matching half', () => {
  const pos = renderOverlay(MAP, prefs({ sign: 'positive', colormap: 'diverging' }));
  assert.deepEqual(px(pos.rgba, 0).slice(0, 3), rounded(colormap('diverging', 1)));
  const neg = renderOverlay(MAP, prefs({ sign: 'negative', colormap: 'diverging' }));
  assert.deepEqual(px(neg.rgba, 1).slice(0, 3), rounded(colormap('diverging', -1)));
});

test('clipping at a percentile saturates the outliers and brightens the rest', () => {
  // 100 pixels: 1..99 and one outlier of 10000.
  const values = [...Array.from({ length: 99 }, (_, i) => i + 1), 10000];
  const map: PixelMap = { width: 10, height: 10, values };
  const none = renderOverlay(map, prefs({ clipPercentile: 100 }));
  assert.equal(none.stats.clip, 10000);
  assert.equal(none.rgba[49 * 4 + 3], Math.round((255 * 50) / 10000)); // 50 is almost invisible without clipping
  const clipped = renderOverlay(map, prefs({ clipPercentile: 99 }));
  // 99th percentile of 1..99,10000 with linear interpolation: rank 98.01 → 99 + 0.01 × (10000 − 99).
  assert.ok(Math.abs(clipped.stats.clip - (99 + 0.01 * 9901)) < 1e-9, `clip ${clipped.stats.clip}`);
  assert.equal(clipped.rgba[99 * 4 + 3], 255, 'the outlier saturates');
  assert.equal(clipped.rgba[49 * 4 + 3], Math.round((255 * 50) / clipped.stats.clip));
  const tight = renderOverlay(map, prefs({ clipPercentile: 50 }));
  assert.equal(tight.stats.clip, 50.5);
  assert.equal(tight.rgba[60 * 4 + 3], 255, 'values above the clip are capped at full intensity');
  assert.equal(tight.rgba[98 * 4 + 3], 255);
});

test('the clip percentile is taken over the selected pixels only (zeros do not pull it down)', () => {
  // 1000 pixels, only 3 positive: a percentile over all pixels would be 0.
  const values = new Array(1000).fill(0);
  values[5] = 1;
  values[6] = 2;
  values[7] = 3;
  const s = overlayStats(values, 'positive', 50);
  assert.equal(s.clip, 2);
  assert.equal(s.selected, 3);
});

test('opacity scales alpha linearly', () => {
  const full = renderOverlay(MAP, prefs({ opacity: 1 }));
  const half = renderOverlay(MAP, prefs({ opacity: 0.5 }));
  const none = renderOverlay(MAP, prefs({ opacity: 0 }));
  assert.deepEqual(alphas(full.rgba), [128, 255, 0, 64, 128, 32]);
  assert.deepEqual(alphas(half.rgba), [64, 128, 0, 32, 64, 16]);
  assert.deepEqual(alphas(none.rgba), [0, 0, 0, 0, 0, 0]);
  // Colors do not change with opacity.
  assert.deepEqual(px(half.rgba, 1).slice(0, 3), px(full.rgba, 1).slice(0, 3));
});

test('NaN and infinite pixels are transparent and counted', () => {
  const map: PixelMap = { width: 2, height: 2, values: [NaN, 1, Infinity, -0.5] };
  const o = renderOverlay(map, prefs({ sign: 'all' }));
  assert.deepEqual(px(o.rgba, 0), [0, 0, 0, 0]);
  assert.deepEqual(px(o.rgba, 2), [0, 0, 0, 0]);
  assert.equal(o.rgba[1 * 4 + 3], 255);
  assert.equal(o.stats.nonFinite, 2);
  assert.equal(o.stats.min, -0.5);
  assert.equal(o.stats.max, 1);
  assert.match(o.note ?? '', /2 pixels are not finite/);
});

test('an all-zero map is transparent with a note; a map without the selected sign says so', () => {
  const zero = renderOverlay({ width: 2, height: 2, values: [0, 0, 0, 0] }, prefs());
  assert.ok(zero.rgba.every((b) => b === 0));
  assert.match(zero.note ?? '', /zero everywhere/);
  const gradcamLike = renderOverlay({ width: 2, height: 1, values: [0.2, 0] }, prefs({ sign: 'negative' }));
  assert.ok(gradcamLike.rgba.every((b) => b === 0));
  assert.match(gradcamLike.note ?? '', /no negative values/);
  const allNaN = renderOverlay({ width: 1, height: 1, values: [NaN] }, prefs());
  assert.match(allNaN.note ?? '', /no finite values/);
  assert.equal(renderOverlay(MAP, prefs()).note, undefined);
});

test('stats: min, max and the positive share of the mass', () => {
  const s = overlayStats(MAP.values, 'absolute', 100);
  assert.equal(s.min, -4);
  assert.equal(s.max, 2);
  assert.ok(Math.abs(s.positiveFraction - 3.5 / 9.5) < 1e-12);
  assert.equal(s.count, 6);
  assert.ok(Number.isNaN(overlayStats([0, 0], 'absolute', 99).positiveFraction));
});

test('percentile interpolates between order statistics', () => {
  assert.equal(percentileOfSorted([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentileOfSorted([1, 2, 3, 4], 100), 4);
  assert.equal(percentileOfSorted([1, 2, 3, 4], 0), 1);
  assert.ok(Number.isNaN(percentileOfSorted([], 50)));
});

test('downscale averages blocks and preserves the mean', () => {
  const width = 40;
  const height = 30;
  const values = Array.from({ length: width * height }, (_, i) => Math.sin(i * 0.37) * (i % 7) - 1);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const small = downscaleMap({ width, height, values }, 300); // 40×30 = 1200 > 300 → factor 2 gives 20×15 = 300
  assert.equal(small.factor, 2);
  assert.equal(small.width, 20);
  assert.equal(small.height, 15);
  const smallMean = Array.from(small.values).reduce((a, b) => a + b, 0) / small.values.length;
  assert.ok(Math.abs(smallMean - mean) < 1e-12, `${smallMean} vs ${mean}`);
  // The first block is the mean of its 4 pixels.
  assert.ok(Math.abs(small.values[0] - (values[0] + values[1] + values[40] + values[41]) / 4) < 1e-12);
});

test('downscale with partial edge blocks keeps the area-weighted mean; NaN is skipped; small maps pass through', () => {
  const width = 5;
  const height = 3;
  const values = Array.from({ length: 15 }, (_, i) => i);
  const d = downscaleMap({ width, height, values }, 6); // factor 2 → 3×2
  assert.equal(d.factor, 2);
  assert.deepEqual([d.width, d.height], [3, 2]);
  assert.deepEqual(Array.from(d.values), [3, 5, 6.5, 10.5, 12.5, 14]);
  // Weighted by block areas (4, 4, 2, 2, 2, 1) the mean of the original (7) is recovered.
  const areas = [4, 4, 2, 2, 2, 1];
  const weighted = areas.reduce((s, a, i) => s + a * d.values[i], 0) / 15;
  assert.equal(weighted, 7);
  const withNaN = downscaleMap({ width: 2, height: 2, values: [NaN, 1, 3, NaN] }, 1);
  assert.deepEqual(Array.from(withNaN.values), [2]);
  const same = downscaleMap(MAP);
  assert.equal(same.factor, 1);
  assert.equal(same.values, MAP.values);
});

test('pixelMapOf checks the shape against the values', () => {
  const image = (shape: number[], values: number[]): ImageExplanation => ({
    width: 3,
    height: 2,
    layout: 'NHWC',
    channels: 'RGB',
    pixelMap: { shape, values },
    channelReduction: 'sum',
    preview: { mime: 'image/png', base64: '' },
    original: { format: 'png', width: 3, height: 2, detail: '' },
  });
  assert.deepEqual(pixelMapOf(image([2, 3], [1, 2, 3, 4, 5, 6])), { width: 3, height: 2, values: [1, 2, 3, 4, 5, 6] });
  assert.ok('error' in pixelMapOf(image([2, 3], [1, 2, 3])));
  assert.ok('error' in pixelMapOf(image([0, 3], [])));
});

test('legend: signed runs blue to red around 0; clipped ends are marked; caption has min, max and positive share', () => {
  const o = renderOverlay(MAP, prefs({ sign: 'all', clipPercentile: 99 }));
  const lg = legendFor(o.stats, prefs({ sign: 'all', clipPercentile: 99 }));
  assert.equal(lg.colormap, 'diverging');
  assert.deepEqual([lg.from, lg.to, lg.middle], [-1, 1, '0']);
  assert.match(lg.left, /^≤ −/);
  assert.match(lg.right, /^≥ /);
  assert.match(lg.caption, /min −4 · max 2 · clipped at the 99th percentile · 37% of the mass positive/);
  const plain = legendFor(renderOverlay(MAP, prefs({ sign: 'positive' })).stats, prefs({ sign: 'positive', colormap: 'cividis' }));
  assert.deepEqual([plain.colormap, plain.from, plain.to, plain.left, plain.right], ['cividis', 0, 1, '0', '2']);
  assert.equal(formatValue(0.0000603), '6.03e-5');
  assert.equal(formatValue(-0.25), '−0.25');
  assert.equal(formatValue(-0.0000603), '−6.03e-5');
});
