// Token heatmap of the explanation panel: the segment builder (textView.ts) and its DOM (tokenHeatmap.ts).
// Real explanations come from the CLI on the planted text model (test/extension/fixtures/textExplanations.json:
// layer-integrated-gradients and occlusion on the same text, a truncated text, and a dataset row whose features
// carry file spans); sub-word and special-token cases are built by hand in the engine's shape.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TextPrefs } from '../../src/shared/panelProtocol';
import type { ExplainedToken, Explanation, FeatureAttribution } from '../../src/shared/types';
import { buildTextView, buildTextViews, colorScales, maxAbsTextScore, TOP_TOKENS, type TokenSegment } from '../../webview/explanation/text/textView';
import { renderTextBody, SCALE_BUTTON_IDS, type TextBodyHandlers } from '../../webview/explanation/text/tokenHeatmap';
import { sampleExplanation } from './helpers/explanationFixture';
import { FakeDocument, FakeElement, FakeText } from './helpers/fakeDom';

type Fixtures = Record<'ligText' | 'occlusionText' | 'occlusionTruncated' | 'ligDatasetRow', Explanation>;
const fixtures = (): Fixtures => JSON.parse(readFileSync(join(__dirname, 'fixtures/textExplanations.json'), 'utf8')) as Fixtures;

interface TokenSpec {
  token: string;
  /** The characters in the text this token covers (found from `from` on); absent for special tokens. */
  piece?: string;
  score: number;
  special?: boolean;
}

/** A text explanation in the engine's shape: offsets found in `text`, one feature per shown token unless given. */
function textExplanation(text: string, specs: TokenSpec[], extra: { features?: FeatureAttribution[]; truncated?: boolean; granularity?: 'token' | 'word' } = {}): Explanation {
  let from = 0;
  const tokens: ExplainedToken[] = specs.map((s, position) => {
    const t: ExplainedToken = { position, id: position, token: s.token, special: s.special ?? false, score: s.score };
    if (s.piece !== undefined) {
      const start = text.indexOf(s.piece, from);
      assert.ok(start >= 0, `${s.piece} in ${text}`);
      t.start = start;
      t.end = start + s.piece.length;
      from = t.end;
    }
    return t;
  });
  const features =
    extra.features ??
    tokens
      .filter((t) => !t.special)
      .map((t) => ({ name: text.slice(t.start, t.end), value: t.token, score: t.score, text: text.slice(t.start, t.end), start: t.start, end: t.end, positions: [t.position] }));
  return sampleExplanation({
    method: { id: 'layer-integrated-gradients', options: { steps: 50 } },
    target: { index: 1, label: 'positive' },
    prediction: { scores: [0.2, 0.8], index: 1, label: 'positive', labels: ['negative', 'positive'] },
    attributions: { shape: [tokens.length], values: tokens.map((t) => t.score) },
    features,
    input: { source: 'text', shape: [tokens.length] },
    text: { text, tokenizer: 'vocab.txt', tokens, granularity: extra.granularity ?? 'token', truncated: extra.truncated ?? false },
  });
}

const tokenSegments = (e: Explanation, scale?: number): TokenSegment[] =>
  buildTextView(e, scale).segments.filter((s): s is TokenSegment => s.kind === 'token');
const joined = (e: Explanation) => buildTextView(e).segments.map((s) => s.text).join('');

function render(explanations: Explanation[], prefs: TextPrefs = { scale: 'per-method' }) {
  const doc = new FakeDocument();
  const calls: unknown[][] = [];
  const handlers: TextBodyHandlers = {
    reveal: (e, f) => calls.push(['reveal', e, f]),
    setPrefs: (p) => calls.push(['setPrefs', p]),
    remove: (e) => calls.push(['remove', e]),
  };
  const section = renderTextBody(doc as unknown as Document, explanations, prefs, handlers) as unknown as FakeElement;
  return { doc, section, calls };
}

