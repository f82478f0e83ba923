// explain-dataset on a folder of images: one JSON line per image (a corrupt file gives a line with its error and the
// run goes on), shards that partition the sorted list, heatmaps written only where --heatmaps asks and never over an
// input image. The real engine on the planted-truth model (an object at a known place decides the label).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { parseArgs, UsageError } from '../../../src/cli/args';
import {
  explainImageFolder,
  explainImageFolderCommand,
  heatmapPaths,
  IMAGE_FOLDER_FLAGS,
  listImages,
  pixelMapStats,
} from '../../../src/cli/explainImageFolder';
import { initBackend } from '../../../src/engine/backend';
import { ModelRegistry } from '../../../src/engine/models/registry';

const fixtures = join(__dirname, '../../fixtures/image');
const model = join(fixtures, 'planted/model.json');
const truth = JSON.parse(readFileSync(join(fixtures, 'truth.json'), 'utf8')) as {
  images: { file: string; label: string; box: { top: number; left: number; height: number; width: number } }[];
};
const models = new ModelRegistry();
const FLAGS = { json: { value: false }, input: { value: true }, method: { value: true }, out: { value: true }, shard: { value: true }, target: { value: true }, layer: { value: true }, row: { value: true }, ...IMAGE_FOLDER_FLAGS };

let work: string;
let folder: string;

before(async () => {
  await initBackend('wasm');
  work = mkdtempSync(join(tmpdir(), 'lens-image-folder-'));
  folder = join(work, 'images');
  mkdirSync(folder);
  for (const f of ['000.png', '001.png', '002.png']) copyFileSync(join(fixtures, 'test', f), join(folder, f));
  // A PNG signature followed by garbage: the engine rejects it as corrupt.
  writeFileSync(join(folder, 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode('not really a png at all, sorry')]));
  writeFileSync(join(folder, 'notes.txt'), 'not an image');
  mkdirSync(join(folder, 'more'));
  copyFileSync(join(fixtures, 'test', '003.png'), join(folder, 'more', '003.png'));
});
after(() => {
  models.clear();
  rmSync(work, { recursive: true, force: true });
});

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

