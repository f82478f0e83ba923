// `attribution-lens explain-dataset <model> --input <folder>`: explains every PNG/JPEG directly in a folder (sorted by
// path; `--recursive` also walks sub-folders) and writes one JSON line per image: the prediction, the target, the
// method, summary statistics of the per-pixel map (its extremes and where they are, the positive share of the mass,
// the strongest pixels) and timings. A file the engine cannot read (corrupt, truncated, unsupported) gives a line with
// its error and the run goes on; a broken model or method stops it.
//
// `--heatmaps <dir>` writes `<dir>/<stem>.<method>.png` (the overlay the `explain --out x.png` command writes) for
// each image explained; sub-folders are mirrored, and images sharing a stem (cat.png, cat.jpg) keep their full name
// (cat.png.<method>.png). Nothing else is written, and the run is refused before anything starts when a heatmap or
// the --out file would land on an input image. `--shard i/n` takes the i-th of n contiguous blocks of the sorted list.
import { closeSync, mkdirSync, openSync, readdirSync, realpathSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import type { Explanation, ExplainRequest, MethodId, MethodOptions } from '../shared/types';
import { isEngineError } from '../engine/errors';
import { explain, type ExplainHooks, type ModelSource } from '../engine/explain';
import { explanationHeatmapPng } from '../engine/modalities/image/heatmap';
import { ModelRegistry } from '../engine/models/registry';
import { stringFlag, UsageError, type FlagSpec, type ParsedArgs } from './args';
import { parseShard, shardRange, type Shard } from './explainDataset';

/** The flags explain-dataset takes for image folders (besides --method, --out, --shard, --target, --json). */
export const IMAGE_FOLDER_FLAGS: Record<string, FlagSpec> = {
  recursive: { value: false },
  heatmaps: { value: true },
};

/** For main.ts's usage text, after the explain-dataset line. */
export const IMAGE_FOLDER_USAGE = `  attribution-lens explain-dataset <image-model> --input <folder> --out results.jsonl [--method <id>] [--recursive]
                   [--heatmaps <dir>] [--shard i/n] [--json]
      one JSON line per PNG/JPEG in the folder (sorted; --recursive: sub-folders too): file, prediction, target,
      method, map statistics (min/max and where, positive share), topPixels, timings; a corrupt image gives a line
      with its error and the run goes on. --heatmaps DIR writes DIR/<name>.<method>.png per image (never over an
      input image). --method defaults to integrated-gradients.`;

const IMAGE_FILE = /\.(png|jpe?g)$/i;
/** Engine error codes that concern one file only: the run records them and goes on. */
const PER_IMAGE_CODES = new Set(['INPUT_INVALID', 'UNSUPPORTED']);
const TOP_PIXELS = 10;

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Paths (relative to `folder`, '/'-separated) of the PNG/JPEG files in it, sorted by code point. */
export function listImages(folder: string, recursive = false): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const s = statSync(full);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          continue; // a dangling link is not an image
        }
      }
      if (isFile && IMAGE_FILE.test(entry.name)) out.push(rel);
      else if (isDir && recursive && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full, rel);
    }
  };
  walk(folder, '');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A path as the file system resolves it (symlinks, `..`), for comparing targets with inputs. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // Not there yet: canonicalise the deepest existing parent.
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonical(parent), basename(abs));
  }
}

/** Where each image's heatmap goes (relative paths as in `files`), decided over the whole list so shards agree. */
export function heatmapPaths(files: string[], dir: string, method: MethodId): Map<string, string> {
  const stemKey = (f: string) => f.slice(0, f.length - extname(f).length).toLowerCase();
  const counts = new Map<string, number>();
  for (const f of files) counts.set(stemKey(f), (counts.get(stemKey(f)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const f of files) {
    const name = (counts.get(stemKey(f)) ?? 0) > 1 ? f : f.slice(0, f.length - extname(f).length);
    out.set(f, join(dir, ...`${name}.${method}.png`.split('/')));
  }
  return out;
}

export interface PixelMapStats {
  width: number;
  height: number;
  min: number;
  max: number;
  /** Where the largest value is (x across, y down, in the model's input pixels). */
  argmax: { x: number; y: number };
  argmin: { x: number; y: number };
  sum: number;
  /** Σ max(v, 0) / Σ |v| (null for an all-zero map). */
  positiveFraction: number | null;
  /** The pixels with the largest non-zero |value|, strongest first. */
  topPixels: { x: number; y: number; value: number }[];
}

export function pixelMapStats(values: ArrayLike<number>, width: number, height: number, top = TOP_PIXELS): PixelMapStats {
  let min = Infinity;
  let max = -Infinity;
  let argmin = 0;
  let argmax = 0;
  let sum = 0;
  let positive = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v > max) [max, argmax] = [v, i];
    if (v < min) [min, argmin] = [v, i];
    sum += v;
    if (v > 0) positive += v;
    total += Math.abs(v);
  }
  // The strongest pixels: a short sorted list (k is small); ties keep the earlier pixel.
  const best: { i: number; a: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (!Number.isFinite(a) || a === 0 || (best.length === top && a <= best[top - 1].a)) continue;
    best.push({ i, a });
    best.sort((p, q) => q.a - p.a || p.i - q.i);
    if (best.length > top) best.pop();
  }
  const at = (i: number) => ({ x: i % width, y: Math.floor(i / width) });
  return {
    width,
    height,
    min: min === Infinity ? NaN : min,
    max: max === -Infinity ? NaN : max,
    argmax: at(argmax),
    argmin: at(argmin),
    sum,
    positiveFraction: total > 0 ? positive / total : null,
    topPixels: best.map(({ i }) => ({ ...at(i), value: values[i] })),
  };
}