const hasClass = (el: FakeElement, c: string) => el.className.split(/\s+/).includes(c);
const byClass = (root: FakeElement, c: string) => root.find((el) => hasClass(el, c));
const textNodes = (el: FakeElement): string[] => el.children.flatMap((c) => (c instanceof FakeText ? [c.data] : textNodes(c)));

test('segments cover the exact text in order (real CLI output with an accent and an emoji)', () => {
  const e = fixtures().ligText;
  const view = buildTextView(e);
  assert.equal(view.segments.map((s) => s.text).join(''), e.text!.text);
  let cursor = 0;
  for (const s of view.segments) {
    assert.equal(s.start, cursor, 'no gap and no overlap between segments');
    assert.equal(s.text, e.text!.text.slice(s.start, s.end));
    cursor = s.end;
  }
  assert.equal(cursor, e.text!.text.length);
  assert.deepEqual(
    view.segments.filter((s) => s.kind === 'token').map((s) => s.text),
    ['Café', '🎬', 'was', 'great', ',', 'but', 'the', 'ending', 'was', 'bad'],
  );
  assert.deepEqual(
    view.segments.filter((s) => s.kind === 'gap').map((s) => s.text),
    [' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '],
  );
  const cafe = tokenSegments(e)[0];
  assert.equal(cafe.tooltip, `Café (<unk>) · ${cafe.scoreText} · positive · layer-integrated-gradients`);
});

test('offsets are UTF-16 code units: CJK, combining accents, emoji with modifiers, newlines', () => {
  const text = 'naïve 東京タワー\nnoe\u0308l 👩🏽‍💻 ok!';
  const e = textExplanation(text, [
    { token: '[CLS]', score: 0, special: true },
    { token: 'naïve', piece: 'naïve', score: 0.5 },
    { token: '東京', piece: '東京', score: -0.25 },
    { token: 'タワー', piece: 'タワー', score: 0.1 },
    { token: 'noël', piece: 'noe\u0308l', score: 0.2 },
    { token: '[UNK]', piece: '👩🏽‍💻', score: -1 },
    { token: 'ok', piece: 'ok', score: 0 },
    { token: '[SEP]', score: 0, special: true },
  ]);
  assert.equal(joined(e), text);
  const tokens = tokenSegments(e);
  assert.deepEqual(tokens.map((s) => s.text), ['naïve', '東京', 'タワー', 'noe\u0308l', '👩🏽‍💻', 'ok']);
  assert.equal(tokens[4].text.length, 7, 'the emoji sequence is 7 UTF-16 code units, all in one token');
  assert.equal(buildTextView(e).segments.filter((s) => s.kind === 'gap').map((s) => s.text).join('|'), ' |\n| | |!');
});

test('special tokens are never shown, and their scores do not set the scale', () => {
  const text = 'good film';
  const e = textExplanation(text, [
    { token: '[CLS]', score: 9, special: true },
    { token: 'good', piece: 'good', score: 0.8 },
    { token: 'film', piece: 'film', score: -0.2 },
    { token: '[SEP]', score: -7, special: true },
    { token: '[PAD]', score: 5, special: true },
  ]);
  // Even with offsets, a special token stays hidden.
  e.text!.tokens[4] = { ...e.text!.tokens[4], start: 0, end: 4 };
  const view = buildTextView(e);
  assert.deepEqual(view.segments.map((s) => `${s.kind}:${s.text}`), ['token:good', 'gap: ', 'token:film']);
  assert.equal(view.maxAbs, 0.8);
  assert.equal(maxAbsTextScore(e), 0.8);
  assert.deepEqual(view.topTokens.map((s) => s.text), ['good', 'film']);
  const { section } = render([e]);
  const all = textNodes(section).join('');
  for (const special of ['[CLS]', '[SEP]', '[PAD]']) assert.ok(!all.includes(special), special);
});

