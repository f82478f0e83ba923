// The CLI on images: explain an image, write the heatmap only where --out asks, list layers for --layer, and give
// one-line errors for files that are not usable images.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { pngHeaderOnly } from './imageFiles';

const root = resolve(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/image');
const model = join(fixtures, 'planted/model.json');
const image = join(fixtures, 'test/001.png');

/** tsx's loader by absolute URL, so the CLI can run from the source in any working directory. */
const tsx = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

test('explain an image with grad-cam: JSON on stdout, the heatmap PNG only at --out, nothing else written', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lens-cli-image-'));
  const fixturesBefore = listing(fixtures);
  const r = cli(cwd, 'explain', model, '--input', image, '--method', 'grad-cam', '--layer', 'conv3', '--out', 'heat.png', '--json');
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out);
  assert.equal(e.method.id, 'grad-cam');
  assert.equal(e.method.options.layer, 'conv3');
  assert.equal(e.method.options.layout, 'NHWC');
  assert.equal(e.prediction.label, 'green');
  assert.deepEqual(e.attributions.shape, [32, 32, 3]);
  assert.deepEqual(e.image.pixelMap.shape, [32, 32]);
  assert.equal(e.image.channelReduction, 'replicated');
  assert.deepEqual(e.maps.cam.shape, [8, 8]);
  assert.deepEqual(e.features, []);
  assert.equal(e.input.source, image);
  const preview = PNG.sync.read(Buffer.from(e.image.preview.base64, 'base64'));
  assert.deepEqual([preview.width, preview.height], [32, 32]);
  const heat = PNG.sync.read(readFileSync(join(cwd, 'heat.png')));
  assert.deepEqual([heat.width, heat.height], [256, 256]);
  assert.deepEqual(listing(cwd), ['heat.png']);
  assert.deepEqual(listing(fixtures), fixturesBefore);

  const plain = cli(cwd, 'explain', model, '--input', image, '--method', 'integrated-gradients', '--steps', '8');
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /prediction: green/);
  assert.deepEqual(listing(cwd), ['heat.png'], 'without --out nothing is written');
});

test('info lists the layer names --layer takes', () => {
  const r = cli(root, 'info', model);
  assert.equal(r.code, 0, r.err);
  for (const name of ['conv1', 'conv2', 'conv3', 'global_max', 'predictions']) assert.match(r.out, new RegExp(`^  ${name} `, 'm'));
});

test('unusable images and misuse give one-line errors with the right exit code', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lens-cli-image-bad-'));
  const textPng = join(cwd, 'notes.png');
  writeFileSync(textPng, 'this is not an image\n');
  const truncated = join(cwd, 'cut.png');
  writeFileSync(truncated, new Uint8Array(readFileSync(image)).subarray(0, 100));
  const huge = join(cwd, 'huge.png');
  writeFileSync(huge, pngHeaderOnly(100_000, 100_000));
  const cases: [string[], number, RegExp][] = [
    [['--input', textPng, '--method', 'grad-cam'], 1, /notes\.png: not a PNG or JPEG image \(the file starts with text 'this is /],
    [['--input', truncated, '--method', 'grad-cam'], 1, /cut\.png: (truncated|corrupt) PNG/],
    [['--input', huge, '--method', 'grad-cam'], 1, /huge\.png: image is too large: 100000×100000/],
    [['--input', image, '--method', 'grad-cam', '--layer', 'predictions'], 1, /option 'layer' must have a spatial output/],
    [['--input', join(root, 'samples/credit-risk/data.csv'), '--method', 'saliency', '--out', 'x.png'], 2, /--out FILE\.png writes a heatmap and needs an image --input/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = cli(cwd, 'explain', model, ...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err.split('\n')[0], pattern);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
  // A tabular model cannot take an image.
  const r = cli(cwd, 'explain', join(root, 'samples/credit-risk/model.json'), '--input', image, '--method', 'saliency');
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /is not an image shape/);
  assert.deepEqual(listing(cwd).sort(), ['cut.png', 'huge.png', 'notes.png'], 'nothing written on errors');
});
