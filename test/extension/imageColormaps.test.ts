import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorbarGradient, colormap, colormapLut, relativeLuminance, type Rgb } from '../../webview/explanation/image/colormaps';

const near = (actual: Rgb, expected: Rgb, tol: number, what: string): void => {
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}: got ${actual.map((v) => v.toFixed(1))}, want ${expected}`);
};

/** CIELAB lightness L* of an sRGB color (D65). */
function lightness(c: Rgb): number {
  const y = relativeLuminance(c);
  return y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
}

// Published colors of matplotlib's lists: first and last entries, and the middle entries 127/128
// (viridis #21918c ≈ entry 128 (33,145,140); cividis entry 128 (125,124,120); inferno entry 128 (188,55,84)).
const ENDPOINTS: Record<'viridis' | 'cividis' | 'inferno', [Rgb, Rgb, Rgb]> = {
  viridis: [[68, 1, 84], [33, 145, 140], [253, 231, 37]], // #440154 … #fde725
  cividis: [[0, 34, 78], [125, 124, 120], [254, 232, 56]], // #00224e … #fee838
  inferno: [[0, 0, 4], [188, 55, 84], [252, 255, 164]], // #000004 … #fcffa4
};

for (const name of ['viridis', 'cividis', 'inferno'] as const) {
  test(`${name}: endpoints and middle match the published colors`, () => {
    const [lo, mid, hi] = ENDPOINTS[name];
    near(colormap(name, 0), lo, 2, `${name}(0)`);
    near(colormap(name, 128 / 255), mid, 3, `${name}(0.5)`);
    near(colormap(name, 1), hi, 2, `${name}(1)`);
  });

  test(`${name}: luminance increases monotonically from 0 to 1`, () => {
    let previous = -1;
    for (let i = 0; i <= 200; i++) {
      const y = relativeLuminance(colormap(name, i / 200));
      assert.ok(y > previous, `${name} luminance not increasing at t=${i / 200}: ${y} <= ${previous}`);
      previous = y;
    }
    // And the rise is substantial (a perceptual ramp, not a nearly flat one).
    assert.ok(relativeLuminance(colormap(name, 1)) - relativeLuminance(colormap(name, 0)) > 0.6);
  });

  test(`${name}: values outside [0, 1] are clamped, NaN gives the start`, () => {
    assert.deepEqual(colormap(name, -3), colormap(name, 0));
    assert.deepEqual(colormap(name, 7), colormap(name, 1));
    assert.deepEqual(colormap(name, NaN), colormap(name, 0));
  });
}

test('diverging: neutral gray at 0, blue for negative, red for positive, symmetric lightness', () => {
  const mid = colormap('diverging', 0);
  assert.ok(Math.max(...mid) - Math.min(...mid) <= 2, `center ${mid} is not neutral`);
  assert.ok(lightness(mid) > 85, 'center is light');
  near(colormap('diverging', -1), [59, 76, 192], 1, 'cool end');
  near(colormap('diverging', 1), [180, 4, 38], 1, 'warm end');
  for (let i = 1; i <= 20; i++) {
    const t = i / 20;
    const neg = colormap('diverging', -t);
    const pos = colormap('diverging', t);
    assert.ok(neg[2] > neg[0], `blue side at -${t}: ${neg}`);
    assert.ok(pos[0] > pos[2], `red side at ${t}: ${pos}`);
    assert.ok(Math.abs(lightness(neg) - lightness(pos)) < 1.5, `lightness at ±${t}: ${lightness(neg)} vs ${lightness(pos)}`);
    // Lightness falls away from the center on both sides.
    assert.ok(lightness(pos) < lightness(colormap('diverging', t - 0.05)) + 1e-9);
  }
});

test('grayscale runs from black to white', () => {
  assert.deepEqual(colormap('grayscale', 0), [0, 0, 0]);
  assert.deepEqual(colormap('grayscale', 1), [255, 255, 255]);
  assert.deepEqual(colormap('grayscale', 0.5), [127.5, 127.5, 127.5]);
});

test('lookup tables hold rounded colors over the requested range, signed ones with 0 in the middle', () => {
  const lut = colormapLut('viridis', 0, 1, 256);
  assert.equal(lut.length, 768);
  assert.deepEqual([...lut.slice(0, 3)], [68, 1, 84]);
  assert.deepEqual([...lut.slice(765)], [253, 231, 37]);
  const signed = colormapLut('diverging', -1, 1, 511);
  assert.deepEqual([...signed.slice(255 * 3, 255 * 3 + 3)], [221, 221, 221]);
  const negativeHalf = colormapLut('diverging', 0, -1, 256);
  assert.deepEqual([...negativeHalf.slice(765)], [59, 76, 192]);
});

test('colorbar gradient lists the map colors left to right', () => {
  const g = colorbarGradient('viridis', 0, 1, 3);
  assert.equal(g, 'linear-gradient(to right, rgb(68, 1, 84) 0.00%, rgb(33, 145, 140) 50.00%, rgb(253, 231, 37) 100.00%)');
  const d = colorbarGradient('diverging', -1, 1, 3);
  assert.match(d, /^linear-gradient\(to right, rgb\(59, 76, 192\) 0\.00%, rgb\(221, 221, 221\) 50\.00%, rgb\(180, 4, 38\) 100\.00%\)$/);
});