test('word granularity: a feature merging sub-word positions is one segment with the feature score', () => {
  const text = 'Unbelievably good';
  const e = textExplanation(
    text,
    [
      { token: '[CLS]', score: 0, special: true },
      { token: 'un', piece: 'Un', score: 0.1 },
      { token: '##believ', piece: 'believ', score: 0.2 },
      { token: '##ably', piece: 'ably', score: 0.3 },
      { token: 'good', piece: 'good', score: -0.4 },
      { token: '[SEP]', score: 0, special: true },
    ],
    {
      granularity: 'word',
      features: [
        { name: 'Unbelievably', score: 0.6, text: 'Unbelievably', start: 0, end: 12, positions: [1, 2, 3] },
        { name: 'good', score: -0.4, text: 'good', start: 13, end: 17, positions: [4] },
      ],
    },
  );
  const view = buildTextView(e);
  assert.deepEqual(view.segments.map((s) => `${s.kind}:${s.text}`), ['token:Unbelievably', 'gap: ', 'token:good']);
  const word = view.segments[0] as TokenSegment;
  assert.equal(word.score, 0.6);
  assert.equal(word.featureIndex, 0);
  assert.deepEqual(word.positions, [1, 2, 3]);
  assert.deepEqual(word.vocab, ['un', '##believ', '##ably']);
  assert.equal(word.intensity, 1);
  assert.ok(word.tooltip.startsWith('Unbelievably (un ##believ ##ably) · +0.6 · positive'));
  assert.equal((view.segments[2] as TokenSegment).featureIndex, 1);
});

test('sign and intensity follow the score and the per-method scale', () => {
  const e = fixtures().ligText;
  const tokens = tokenSegments(e);
  const great = tokens.find((s) => s.text === 'great')!;
  const bad = tokens.find((s) => s.text === 'bad')!;
  const comma = tokens.find((s) => s.text === ',')!;
  assert.equal(great.sign, 'positive');
  assert.equal(great.intensity, 1);
  assert.equal(bad.sign, 'negative');
  assert.ok(Math.abs(bad.intensity - 1.7429455518722534 / 1.8181294202804565) < 1e-12);
  assert.equal(comma.sign, 'negative');
  assert.ok(comma.intensity > 0 && comma.intensity < 0.01);
  for (const s of tokens) assert.ok(s.intensity >= 0 && s.intensity <= 1);
  assert.deepEqual(buildTextView(e).topTokens.map((s) => s.text), ['great', 'bad', 'ending', 'the', 'but']);
  assert.equal(buildTextView(e).topTokens.length, TOP_TOKENS);
});

test('shared scale colors every column against the largest |score| of all of them', () => {
  const { ligText, occlusionText } = fixtures();
  const lig = maxAbsTextScore(ligText);
  const occ = maxAbsTextScore(occlusionText);
  assert.ok(lig > occ * 3, `${lig} vs ${occ}`);
  assert.deepEqual(colorScales([ligText, occlusionText], 'per-method'), [lig, occ]);
  assert.deepEqual(colorScales([ligText, occlusionText], 'shared'), [lig, lig]);
  const great = (views: ReturnType<typeof buildTextViews>) => views.map((v) => (v.segments.find((s) => s.text === 'great') as TokenSegment).intensity);
  assert.deepEqual(great(buildTextViews([ligText, occlusionText], { scale: 'per-method' })), [1, 1]);
  const shared = great(buildTextViews([ligText, occlusionText], { scale: 'shared' }));
  assert.equal(shared[0], 1);
  assert.ok(Math.abs(shared[1] - occ / lig) < 1e-12, `${shared[1]}`);
});