export interface ImageFolderRun {
  modelPath: string;
  folder: string;
  method: MethodId;
  options: MethodOptions;
  target?: ExplainRequest['target'];
  shard?: Shard;
  recursive?: boolean;
  /** Write a heatmap PNG per explained image here. */
  heatmaps?: string;
  /** The --out file, checked against the inputs. */
  out?: string;
}

export interface ImageFolderSummary {
  folder: string;
  method: MethodId;
  /** Images in the folder (all shards). */
  images: number;
  shard?: Shard & { from: number; to: number };
  explained: number;
  failed: { file: string; error: string }[];
  /** Predicted label → count. */
  predictions: Record<string, number>;
  heatmaps?: string;
}

/**
 * Everything that could go wrong before a file is written: the folder, an empty list, and target paths that would
 * overwrite an input image. Returns the sorted list and the heatmap paths.
 */
export function planImageFolder(run: ImageFolderRun): { files: string[]; heatmaps?: Map<string, string> } {
  if (!isDirectory(run.folder)) throw new UsageError(`--input ${run.folder} is not a folder`);
  const files = listImages(run.folder, run.recursive);
  const inputs = new Map(files.map((f) => [canonical(join(run.folder, f)), f]));
  if (run.out !== undefined) {
    const hit = inputs.get(canonical(run.out));
    if (hit) throw new UsageError(`--out ${run.out} is an input image (${hit}); choose another file`);
  }
  if (run.heatmaps === undefined) return { files };
  if (run.heatmaps.trim() === '') throw new UsageError('--heatmaps needs a folder');
  if (!isDirectory(run.heatmaps) && statSafe(run.heatmaps)) throw new UsageError(`--heatmaps ${run.heatmaps} exists and is not a folder`);
  const heatmaps = heatmapPaths(files, resolve(run.heatmaps), run.method);
  for (const [file, target] of heatmaps) {
    const hit = inputs.get(canonical(target));
    if (hit) throw new UsageError(`--heatmaps ${run.heatmaps}: the heatmap of ${file} would overwrite the input image ${hit}; choose another folder`);
    if (run.out !== undefined && canonical(target) === canonical(run.out)) throw new UsageError(`--heatmaps: the heatmap of ${file} would overwrite --out ${run.out}`);
  }
  return { files, heatmaps };
}

function statSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function imageLine(file: string, e: Explanation, heatmap: string | undefined, totalMs: number) {
  const image = e.image;
  const stats = image ? pixelMapStats(image.pixelMap.values, image.width, image.height) : undefined;
  const { topPixels, ...map } = stats ?? { topPixels: undefined };
  return {
    file,
    prediction: { index: e.prediction.index, label: e.prediction.label, scores: e.prediction.scores },
    target: e.target,
    method: e.method.id,
    ...(stats ? { map, topPixels } : {}),
    ...(heatmap !== undefined ? { heatmap } : {}),
    checks: e.checks,
    ...(e.notes?.length ? { notes: e.notes } : {}),
    timings: { loadMs: e.timings.loadMs, attributeMs: e.timings.attributeMs, totalMs },
  };
}

