// `npm run demo`: explains the bundled sample models with several methods through the CLI and writes
// demo-output/report.html (a readable report) and demo-output/*.json / *.txt (the CLI's own output).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli.js');
const out = join(root, 'demo-output');
mkdirSync(out, { recursive: true });

const samples = [
  {
    title: 'Credit risk (tabular MLP, planted ground truth)',
    model: 'samples/credit-risk/model.json',
    input: ['--input', 'samples/credit-risk/data.csv', '--row', '4'],
    truth: 'samples/credit-risk/truth.json',
    runs: [
      ['integrated-gradients', '--steps', '50'],
      ['integrated-gradients', '--baseline', 'mean'],
      ['saliency', '--signed'],
      ['input-x-gradient'],
      // The noise is per column (0.15 × each column's range in the CSV), so raw columns that differ in scale by 10^5
      // each get noise on their own scale.
      ['smoothgrad', '--samples', '32'],
      ['gradient-shap', '--samples', '64'],
      ['occlusion'],
      ['feature-ablation'],
      ['lrp', '--composite', 'epsilon'],
    ],
  },
];

/** Text models: each run also writes the token heatmap report (--out FILE.html), linked from the report. */
const textSamples = [
  {
    title: 'Sentiment (TF.js word-level model, planted words)',
    model: 'test/fixtures/text/planted/model.json',
    input: ['--input', 'test/fixtures/text/planted/test-split.jsonl', '--row', '1'],
    runs: [['layer-integrated-gradients'], ['occlusion'], ['kernel-shap']],
  },
  {
    title: 'Tiny BERT (ONNX export from PyTorch, tokenizer.json, three inputs)',
    model: 'test/fixtures/text/tiny-bert/model.onnx',
    input: ['--text', 'A surprisingly wonderful film, though the ending felt rushed.'],
    runs: [['layer-integrated-gradients'], ['feature-ablation', '--granularity', 'word']],
  },
];

/** Image models: each run writes the heatmap over the image (--out FILE.png), shown in the report. */
const imageSamples = [
  {
    title: 'Planted object (TF.js CNN; the object’s color decides the label)',
    model: 'test/fixtures/image/planted/model.json',
    input: ['--input', 'test/fixtures/image/test/001.png'],
    folder: 'test/fixtures/image/test',
    runs: [['grad-cam'], ['integrated-gradients'], ['lrp', '--composite', 'epsilon-gamma-box', '--input-bounds', '0,1'], ['rise', '--seed', '1'], ['occlusion']],
  },
];