test('a truncated text: the part after the last token is its own dimmed segment, with a note', () => {
  const e = fixtures().occlusionTruncated;
  const view = buildTextView(e);
  assert.equal(joined(e), e.text!.text);
  const last = view.segments[view.segments.length - 1];
  assert.equal(last.kind, 'truncated');
  assert.equal(last.text, ' the actor was weak overall');
  assert.ok(view.notes.some((n) => /cut off/.test(n)));
  const { section } = render([e]);
  const cut = byClass(section, 'text-truncated');
  assert.equal(cut.length, 1);
  assert.equal(cut[0].textContent, ' the actor was weak overall');
  assert.ok(byClass(section, 'text-note').some((n) => /dimmed part/.test(n.textContent)));
  // Not truncated: the same trailing text is a plain gap.
  const whole = buildTextView({ ...e, text: { ...e.text!, truncated: false } });
  assert.equal(whole.segments[whole.segments.length - 1].kind, 'gap');
  assert.ok(!whole.notes.some((n) => /cut off/.test(n)));
});

test('NaN and infinite scores: no color, excluded from the scale and the top list, and noted', () => {
  const e = fixtures().ligText;
  e.features[3] = { ...e.features[3], score: Number.NaN }; // great
  e.features[9] = { ...e.features[9], score: Number.POSITIVE_INFINITY }; // bad
  const view = buildTextView(e);
  const great = view.segments.find((s) => s.text === 'great') as TokenSegment;
  assert.equal(great.sign, 'invalid');
  assert.equal(great.intensity, 0);
  assert.equal(great.scoreText, 'NaN');
  assert.ok(great.tooltip.includes('NaN'));
  assert.equal(view.maxAbs, 0.07532943785190582, 'the next largest finite score sets the scale');
  assert.ok(!view.topTokens.some((s) => s.sign === 'invalid'));
  assert.ok(view.notes.some((n) => /^2 tokens have no finite score/.test(n)), view.notes.join('\n'));
  const { section } = render([e]);
  const el = section.find((x) => hasClass(x, 'tok') && x.textContent === 'great' && !hasClass(x, 'top-token'))[0];
  assert.ok(hasClass(el, 'invalid'));
  assert.equal(el.style['--intensity'], '0.000');
});

test('overlapping, reversed, out-of-range and missing offsets never break the cover of the text', () => {
  const text = 'abc def ghi';
  const e = textExplanation(text, [
    { token: 'abc', piece: 'abc', score: 1 },
    { token: 'def', piece: 'def', score: 2 },
    { token: 'ghi', piece: 'ghi', score: 3 },
    { token: 'x', score: 4 },
    { token: 'y', score: 5 },
    { token: 'z', score: 6 },
  ]);
  const t = e.text!.tokens;
  t[1] = { ...t[1], start: 2, end: 6 }; // overlaps "abc"
  t[3] = { ...t[3], start: 9, end: 4 }; // reversed
  t[4] = { ...t[4], start: 8, end: 99 }; // past the end
  t[5] = { ...t[5], start: 1.5, end: 3 }; // not an integer
  const view = buildTextView(e);
  assert.equal(view.segments.map((s) => s.text).join(''), text);
  assert.deepEqual(view.segments.map((s) => `${s.kind}:${s.text}`), ['token:abc', 'token: de', 'gap:f ', 'token:ghi']);
  assert.equal(view.maxAbs, 3, 'unplaced tokens do not set the scale');
  assert.ok(view.notes.some((n) => /^3 tokens have no position in the text/.test(n)), view.notes.join('\n'));
  assert.ok(view.notes.some((n) => /^1 token overlaps/.test(n)), view.notes.join('\n'));
});

test('empty text, no tokens, and no text at all', () => {
  const empty = textExplanation('', []);
  const view = buildTextView(empty);
  assert.deepEqual(view.segments, []);
  assert.ok(view.notes.includes('The text is empty.'));
  const noTokens = textExplanation('just text', []);
  assert.deepEqual(buildTextView(noTokens).segments, [{ kind: 'gap', text: 'just text', start: 0, end: 9 }]);
  const tabular = sampleExplanation();
  assert.deepEqual(buildTextView(tabular).segments, []);
  assert.ok(buildTextView(tabular).notes[0].includes('no text'));
  const { section } = render([tabular]);
  assert.equal(section.tagName, 'section');
});

