import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildView,
  convergenceWarning,
  formatNumber,
  formatSigned,
  humanize,
  MAX_CLASSES_SHOWN,
  modelTitle,
} from '../../webview/explanation/viewModel';
import { sampleExplanation } from './helpers/explanationFixture';

test('features sorted by |attribution| keep their index into Explanation.features', () => {
  const view = buildView(sampleExplanation(), 'magnitude');
  assert.deepEqual(
    view.features.map((f) => [f.index, f.name, f.sign]),
    [
      [0, 'age', 'positive'],
      [2, 'debt', 'positive'],
      [1, 'income', 'negative'],
    ],
  );
  assert.deepEqual(
    view.features.map((f) => f.fraction),
    [1, 0.4, 0.2],
  );
  assert.deepEqual(
    buildView(sampleExplanation(), 'input').features.map((f) => f.index),
    [0, 1, 2],
  );
  assert.equal(view.features[2].scoreText, '−0.05');
  assert.equal(view.features[0].scoreText, '+0.25');
  assert.equal(view.features[0].valueText, '41');
  assert.ok(view.features.every((f) => f.revealable));
});

test('prediction bars mark the predicted and the target class', () => {
  const e = sampleExplanation({ target: { index: 0, label: 'repaid' } });
  const view = buildView(e, 'magnitude');
  assert.deepEqual(
    view.classes.map((c) => [c.label, c.predicted, c.target]),
    [
      ['repaid', false, true],
      ['default', true, false],
    ],
  );
  assert.equal(view.classes[1].fraction, 1);
  assert.ok(Math.abs(view.classes[0].fraction - 0.3 / 0.7) < 1e-12);
  assert.equal(view.title, 'credit-risk');
  assert.equal(view.inputText, 'applicants.csv · row 0');
  assert.match(view.subtitle, /target repaid \(0\).*predicted default \(1\)/);
});

test('large outputs list the top classes plus the predicted and target ones', () => {
  const scores = Array.from({ length: 100 }, (_, i) => i / 100);
  const e = sampleExplanation({
    prediction: { scores, index: 99 },
    target: { index: 3 },
  });
  const view = buildView(e, 'magnitude');
  assert.equal(view.classes.length, MAX_CLASSES_SHOWN + 1);
  assert.equal(view.classes[0].index, 99);
  assert.ok(view.classes.some((c) => c.index === 3 && c.target && c.label === 'output 3'));
  assert.match(view.classesNote ?? '', /21 of 100/);
});

test('a convergence delta that is large relative to F(x) − F(x′) is flagged, a small one is not', () => {
  // Σ attributions = 0.3; with delta = Σ − (F(x) − F(x′)), F(x) − F(x′) = 0.3 − delta.
  const small = buildView(sampleExplanation({ checks: { convergenceDelta: 0.001 } }), 'magnitude');
  assert.equal(small.checks.find((c) => c.name === 'convergence delta')?.warning, undefined);
  const large = sampleExplanation({ checks: { convergenceDelta: 0.1 } });
  const row = buildView(large, 'magnitude').checks.find((c) => c.name === 'convergence delta');
  assert.match(row?.warning ?? '', /50% of F\(x\) − F\(x′\) = 0\.2/);
  // Exactly at the threshold (5%) is not flagged; just above is. Σ = 0.3, delta = 0.3/21 → F(x) − F(x′) = 0.3·20/21.
  assert.equal(convergenceWarning(large, 0.3 / 21 - 1e-9), undefined);
  assert.match(convergenceWarning(large, 0.3 / 21 + 1e-6) ?? '', /5% of/);
  assert.match(convergenceWarning(large, -0.3) ?? '', /50% of F\(x\) − F\(x′\) = 0\.6/);
  const sumRow = buildView(large, 'magnitude').checks.find((c) => c.name === 'sum of attributions');
  assert.equal(sumRow?.valueText, '0.3');
});

test('method settings and non-flat inputs are described in words', () => {
  const view = buildView(sampleExplanation(), 'magnitude');
  assert.deepEqual(view.settings, [
    { name: 'method', valueText: 'integrated-gradients' },
    { name: 'steps', valueText: '50' },
    { name: 'ig method', valueText: 'gausslegendre' },
    { name: 'baseline', valueText: 'zero' },
    { name: 'batch size', valueText: '32' },
  ]);
  const image = buildView(
    sampleExplanation({ features: [], attributions: { shape: [2, 2], values: [1, 2, 3, 4] }, input: { source: 'input', shape: [2, 2] } }),
    'magnitude',
  );
  assert.equal(image.features.length, 0);
  assert.match(image.featuresNote ?? '', /\[2, 2\]/);
  assert.equal(image.hasInputFile, false);
  assert.match(view.footer, /backend wasm · load 12 ms · attribute 1\.53 s/);
});

test('hostile strings from the data pass through as plain text, unchanged', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const e = sampleExplanation();
  e.features[0] = { ...e.features[0], name: evil, value: '</script><script>alert(2)</script>' };
  e.prediction.labels = [evil, '</script>'];
  const view = buildView(e, 'input');
  assert.equal(view.features[0].name, evil);
  assert.equal(view.features[0].valueText, '</script><script>alert(2)</script>');
  assert.equal(view.classes[0].label, evil);
  assert.equal(view.classes[1].label, '</script>');
});

test('number formatting', () => {
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(0.123456), '0.1235');
  assert.equal(formatNumber(-12.5), '−12.5');
  assert.equal(formatNumber(0.00001234), '1.23e-5');
  assert.equal(formatNumber(123456), '1.23e+5');
  assert.equal(formatSigned(0.5), '+0.5');
  assert.equal(formatSigned(-0.5), '−0.5');
  assert.equal(humanize('convergenceDelta'), 'convergence delta');
  assert.equal(modelTitle('C:\\models\\mnist\\model.json'), 'mnist');
  assert.equal(modelTitle('/m/net.onnx'), 'net');
});