async function command(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await explainImageFolderCommand(parseArgs(argv, FLAGS), model, {}, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('the image list: PNG/JPEG directly in the folder, sorted; --recursive adds sub-folders', () => {
  assert.deepEqual(listImages(folder), ['000.png', '001.png', '002.png', 'broken.png']);
  assert.deepEqual(listImages(folder, true), ['000.png', '001.png', '002.png', 'broken.png', 'more/003.png']);
});

test('one line per image, the corrupt file gives its error and the run goes on; summary and progress', async () => {
  const before = listing(folder);
  const outFile = join(work, 'results.jsonl');
  const r = await command('--input', folder, '--method', 'grad-cam', '--layer', 'conv3', '--out', outFile);
  assert.equal(r.code, 0, r.err);
  const got = lines(outFile);
  assert.equal(got.length, 4);
  assert.deepEqual(got.map((l) => l.file), ['000.png', '001.png', '002.png', 'broken.png']);
  for (const [k, l] of got.slice(0, 3).entries()) {
    const t = truth.images.find((i) => i.file === l.file)!;
    assert.equal(l.prediction.label, t.label, l.file);
    assert.equal(l.prediction.scores.length, 3);
    assert.equal(l.prediction.index, ['red', 'green', 'blue'].indexOf(t.label));
    assert.equal(l.target.index, l.prediction.index);
    assert.equal(l.method, 'grad-cam');
    assert.equal(l.error, undefined);
    assert.equal(l.map.width, 32);
    assert.equal(l.map.height, 32);
    assert.equal(l.topPixels.length, 10);
    assert.deepEqual(l.topPixels[0], { x: l.map.argmax.x, y: l.map.argmax.y, value: l.map.max }, `${k}: Grad-CAM maps are ≥ 0, so the strongest pixel is the maximum`);
    // x across, y down: the maximum falls inside the planted object's box (boxes are not symmetric, so a swap shows).
    const { top, left, height, width } = t.box;
    assert.ok(l.map.argmax.x >= left - 2 && l.map.argmax.x < left + width + 2 && l.map.argmax.y >= top - 2 && l.map.argmax.y < top + height + 2, `${l.file}: max at ${JSON.stringify(l.map.argmax)}, box ${JSON.stringify(t.box)}`);
    assert.equal(l.map.positiveFraction, 1);
    assert.ok(l.timings.totalMs >= l.timings.attributeMs);
  }
  const broken = got[3];
  assert.equal(broken.file, 'broken.png');
  assert.match(broken.error, /^broken\.png: .*(corrupt|truncated)/i);
  assert.equal(broken.prediction, undefined);
  // The summary goes to stdout (the lines went to --out), the progress to stderr, one line per image.
  assert.match(r.out, /explained: +3/);
  assert.match(r.out, /failed: +1\n +broken\.png: /);
  assert.match(r.out, /predictions: .*red 1.*|predictions: .*green 1/);
  for (const label of ['red 1', 'green 1', 'blue 1']) assert.ok(r.out.includes(label), label);
  assert.deepEqual(r.err.trim().split('\n').map((l) => l.slice(0, 6)), ['[1/4] ', '[2/4] ', '[3/4] ', '[4/4] ']);
  assert.match(r.err, /\[4\/4\] broken\.png: failed: /);
  // Nothing written but the --out file.
  assert.deepEqual(listing(folder), before);
  assert.deepEqual(listing(work).filter((f) => !f.startsWith('images')), ['results.jsonl']);
});

test('--json: lines on stdout, the summary as one JSON object on stderr; only failures exit 1', async () => {
  const r = await command('--input', folder, '--method', 'saliency', '--json');
  assert.equal(r.code, 0);
  const got = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(got.length, 4);
  const summary = JSON.parse(r.err.trim().split('\n').pop()!);
  assert.equal(summary.explained, 3);
  assert.deepEqual(summary.failed.map((f: { file: string }) => f.file), ['broken.png']);
  assert.deepEqual(summary.predictions, { red: 1, green: 1, blue: 1 });

  const onlyBroken = join(work, 'only-broken');
  mkdirSync(onlyBroken);
  copyFileSync(join(folder, 'broken.png'), join(onlyBroken, 'broken.png'));
  assert.equal((await command('--input', onlyBroken, '--method', 'saliency')).code, 1);
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const r2 = await command('--input', empty, '--method', 'saliency');
  assert.equal(r2.code, 1);
  assert.match(r2.err, /no PNG or JPEG images/);
});

test('shards partition the sorted list in order', async () => {
  const whole = lines(await writeRun('whole.jsonl', '--recursive'));
  assert.deepEqual(whole.map((l) => l.file), ['000.png', '001.png', '002.png', 'broken.png', 'more/003.png']);
  for (const n of [2, 3]) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const shard = lines(await writeRun(`shard-${i}-of-${n}.jsonl`, '--recursive', '--shard', `${i}/${n}`));
      parts.push(...shard.map((l) => l.file));
    }
    assert.deepEqual(parts, whole.map((l) => l.file), `${n} shards`);
  }
  // More shards than images: the extra shards are empty, not errors.
  const empty = await command('--input', folder, '--method', 'saliency', '--shard', '0/7', '--out', join(work, 'none.jsonl'));
  assert.equal(empty.code, 0);
  assert.equal(readFileSync(join(work, 'none.jsonl'), 'utf8'), '');
  await assert.rejects(command('--input', folder, '--shard', '2/2'), UsageError);
});

async function writeRun(name: string, ...extra: string[]): Promise<string> {
  const path = join(work, name);
  const r = await command('--input', folder, '--method', 'saliency', '--out', path, ...extra);
  assert.equal(r.code, 0, `${extra.join(' ')}: ${r.out}${r.err}`);
  return path;
}