test('features tie to tokens through positions even when their offsets point into a file', () => {
  const e = fixtures().ligDatasetRow;
  assert.ok(e.features[0].start! > e.text!.text.length, 'feature offsets are file offsets');
  const tokens = tokenSegments(e);
  assert.equal(joined(e), e.text!.text);
  assert.equal(tokens.length, e.features.length);
  tokens.forEach((s, i) => {
    assert.equal(s.featureIndex, i);
    assert.equal(s.revealable, true);
    assert.equal(s.text, e.features[i].text);
  });
});

test('renders one column per explanation; tokens with a file span are buttons that reveal the right feature', () => {
  const { ligText, ligDatasetRow } = fixtures();
  const { section, calls } = render([ligText, ligDatasetRow]);
  assert.equal(section.tagName, 'section');
  const columns = byClass(section, 'text-column');
  assert.equal(columns.length, 2);
  assert.deepEqual(columns.map((c) => c.getAttribute('data-explanation-index')), ['0', '1']);
  // The text each column shows is exactly the input text.
  assert.deepEqual(columns.map((c) => byClass(c, 'text-tokens')[0].textContent), [ligText.text!.text, ligDatasetRow.text!.text]);

  // Column 0 (text given directly, no spans): spans, not focusable.
  const plain = byClass(byClass(columns[0], 'text-tokens')[0], 'tok');
  assert.equal(plain.length, 10);
  assert.ok(plain.every((el) => el.tagName === 'span' && el.getAttribute('title')));
  // Column 1 (dataset row): buttons with the tooltip as title and accessible name.
  const buttons = byClass(byClass(columns[1], 'text-tokens')[0], 'tok');
  assert.equal(buttons.length, ligDatasetRow.features.length);
  for (const b of buttons) {
    assert.equal(b.tagName, 'button');
    assert.equal(b.getAttribute('type'), 'button');
    assert.ok(b.getAttribute('aria-label')!.startsWith(b.getAttribute('title')!));
  }
  const dull = buttons.find((b) => b.textContent === 'dull')!;
  const dullIndex = ligDatasetRow.features.findIndex((f) => f.text === 'dull');
  assert.equal(dull.getAttribute('data-feature-index'), String(dullIndex));
  assert.equal(dull.getAttribute('title'), `dull · +0.2963 · negative · layer-integrated-gradients`);
  dull.dispatch('click');
  assert.deepEqual(calls, [['reveal', 1, dullIndex]]);
  for (const s of plain) s.dispatch('click');
  assert.equal(calls.length, 1, 'spans without a file span do not reveal');
});

test('colors go through the CSSOM: --intensity and a sign class, never a style attribute', () => {
  const e = fixtures().ligText;
  const { section } = render([e]);
  const toks = byClass(byClass(section, 'text-tokens')[0], 'tok');
  const view = buildTextView(e);
  const expected = view.segments.filter((s): s is TokenSegment => s.kind === 'token');
  assert.deepEqual(toks.map((t) => t.style['--intensity']), expected.map((s) => s.intensity.toFixed(3)));
  assert.deepEqual(toks.map((t) => t.className.split(' ')[1]), expected.map((s) => s.sign));
  assert.equal(toks.find((t) => t.textContent === 'great')!.style['--intensity'], '1.000');
  for (const el of section.descendants()) assert.ok(!el.attributes.has('style'), `style attribute on <${el.tagName}>`);
  // The legend shows this column's scale.
  const legend = byClass(section, 'text-legend')[0];
  assert.deepEqual(byClass(legend, 'legend-end').map((x) => x.textContent), ['−1.818', '+1.818']);
});

