// The planted-truth text model (test/fixtures/text/build.ts): each review's label is the sign of the summed weights
// of known words; distractors and filler weigh 0. Layer integrated gradients at the embedding (pad baseline),
// explaining the predicted class over the 300-review test split, must
//  - rank words like their planted weights: Spearman ≥ 0.7 between each word's mean score (turned towards the
//    positive class, like the weights) and its weight;
//  - put every label-deciding word above every filler word of the same review by |score|;
//  - keep filler small: |score| < 0.15 × the review's largest decisive |score|, and < 0.1 in probability;
//  - be faithful: deleting the 2 top-scored tokens drops the predicted probability more than deleting 2 random ones;
//  - be complete at the embedding: Σ scores = F(x) − F(baseline) within 1e-4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Explanation } from '../../../src/shared/types';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { fitTokens } from '../../../src/engine/modalities/text/modelInput';
import { loadTokenizer } from '../../../src/engine/modalities/text/tokenizers/load';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { mulberry32 } from '../../fixtures/tabular/prng';

const dir = resolve(__dirname, '../../fixtures/text/planted');
const split = join(dir, 'test-split.jsonl');
const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as {
  labels: string[];
  decisive: Record<string, number>;
  distractors: string[];
  filler: string[];
  punctuation: string[];
  length: number;
};
const reviews = readFileSync(split, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
const models = new ModelRegistry();
const explained: Explanation[] = [];

/** Average ranks (ties share their mean rank). */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function spearman(a: number[], b: number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let cov = 0;
  let va = 0;
  let vb = 0;
  ra.forEach((x, i) => {
    cov += (x - ma) * (rb[i] - mb);
    va += (x - ma) ** 2;
    vb += (rb[i] - mb) ** 2;
  });
  return cov / Math.sqrt(va * vb);
}

const word = (text: string) => text.toLowerCase();
const isFiller = (w: string) => truth.filler.includes(w) || truth.punctuation.includes(w);
/** +1 when the review is predicted positive: scores for the predicted class, times this, point towards "positive". */
const orientation = (e: Explanation) => (truth.labels[e.prediction.index] === 'positive' ? 1 : -1);

before(async () => {
  await initBackend('wasm');
  for (let row = 0; row < reviews.length; row++) {
    explained.push(
      await explain({ modelPath: dir, input: { kind: 'dataset-file', path: split, row }, method: 'layer-integrated-gradients', options: { batchSize: 64 } }, models),
    );
  }
});
after(() => models.clear());

test('the model learned the planted task', () => {
  const correct = explained.filter((e, i) => e.prediction.label === reviews[i].label).length;
  assert.ok(correct / reviews.length >= 0.95, `accuracy ${correct / reviews.length}`);
});

test('Spearman ≥ 0.7 between words’ mean scores and their planted weights', (t) => {
  const byWord = new Map<string, { sum: number; n: number }>();
  for (const e of explained) {
    for (const f of e.features) {
      const w = byWord.get(word(f.text!)) ?? { sum: 0, n: 0 };
      w.sum += orientation(e) * f.score;
      w.n++;
      byWord.set(word(f.text!), w);
    }
  }
  const words = [...byWord.keys()];
  assert.ok(words.length >= 40, `${words.length} distinct words`);
  const rho = spearman(words.map((w) => byWord.get(w)!.sum / byWord.get(w)!.n), words.map((w) => truth.decisive[w] ?? 0));
  assert.ok(rho >= 0.7, `Spearman ${rho}`);
  t.diagnostic(`Spearman over ${words.length} words: ${rho.toFixed(3)}`);
  // Token by token, decisive words' scores for the predicted class follow their weights towards that class (less
  // tightly: a review's scores share F(x) − F(x′), so saturated reviews compress them).
  const pairs = explained.flatMap((e) => e.features.filter((f) => truth.decisive[word(f.text!)]).map((f) => [f.score, orientation(e) * truth.decisive[word(f.text!)]]));
  const tokenRho = spearman(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  assert.ok(tokenRho >= 0.5, `token-level Spearman over decisive words ${tokenRho}`);
  t.diagnostic(`Spearman over ${pairs.length} decisive tokens: ${tokenRho.toFixed(3)}`);
});

test('label-deciding words outrank filler in every review; filler stays below the stated bound', (t) => {
  let pairs = 0;
  let worstRatio = 0;
  let worstFiller = 0;
  for (const e of explained) {
    const decisive = e.features.filter((f) => truth.decisive[word(f.text!)] !== undefined).map((f) => Math.abs(f.score));
    const filler = e.features.filter((f) => isFiller(word(f.text!))).map((f) => Math.abs(f.score));
    const top = Math.max(...decisive);
    for (const s of filler) {
      worstRatio = Math.max(worstRatio, s / top);
      worstFiller = Math.max(worstFiller, s);
      assert.ok(s < 0.15 * top, `${e.text?.text}: filler |score| ${s} ≥ 0.15 × ${top}`);
      assert.ok(s < 0.1, `${e.text?.text}: filler |score| ${s}`);
      for (const d of decisive) {
        assert.ok(d > s, `${e.text?.text}: a decisive word (${d}) below filler (${s})`);
        pairs++;
      }
    }
  }
  assert.ok(pairs > 1000);
  t.diagnostic(`${pairs} decisive/filler pairs; largest filler |score| ${worstFiller.toFixed(4)}, ${(100 * worstRatio).toFixed(1)} % of its review's top decisive |score|`);
});

test('deleting the top-2 tokens drops the predicted probability more than deleting 2 random tokens', async (t) => {
  const model = await models.get(join(dir, 'model.json'));
  const tokenizer = loadTokenizer({ path: join(dir, 'vocab.json'), pad: '<pad>', unk: '<unk>', mask: '<mask>' });
  const random = mulberry32(2024);
  const probability = (text: string, cls: number) =>
    tf.tidy(() => {
      const ids = fitTokens(tokenizer.encode(text), truth.length, tokenizer.specialIds).ids;
      return model.predict(tf.tensor2d([ids])).dataSync()[cls];
    });
  // Tokens with their characters in the review's text (features' offsets point into the dataset file).
  type Shown = { start: number; end: number; score: number };
  /** The text with the characters of these tokens removed. */
  const without = (text: string, tokens: Shown[]) => [...tokens].sort((a, b) => b.start - a.start).reduce((t, k) => t.slice(0, k.start) + t.slice(k.end), text);
  let topDrop = 0;
  let randomDrop = 0;
  for (const e of explained) {
    const text = e.text!.text;
    const cls = e.prediction.index;
    const tokens = e.text!.tokens.filter((t) => !t.special) as Shown[];
    const p = probability(text, cls);
    const byScore = [...tokens].sort((a, b) => b.score - a.score);
    topDrop += p - probability(without(text, byScore.slice(0, 2)), cls);
    for (let draw = 0; draw < 5; draw++) {
      const shuffled = [...tokens].sort(() => random() - 0.5);
      randomDrop += (p - probability(without(text, shuffled.slice(0, 2)), cls)) / 5;
    }
  }
  topDrop /= explained.length;
  randomDrop /= explained.length;
  assert.ok(topDrop > randomDrop + 0.1, `mean drop: top-2 ${topDrop}, random ${randomDrop}`);
  t.diagnostic(`mean drop of the predicted probability: top-2 ${topDrop.toFixed(3)}, random 2 ${randomDrop.toFixed(3)}`);
});

test('completeness at the embedding layer on every review', () => {
  for (const e of explained) {
    const sum = e.attributions.values.reduce((a, b) => a + b, 0);
    const gap = (e.checks.inputScore as number) - (e.checks.baselineScore as number);
    assert.ok(Math.abs(sum - gap) <= 1e-4 * Math.max(1, Math.abs(gap)), `${e.text?.text}: Σ ${sum} vs ${gap}`);
  }
});