function cliRun(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`attribution-lens ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const num = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)) : esc(v));

function bars(explanation) {
  const feats = [...explanation.features].sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
  const max = Math.max(...feats.map((f) => Math.abs(f.score)), 1e-12);
  return feats
    .map((f) => {
      const w = ((Math.abs(f.score) / max) * 100).toFixed(1);
      return `<tr><td>${esc(f.name)}</td><td class="v">${esc(f.value)}</td><td class="v">${num(f.score)}</td>
        <td class="bar"><span class="${f.score >= 0 ? 'pos' : 'neg'}" style="width:${w}%"></span></td></tr>`;
    })
    .join('\n');
}

const sections = [];
for (const sample of samples) {
  console.log(`\n== ${sample.title}`);
  const info = cliRun(['info', sample.model]);
  writeFileSync(join(out, `${slug(sample.model)}.info.txt`), info);
  console.log(info);
  const cards = [];
  for (const [method, ...opts] of sample.runs) {
    const args = ['explain', sample.model, ...sample.input, '--method', method, ...opts];
    const name = `${slug(sample.model)}.${method}${opts.length ? '.' + opts.join('_').replace(/[^\w.-]+/g, '') : ''}`;
    const text = cliRun(args);
    const json = JSON.parse(cliRun([...args, '--json']));
    writeFileSync(join(out, `${name}.txt`), text);
    writeFileSync(join(out, `${name}.json`), JSON.stringify(json, null, 2));
    console.log(`$ attribution-lens ${args.join(' ')}\n${text}`);
    const label = (i) => json.prediction.labels?.[i] ?? i;
    cards.push(`<section class="card"><h3>${esc(method)} <small>${esc(opts.join(' '))}</small></h3>
      <p>prediction <b>${esc(label(json.prediction.index))}</b> (${json.prediction.scores.map((s, i) => `${esc(label(i))} ${num(s)}`).join(', ')}),
      target <b>${esc(label(json.target.index))}</b>; backend ${esc(json.backend)}, ${json.timings.attributeMs.toFixed(0)} ms</p>
      <p class="checks">${Object.entries(json.checks).map(([k, v]) => `${esc(k)} = ${num(v)}`).join(' · ')}</p>
      <table><tr><th>feature</th><th>value</th><th>score</th><th></th></tr>${bars(json)}</table></section>`);
  }
  const truth = JSON.parse(readFileSync(join(root, sample.truth), 'utf8'));
  sections.push(`<h2>${esc(sample.title)}</h2>
    <p>Model <code>${esc(sample.model)}</code>, input <code>${esc(sample.input.join(' '))}</code>.
    Planted truth: the label depends on ${truth.rule.terms.map((t) => `<b>${esc(t.feature)}</b> (weight ${esc(t.weight)})`).join(', ')}; the other features are noise.</p>
    <pre>${esc(info)}</pre><div class="grid">${cards.join('\n')}</div>`);
}

function slug(p) {
  return relative('samples', dirname(p)).replace(/[^\w-]+/g, '-').replace(/^[-.]+/, '');
}

const runName = (model, method, opts) => `${slug(model)}.${method}${opts.length ? '.' + opts.join('_').replace(/[^\w.-]+/g, '') : ''}`;
const predictionLine = (json) => {
  const label = (i) => json.prediction.labels?.[i] ?? i;
  return `prediction <b>${esc(label(json.prediction.index))}</b> (${json.prediction.scores
    .slice(0, 10)
    .map((s, i) => `${esc(label(i))} ${num(s)}`)
    .join(', ')}), target <b>${esc(label(json.target.index))}</b>; backend ${esc(json.backend)}, ${json.timings.attributeMs.toFixed(0)} ms`;
};

for (const sample of textSamples) {
  console.log(`\n== ${sample.title}`);
  const cards = [];
  for (const [method, ...opts] of sample.runs) {
    const name = runName(sample.model, method, opts);
    const args = ['explain', sample.model, ...sample.input, '--method', method, ...opts];
    const text = cliRun([...args, '--out', join(out, `${name}.html`)]);
    const json = JSON.parse(cliRun([...args, '--json']));
    writeFileSync(join(out, `${name}.txt`), text);
    writeFileSync(join(out, `${name}.json`), JSON.stringify(json, null, 2));
    console.log(`$ attribution-lens ${args.join(' ')}\n${text}`);
    const top = [...json.features].sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 5);
    cards.push(`<section class="card"><h3>${esc(method)} <small>${esc(opts.join(' '))}</small></h3>
      <p>${predictionLine(json)}</p>
      <p>Strongest: ${top.map((f) => `<b>${esc(f.text ?? f.name)}</b> ${num(f.score)}`).join(', ')}</p>
      <p><a href="${esc(name)}.html">token heatmap</a> · <a href="${esc(name)}.json">JSON</a></p></section>`);
  }
  sections.push(`<h2>${esc(sample.title)}</h2><p>Model <code>${esc(sample.model)}</code>, input <code>${esc(sample.input.join(' '))}</code>.</p>
    <div class="grid">${cards.join('\n')}</div>`);
}

for (const sample of imageSamples) {
  console.log(`\n== ${sample.title}`);
  const cards = [];
  for (const [method, ...opts] of sample.runs) {
    const name = runName(sample.model, method, opts);
    const args = ['explain', sample.model, ...sample.input, '--method', method, ...opts];
    const text = cliRun([...args, '--out', join(out, `${name}.png`)]);
    const json = JSON.parse(cliRun([...args, '--json']));
    writeFileSync(join(out, `${name}.txt`), text);
    console.log(`$ attribution-lens ${args.join(' ')}\n${text}`);
    cards.push(`<section class="card"><h3>${esc(method)} <small>${esc(opts.join(' '))}</small></h3>
      <p>${predictionLine(json)}</p><img class="heat" src="data:image/png;base64,${readFileSync(join(out, `${name}.png`)).toString('base64')}" alt="${esc(method)} heatmap">
      <p class="checks">${Object.entries(json.checks).slice(0, 6).map(([k, v]) => `${esc(k)} = ${num(v)}`).join(' · ')}</p></section>`);
  }
  // The whole folder in one run: one JSON line per image, heatmaps beside.
  const folderOut = join(out, `${slug(sample.model)}-folder`);
  mkdirSync(folderOut, { recursive: true });
  const summary = cliRun(['explain-dataset', sample.model, '--input', sample.folder, '--method', 'grad-cam', '--out', join(folderOut, 'results.jsonl'), '--heatmaps', folderOut]);
  console.log(`$ attribution-lens explain-dataset ${sample.model} --input ${sample.folder} --method grad-cam\n${summary}`);
  sections.push(`<h2>${esc(sample.title)}</h2><p>Model <code>${esc(sample.model)}</code>, input <code>${esc(sample.input.join(' '))}</code>.</p>
    <div class="grid">${cards.join('\n')}</div>
    <h3>The folder <code>${esc(sample.folder)}</code> with Grad-CAM</h3><pre>${esc(summary)}</pre>`);
}

writeFileSync(
  join(out, 'report.html'),
  `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Attribution Lens demo</title><style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;background:#fff}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}
.card{border:1px solid #ccc;border-radius:6px;padding:.5em 1em}
table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;text-align:left}.v{text-align:right;font-variant-numeric:tabular-nums}
.bar{width:40%}.bar span{display:inline-block;height:10px}.pos{background:#d6604d}.neg{background:#4393c3}
.checks{color:#555;font-size:12px}.heat{width:192px;image-rendering:pixelated;border:1px solid #ccc}pre{background:#f6f6f6;padding:.5em;overflow:auto}small{color:#666;font-weight:normal}
</style></head><body><h1>Attribution Lens demo</h1>
<p>Red bars and tokens push the target score up, blue ones push it down. Generated by <code>npm run demo</code>.</p>
${sections.join('\n')}</body></html>\n`,
);
console.log(`\nReport: ${join(out, 'report.html')}`);