test('markup in the text or labels renders literally; no element is created from data', () => {
  const text = '<img src=x onerror=alert(1)> and </script><script>alert(2)</script>';
  const e = textExplanation(text, [
    { token: '<img', piece: '<img src=x onerror=alert(1)>', score: 0.9 },
    { token: 'and', piece: 'and', score: 0.1 },
    { token: '</script>', piece: '</script>', score: -0.5 },
    { token: '<script>', piece: '<script>alert(2)</script>', score: 0.3 },
  ]);
  e.target = { index: 1, label: '<b onmouseover=alert(3)>pos</b>' };
  e.features[0] = { ...e.features[0], span: { file: '/x.txt', offset: 0, length: 28, line: 0, column: 0 } };
  const { doc, section } = render([e, { ...e, method: { id: 'occlusion', options: {} } }]);
  const allowed = new Set(['section', 'h2', 'h3', 'h4', 'div', 'p', 'span', 'button', 'article', 'header', 'ol', 'li']);
  for (const tag of doc.created) assert.ok(allowed.has(tag), `unexpected element <${tag}>`);
  const all = textNodes(section);
  assert.ok(all.includes('<img src=x onerror=alert(1)>'));
  assert.ok(all.includes('</script>'));
  assert.ok(all.includes('target <b onmouseover=alert(3)>pos</b>'));
  assert.equal(byClass(section, 'text-tokens')[0].textContent, text);
  for (const el of section.descendants()) {
    for (const name of el.attributes.keys()) assert.doesNotMatch(name, /^on|^style$/i, `attribute ${name} on <${el.tagName}>`);
  }
  const button = section.find((el) => el.tagName === 'button' && el.textContent === '<img src=x onerror=alert(1)>')[0];
  assert.ok(button.getAttribute('title')!.includes('<b onmouseover=alert(3)>pos</b>'), 'attribute values carry data as plain strings');
});

test('remove buttons only with several columns; the scale toggle sets prefs', () => {
  const { ligText, occlusionText } = fixtures();
  const single = render([ligText]);
  assert.equal(byClass(single.section, 'text-remove').length, 0);
  assert.equal(byClass(single.section, 'scale-option').length, 0, 'one column: nothing to share a scale with');

  const { section, calls } = render([ligText, occlusionText], { scale: 'per-method' });
  const removes = byClass(section, 'text-remove');
  assert.equal(removes.length, 2);
  assert.ok(removes.every((b) => b.tagName === 'button' && b.getAttribute('aria-label')));
  removes[1].dispatch('click');
  assert.deepEqual(calls.pop(), ['remove', 1]);

  const options = byClass(section, 'scale-option');
  assert.deepEqual(options.map((o) => [o.getAttribute('id'), o.getAttribute('aria-pressed')]), [
    [SCALE_BUTTON_IDS['per-method'], 'true'],
    [SCALE_BUTTON_IDS.shared, 'false'],
  ]);
  options[0].dispatch('click');
  assert.equal(calls.length, 0, 'the current scale is not set again');
  options[1].dispatch('click');
  assert.deepEqual(calls, [['setPrefs', { scale: 'shared' }]]);

  const shared = render([ligText, occlusionText], { scale: 'shared' });
  const occGreat = byClass(byClass(shared.section, 'text-column')[1], 'tok').find((t) => t.textContent === 'great' && !hasClass(t, 'top-token'))!;
  assert.equal(occGreat.style['--intensity'], (maxAbsTextScore(occlusionText) / maxAbsTextScore(ligText)).toFixed(3));
  assert.deepEqual(byClass(byClass(shared.section, 'text-column')[1], 'legend-end').map((x) => x.textContent), ['−1.818', '+1.818']);
});

test('the strongest tokens are listed with their scores and reveal like the text', () => {
  const e = fixtures().ligDatasetRow;
  const { section, calls } = render([e]);
  const items = byClass(section, 'text-top')[0].children as FakeElement[];
  const view = buildTextView(e);
  assert.equal(items.length, TOP_TOKENS);
  assert.deepEqual(items.map((li) => li.textContent), view.topTokens.map((s) => `${s.text}${s.scoreText}`));
  assert.equal(view.topTokens[0].text, 'dull');
  const first = items[0].children[0] as FakeElement;
  assert.equal(first.tagName, 'button');
  first.dispatch('click');
  assert.deepEqual(calls, [['reveal', 0, view.topTokens[0].featureIndex]]);
});