test('--heatmaps writes one PNG per explained image there, and nothing in the input folder', async () => {
  const before = listing(folder);
  const dir = join(work, 'heat');
  const outFile = join(work, 'heat.jsonl');
  const r = await command('--input', folder, '--method', 'saliency', '--out', outFile, '--heatmaps', dir, '--recursive');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(listing(dir), ['000.saliency.png', '001.saliency.png', '002.saliency.png', 'more', 'more/003.saliency.png']);
  const png = PNG.sync.read(readFileSync(join(dir, '001.saliency.png')));
  assert.deepEqual([png.width, png.height], [256, 256]);
  const got = lines(outFile);
  assert.equal(got[1].heatmap, join(dir, '001.saliency.png'));
  assert.equal(got[3].heatmap, undefined, 'no heatmap for the corrupt file');
  assert.deepEqual(listing(folder), before);
});

test('heatmaps into the input folder are fine once, and refused when they would overwrite an input image', async () => {
  const own = join(work, 'own');
  mkdirSync(own);
  for (const f of ['000.png', '001.png']) copyFileSync(join(folder, f), join(own, f));
  const first = await command('--input', own, '--method', 'saliency', '--heatmaps', own, '--out', join(work, 'own.jsonl'));
  assert.equal(first.code, 0, first.err);
  assert.deepEqual(listing(own), ['000.png', '000.saliency.png', '001.png', '001.saliency.png']);
  const heat = readFileSync(join(own, '000.saliency.png'));
  // Now 000.saliency.png is an input too, and 000.png's heatmap would overwrite it: refused before anything runs.
  await assert.rejects(
    command('--input', own, '--method', 'saliency', '--heatmaps', own, '--out', join(work, 'own2.jsonl')),
    (e: unknown) => e instanceof UsageError && /000\.saliency\.png/.test(e.message) && /overwrite the input image/.test(e.message),
  );
  assert.ok(!existsSync(join(work, 'own2.jsonl')), 'no --out file either');
  assert.deepEqual(listing(own), ['000.png', '000.saliency.png', '001.png', '001.saliency.png']);
  assert.deepEqual(readFileSync(join(own, '000.saliency.png')), heat);
  // --out on an input image is refused too.
  await assert.rejects(command('--input', own, '--method', 'saliency', '--out', join(own, '001.png')), /--out .*is an input image/);
  assert.deepEqual(readFileSync(join(own, '001.png')), readFileSync(join(folder, '001.png')));
});

test('heatmap names: stem.method.png, the full name when two images share a stem, sub-folders mirrored', () => {
  const paths = heatmapPaths(['a.png', 'cat.jpg', 'cat.png', 'sub/a.png'], '/h', 'rise');
  assert.deepEqual([...paths.values()], ['/h/a.rise.png', '/h/cat.jpg.rise.png', '/h/cat.png.rise.png', '/h/sub/a.rise.png']);
});

test('pixel map statistics: extremes with (x, y), positive share, strongest pixels', () => {
  // 3 wide, 2 high.
  const s = pixelMapStats([0, -4, 1, 2, 0, 3], 3, 2, 3);
  assert.deepEqual(s.argmax, { x: 2, y: 1 });
  assert.deepEqual(s.argmin, { x: 1, y: 0 });
  assert.equal(s.max, 3);
  assert.equal(s.min, -4);
  assert.equal(s.sum, 2);
  assert.equal(s.positiveFraction, 6 / 10);
  assert.deepEqual(s.topPixels, [{ x: 1, y: 0, value: -4 }, { x: 2, y: 1, value: 3 }, { x: 0, y: 1, value: 2 }]);
  assert.equal(pixelMapStats([0, 0], 2, 1).positiveFraction, null);
  assert.deepEqual(pixelMapStats([0, 0], 2, 1).topPixels, [], 'zero pixels are not among the strongest');
});

test('explainImageFolder reports progress fractions per image of its shard', async () => {
  const fractions: number[] = [];
  const written: string[] = [];
  const summary = await explainImageFolder(
    { modelPath: model, folder, method: 'saliency', options: {}, shard: { index: 0, count: 2 } },
    models,
    (l) => written.push(l),
    () => {},
    { progress: (f) => fractions.push(f) },
  );
  assert.deepEqual(summary.shard, { index: 0, count: 2, from: 0, to: 2 });
  // Within an image the engine's progress is scaled into its share; the image boundaries are reported exactly.
  assert.ok(fractions.includes(0.5) && fractions[fractions.length - 1] === 1, String(fractions));
  assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), String(fractions));
  assert.equal(written.length, 2);
});