export async function explainImageFolder(
  run: ImageFolderRun,
  models: ModelSource,
  write: (jsonLine: string) => void,
  progress: (message: string) => void,
  hooks: ExplainHooks = {},
  plan = planImageFolder(run),
): Promise<ImageFolderSummary> {
  const { files, heatmaps } = plan;
  const range = run.shard ? shardRange(files.length, run.shard) : { from: 0, to: files.length };
  const mine = files.slice(range.from, range.to);
  const summary: ImageFolderSummary = {
    folder: run.folder,
    method: run.method,
    images: files.length,
    ...(run.shard ? { shard: { ...run.shard, ...range } } : {}),
    explained: 0,
    failed: [],
    predictions: {},
    ...(run.heatmaps !== undefined ? { heatmaps: resolve(run.heatmaps) } : {}),
  };
  for (const [k, file] of mine.entries()) {
    const t0 = performance.now();
    const counter = `[${k + 1}/${mine.length}]`;
    try {
      const e = await explain(
        {
          modelPath: run.modelPath,
          input: { kind: 'image-file', path: join(run.folder, ...file.split('/')) },
          method: run.method,
          options: run.options,
          ...(run.target !== undefined ? { target: run.target } : {}),
        },
        models,
        // The engine's progress within this image, as a share of the whole shard.
        { ...hooks, progress: (f, m) => hooks.progress?.((k + Math.min(1, Math.max(0, f))) / mine.length, m) },
      );
      let heatmap: string | undefined;
      const target = heatmaps?.get(file);
      if (target && e.image) {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, explanationHeatmapPng(e.image));
        heatmap = target;
      }
      const totalMs = performance.now() - t0;
      write(JSON.stringify(imageLine(file, e, heatmap, totalMs)));
      summary.explained++;
      const predicted = e.prediction.label ?? String(e.prediction.index);
      summary.predictions[predicted] = (summary.predictions[predicted] ?? 0) + 1;
      const score = e.prediction.scores[e.prediction.index];
      progress(`${counter} ${file}: ${predicted} (${score.toFixed(3)}), ${totalMs.toFixed(0)} ms`);
    } catch (err) {
      if (!isEngineError(err) || !PER_IMAGE_CODES.has(err.code)) throw err;
      // The engine's message starts with the file's absolute path; the line names the file relative to the folder.
      const abs = join(run.folder, ...file.split('/'));
      const message = err.message.startsWith(`${abs}: `) ? err.message.slice(abs.length + 2) : err.message;
      const error = `${file}: ${message}`;
      summary.failed.push({ file, error });
      write(JSON.stringify({ file, method: run.method, error, timings: { totalMs: performance.now() - t0 } }));
      progress(`${counter} ${file}: failed: ${message}`);
    }
    hooks.progress?.((k + 1) / mine.length);
  }
  return summary;
}

export function formatImageFolderSummary(s: ImageFolderSummary): string {
  const labels = Object.entries(s.predictions).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const lines = [
    `folder:      ${s.folder}`,
    s.shard ? `shard:       ${s.shard.index}/${s.shard.count} (images ${s.shard.from + 1}–${s.shard.to} of ${s.images})` : `images:      ${s.images}`,
    `method:      ${s.method}`,
    `explained:   ${s.explained}`,
    `failed:      ${s.failed.length}`,
    ...s.failed.map((f) => `  ${f.error}`),
    `predictions: ${labels.map(([l, n]) => `${l} ${n}`).join(', ') || '—'}`,
    ...(s.heatmaps ? [`heatmaps:    ${s.heatmaps}`] : []),
  ];
  return lines.join('\n');
}

/**
 * The image-folder branch of explain-dataset (main.ts passes the parsed flags and its method options). JSON lines
 * to --out (or stdout), progress on stderr, the summary to stdout (stderr when the lines go to stdout).
 * Exit code 1 when no image could be explained (or the folder has none), else 0.
 */
export async function explainImageFolderCommand(
  args: ParsedArgs,
  modelPath: string,
  options: MethodOptions,
  io: { stdout: (s: string) => void; stderr: (s: string) => void } = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  },
): Promise<number> {
  const folder = resolve(stringFlag(args, 'input') ?? '');
  for (const flag of ['row', 'text', 'field']) {
    if (args.flags.has(flag)) throw new UsageError(`--${flag} applies to text datasets, not to a folder of images`);
  }
  if (args.flags.has('heatmaps') && stringFlag(args, 'heatmaps') === undefined) throw new UsageError('option --heatmaps needs a value');
  const shardFlag = stringFlag(args, 'shard');
  const target = stringFlag(args, 'target');
  const out = stringFlag(args, 'out');
  const run: ImageFolderRun = {
    modelPath,
    folder,
    method: (stringFlag(args, 'method') ?? 'integrated-gradients') as MethodId,
    options,
    recursive: args.flags.has('recursive'),
    ...(target !== undefined ? { target: /^\d+$/.test(target) ? Number(target) : target } : {}),
    ...(shardFlag !== undefined ? { shard: parseShard(shardFlag) } : {}),
    ...(stringFlag(args, 'heatmaps') !== undefined ? { heatmaps: stringFlag(args, 'heatmaps') } : {}),
    ...(out !== undefined ? { out: resolve(out) } : {}),
  };
  const plan = planImageFolder(run);
  if (!plan.files.length) {
    io.stderr(`error: ${folder}${sep}: no PNG or JPEG images${run.recursive ? '' : ' (use --recursive to include sub-folders)'}\n`);
    return 1;
  }
  const fd = out !== undefined ? openSync(out, 'w') : undefined;
  const models = new ModelRegistry();
  try {
    const summary = await explainImageFolder(
      run,
      models,
      (line) => (fd !== undefined ? void writeSync(fd, line + '\n') : io.stdout(line + '\n')),
      (message) => io.stderr(message + '\n'),
      {},
      plan,
    );
    const report = args.flags.has('json') ? JSON.stringify(summary) : formatImageFolderSummary(summary);
    (fd !== undefined ? io.stdout : io.stderr)(report + '\n');
    const attempted = summary.explained + summary.failed.length;
    return summary.explained === 0 && attempted > 0 ? 1 : 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
    models.clear();
  }
}

