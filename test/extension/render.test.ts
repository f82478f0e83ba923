import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeatureSort } from '../../src/shared/panelProtocol';
import { renderEmpty, renderExplanation, type RenderHandlers } from '../../webview/explanation/render';
import { buildView, FEATURES_SHOWN_BY_DEFAULT } from '../../webview/explanation/viewModel';
import { sampleExplanation } from './helpers/explanationFixture';
import { asDom, FakeDocument, FakeElement, FakeText } from './helpers/fakeDom';

function recorder() {
  const calls: unknown[][] = [];
  const handlers: RenderHandlers = {
    reveal: (i) => calls.push(['reveal', i]),
    setSort: (s: FeatureSort) => calls.push(['sort', s]),
    showAllFeatures: () => calls.push(['showAll']),
    openInput: () => calls.push(['openInput']),
    copyJson: () => calls.push(['copyJson']),
  };
  return { calls, handlers };
}

function render(e = sampleExplanation(), sort: FeatureSort = 'magnitude', showAllFeatures = false) {
  const doc = new FakeDocument();
  const root = new FakeElement('main');
  const { calls, handlers } = recorder();
  renderExplanation(...asDom(doc, root), buildView(e, sort), { sort, showAllFeatures }, handlers);
  return { doc, root, calls };
}

const texts = (el: FakeElement): string[] =>
  el.children.flatMap((c) => (c instanceof FakeText ? [c.data] : texts(c)));

test('feature and label strings become text nodes, never elements', () => {
  const e = sampleExplanation();
  e.features[0] = { ...e.features[0], name: '<img src=x onerror=alert(1)>', value: '</script><script>alert(1)</script>' };
  e.prediction.labels = ['<b onmouseover=alert(1)>repaid</b>', 'default'];
  const { doc, root } = render(e);
  const allowed = new Set(['header', 'h1', 'h2', 'p', 'div', 'span', 'section', 'ol', 'li', 'button', 'label', 'table', 'caption',
    'tbody', 'tr', 'th', 'td', 'footer', 'vscode-button', 'vscode-single-select', 'vscode-option']);
  for (const tag of doc.created) assert.ok(allowed.has(tag), `unexpected element <${tag}>`);
  assert.ok(!doc.created.includes('img') && !doc.created.includes('script') && !doc.created.includes('b'));
  const allText = texts(root);
  assert.ok(allText.includes('<img src=x onerror=alert(1)>'));
  assert.ok(allText.includes('</script><script>alert(1)</script>'));
  assert.ok(allText.includes('<b onmouseover=alert(1)>repaid</b>'));
  for (const el of root.descendants()) {
    for (const name of el.attributes.keys()) assert.doesNotMatch(name, /^on|^style$/i, `attribute ${name} on <${el.tagName}>`);
  }
});

test('feature rows are buttons in sorted order, with bar widths and an accessible label; clicking reveals', () => {
  const { root, calls } = render();
  const rows = root.find((el) => el.className.startsWith('feature-row'));
  assert.deepEqual(
    rows.map((r) => r.getAttribute('data-feature-index')),
    ['0', '2', '1'],
  );
  for (const r of rows) {
    assert.equal(r.tagName, 'button');
    assert.equal(r.getAttribute('type'), 'button');
  }
  assert.match(rows[0].getAttribute('aria-label') ?? '', /^age = 41: attribution \+0\.25\. Press Enter/);
  const fills = rows.map((r) => r.find((el) => el.className.startsWith('fill'))[0]);
  assert.deepEqual(
    fills.map((f) => [f.className, f.style.width]),
    [
      ['fill positive', '100.00%'],
      ['fill positive', '40.00%'],
      ['fill negative', '20.00%'],
    ],
  );
  rows[2].dispatch('click');
  assert.deepEqual(calls, [['reveal', 1]]);
});

test('a feature without a source span is not a button and does not reveal', () => {
  const e = sampleExplanation();
  delete e.features[1].span;
  const { root } = render(e, 'input');
  const rows = root.find((el) => el.className.startsWith('feature-row'));
  assert.deepEqual(
    rows.map((r) => r.tagName),
    ['button', 'div', 'button'],
  );
  assert.equal(rows[1].listeners.size, 0);
});

test('prediction rows carry predicted and target badges', () => {
  const { root } = render(sampleExplanation({ target: { index: 0, label: 'repaid' } }));
  const rows = root.find((el) => el.className.startsWith('class-row'));
  assert.deepEqual(
    rows.map((r) => [r.className, r.find((el) => el.className.startsWith('badge ')).map((b) => b.textContent)]),
    [
      ['class-row is-target', ['target']],
      ['class-row is-predicted', ['predicted']],
    ],
  );
});

test('toolbar: sort select, open input and copy JSON call their handlers', () => {
  const { root, calls } = render();
  const select = root.find((el) => el.tagName === 'vscode-single-select')[0];
  const selected = select.find((el) => el.attributes.has('selected'));
  assert.deepEqual(
    selected.map((o) => o.getAttribute('value')),
    ['magnitude'],
  );
  select.dispatch('change', { value: 'input' });
  select.dispatch('change', { value: 'bogus' });
  const buttons = root.find((el) => el.tagName === 'vscode-button');
  buttons.find((b) => b.textContent === 'Open input')!.dispatch('click');
  buttons.find((b) => b.textContent === 'Copy JSON')!.dispatch('click');
  assert.deepEqual(calls, [['sort', 'input'], ['openInput'], ['copyJson']]);
});

test('a large convergence delta is rendered with the warning style', () => {
  const { root } = render(sampleExplanation({ checks: { convergenceDelta: 0.1 } }));
  const warned = root.find((el) => el.tagName === 'tr' && el.className === 'warning');
  assert.equal(warned.length, 1);
  assert.match(warned[0].textContent, /convergence delta0\.1\|delta\| is 50%/);
});

test('long feature lists show the first ones and a Show all button', () => {
  const n = FEATURES_SHOWN_BY_DEFAULT + 7;
  const features = Array.from({ length: n }, (_, i) => ({ name: `f${i}`, value: i, score: i + 1 }));
  const e = sampleExplanation({ features, attributions: { shape: [n], values: features.map((f) => f.score) } });
  const short = render(e);
  assert.equal(short.root.find((el) => el.className.startsWith('feature-row')).length, FEATURES_SHOWN_BY_DEFAULT);
  const more = short.root.find((el) => el.tagName === 'vscode-button' && el.textContent === `Show all ${n} features`);
  assert.equal(more.length, 1);
  more[0].dispatch('click');
  assert.deepEqual(short.calls, [['showAll']]);
  assert.equal(render(e, 'magnitude', true).root.find((el) => el.className.startsWith('feature-row')).length, n);
});

test('the empty state says how to get an explanation', () => {
  const doc = new FakeDocument();
  const root = new FakeElement('main');
  renderEmpty(...asDom(doc, root));
  assert.match(root.textContent, /Explain Model/);
});
