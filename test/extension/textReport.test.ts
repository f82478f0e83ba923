// The standalone HTML report of text explanations (src/shared/textReport.ts): no scripts, strict CSP, every piece of
// data escaped, and the same segments, colors and tooltips as the panel's heatmap (textView.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { escapeHtml, textReportHtml, tokenBackground } from '../../src/shared/textReport';
import type { ExplainedToken, Explanation } from '../../src/shared/types';
import { buildTextView, buildTextViews, type TokenSegment } from '../../webview/explanation/text/textView';
import { sampleExplanation } from './helpers/explanationFixture';

type Fixtures = Record<'ligText' | 'occlusionText' | 'occlusionTruncated' | 'ligDatasetRow', Explanation>;
const fixtures = (): Fixtures => JSON.parse(readFileSync(join(__dirname, 'fixtures/textExplanations.json'), 'utf8')) as Fixtures;

const unescape = (s: string) =>
  s.replace(/&(lt|gt|quot|#39|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name]!);

/** The inner HTML of every <div class="text"> (the report has no nested divs inside them). */
const textBlocks = (html: string) => [...html.matchAll(/<div class="text">([\s\S]*?)<\/div>/g)].map((m) => m[1]);
/** The title attributes of the token spans of one text block, in order. */
const tokenTitles = (block: string) => [...block.matchAll(/<span class="tok [a-z]+"(?: style="[^"]*")? title="([^"]*)">/g)].map((m) => unescape(m[1]));
/** The text of a block: tags dropped, entities decoded. */
const plainText = (block: string) => unescape(block.replace(/<[^>]*>/g, ''));

function markupExplanation(): Explanation {
  const text = 'say <img src=x onerror=alert(1)> then </script><script>alert(2)</script> & "quotes" \'too\'';
  const pieces = ['say', '<img src=x onerror=alert(1)>', 'then', '</script>', '<script>alert(2)</script>', '&', '"quotes"', "'too'"];
  let from = 0;
  const tokens: ExplainedToken[] = pieces.map((piece, position) => {
    const start = text.indexOf(piece, from);
    from = start + piece.length;
    return { position, id: position, token: piece, special: false, start, end: start + piece.length, score: position % 2 ? 0.5 : -0.25 };
  });
  return sampleExplanation({
    model: { path: '/m/<script>alert(3)</script>/model.json', format: 'tfjs-layers', inputs: [], outputs: [], hash: '"><script>' },
    method: { id: 'layer-integrated-gradients', options: { steps: 8, layer: '</style><script>alert(4)</script>' } },
    target: { index: 0, label: '<b>neg</b>' },
    prediction: { scores: [0.9, 0.1], index: 0, label: '<b>neg</b>', labels: ['<b>neg</b>', '<i onmouseover=x>pos</i>'] },
    attributions: { shape: [tokens.length], values: tokens.map((t) => t.score) },
    features: tokens.map((t) => ({ name: t.token, score: t.score, text: t.token, start: t.start, end: t.end, positions: [t.position] })),
    input: { source: 'text', shape: [tokens.length] },
    notes: ['engine note with <u>markup</u>'],
    text: { text, tokenizer: 'vocab.json', tokens, granularity: 'token', truncated: false },
  });
}

test('a standalone file: strict CSP, one style block, no scripts', () => {
  const html = textReportHtml([fixtures().ligText]);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`));
  assert.equal(html.match(/<style>/g)?.length, 1);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\son[a-z]+=|javascript:|https?:\/\//i);
  assert.ok(html.includes('<title>Attribution Lens · planted</title>'));
});

test('every piece of data is escaped: markup in text, tokens, labels, paths, options and notes stays text', () => {
  const html = textReportHtml([markupExplanation()], { title: '<script>alert(5)</script>' });
  // The only tags are the report's own.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase()));
  const allowed = ['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'dl', 'dt', 'dd', 'span', 'ul', 'li', 'strong', 'section', 'p', 'div', 'details', 'summary', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'footer'];
  for (const tag of tags) assert.ok(allowed.includes(tag), `unexpected tag <${tag}>`);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('>&lt;/script&gt;</span><span'));
  assert.ok(html.includes('>&lt;script&gt;alert(2)&lt;/script&gt;</span>'));
  assert.ok(html.includes('&lt;b&gt;neg&lt;/b&gt;'));
  assert.ok(html.includes('&lt;i onmouseover=x&gt;pos&lt;/i&gt;'));
  assert.ok(html.includes('/m/&lt;script&gt;alert(3)&lt;/script&gt;/model.json'));
  assert.ok(html.includes('&lt;/style&gt;&lt;script&gt;alert(4)&lt;/script&gt;'));
  assert.ok(html.includes('<title>&lt;script&gt;alert(5)&lt;/script&gt;</title>'));
  assert.ok(html.includes('engine note with &lt;u&gt;markup&lt;/u&gt;'));
  for (const piece of ['>&amp;</span>', '>&quot;quotes&quot;</span>', '>&#39;too&#39;</span>']) assert.ok(html.includes(piece), piece);
  // The colored text decodes back to the input exactly.
  const [block] = textBlocks(html);
  assert.equal(plainText(block), markupExplanation().text!.text);
  assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
});

test('model, input file:line, prediction, and per method the colored text, tooltips and a token table', () => {
  const { ligDatasetRow } = fixtures();
  const occ = JSON.parse(JSON.stringify(ligDatasetRow)) as Explanation;
  occ.method = { id: 'occlusion', options: { window: [1] } };
  const html = textReportHtml([ligDatasetRow, occ]);
  assert.ok(html.includes(`<dd>${ligDatasetRow.model.path} <span class="muted">(tfjs-layers)</span></dd>`));
  assert.ok(html.includes('<dd>test/fixtures/text/planted/test-split.jsonl:2 (example 1)</dd>'), 'file, 1-based line and example');
  assert.match(html, /<strong>negative: <span class="number">0\.\d+<\/span> <span class="muted">\(predicted, target\)<\/span><\/strong>/);
  assert.ok(html.includes('<h2>layer-integrated-gradients</h2>') && html.includes('<h2>occlusion</h2>'));
  const blocks = textBlocks(html);
  assert.equal(blocks.length, 2);
  const view = buildTextView(ligDatasetRow);
  const tokens = view.segments.filter((s): s is TokenSegment => s.kind === 'token');
  for (const block of blocks) {
    assert.equal(plainText(block), ligDatasetRow.text!.text);
    assert.equal(tokenTitles(block).length, tokens.length);
  }
  assert.deepEqual(tokenTitles(blocks[0]), tokens.map((s) => s.tooltip), 'report tooltips are the panel tooltips');
  assert.ok(tokenTitles(blocks[1]).every((t) => t.endsWith(' · negative · occlusion')));
  // Token table: one row per token with its score.
  const tables = [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map((m) => m[1]);
  assert.equal(tables.length, 2);
  const rows = tables[0].trim().split('\n');
  assert.equal(rows.length, tokens.length);
  const dull = tokens.find((s) => s.text === 'dull')!;
  assert.ok(rows.some((r) => r.includes('<td>dull</td><td>dull</td>') && r.includes(`<td class="number">${dull.scoreText}</td>`)));
});

test('colors: sign picks the hue, |score| / scale the opacity, exactly as the panel computes intensity', () => {
  const { ligText, occlusionText } = fixtures();
  assert.equal(tokenBackground({ sign: 'positive', intensity: 1 }), 'rgba(241, 76, 76, 0.6)');
  assert.equal(tokenBackground({ sign: 'negative', intensity: 0.5 }), 'rgba(55, 148, 255, 0.3)');
  assert.equal(tokenBackground({ sign: 'zero', intensity: 0 }), undefined);
  assert.equal(tokenBackground({ sign: 'invalid', intensity: 0 }), undefined);

  const spanOf = (html: string, blockIndex: number, text: string) => {
    const m = textBlocks(html)[blockIndex].match(new RegExp(`<span class="tok ([a-z]+)"(?: style="background-color: ([^"]*)")? title="[^"]*">${text}</span>`));
    assert.ok(m, text);
    return { sign: m[1], background: m[2] };
  };
  const perMethod = textReportHtml([ligText, occlusionText]);
  assert.deepEqual(spanOf(perMethod, 0, 'great'), { sign: 'positive', background: 'rgba(241, 76, 76, 0.6)' });
  assert.deepEqual(spanOf(perMethod, 1, 'great'), { sign: 'positive', background: 'rgba(241, 76, 76, 0.6)' });
  const badView = buildTextView(ligText).segments.find((s) => s.text === 'bad') as TokenSegment;
  assert.deepEqual(spanOf(perMethod, 0, 'bad'), { sign: 'negative', background: tokenBackground(badView) });

  const shared = textReportHtml([ligText, occlusionText], { scale: 'shared' });
  const occGreat = buildTextViews([ligText, occlusionText], { scale: 'shared' })[1].segments.find((s) => s.text === 'great') as TokenSegment;
  assert.ok(occGreat.intensity < 0.3);
  assert.deepEqual(spanOf(shared, 1, 'great'), { sign: 'positive', background: tokenBackground(occGreat) });
  assert.ok(shared.includes('shared: full color at |score| 1.818'));
});

test('truncated text is dimmed with a note; NaN scores are uncolored and noted', () => {
  const { occlusionTruncated } = fixtures();
  occlusionTruncated.features[3] = { ...occlusionTruncated.features[3], score: Number.NaN };
  const html = textReportHtml([occlusionTruncated]);
  assert.ok(html.includes('<span class="truncated" title="cut off: the model did not see this part"> the actor was weak overall</span>'));
  assert.ok(html.includes('the dimmed part after the last token was cut off'));
  assert.ok(html.includes('<span class="tok invalid" title="great · NaN · positive · occlusion">great</span>'));
  assert.ok(html.includes('1 token has no finite score'));
});

test('no explanations still gives a valid page', () => {
  const html = textReportHtml([]);
  assert.ok(html.includes('<title>Attribution Lens</title>'));
  assert.ok(html.includes('No explanations.'));
});
