// attribution-lens: the engine, headless. Exit codes: 0 ok, 1 model/input error (one-line reason), 2 usage error.
import { openSync, readFileSync, readSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { BackendChoice, BaselineSpec, Explanation, ExplainRequest, IgRule, InputSpec, MethodOptions } from '../shared/types';
import { initBackend } from '../engine/backend';
import { isEngineError } from '../engine/errors';
import { explain } from '../engine/explain';
import { listMethods } from '../engine/methods/registry';
import { explanationHeatmapPng } from '../engine/modalities/image/heatmap';
import { flattenNested } from '../engine/modalities/tabular';
import { readModelInfo } from '../engine/process/modelInfo';
import { ModelRegistry } from '../engine/models/registry';
import { intFlag, listFlag, numberFlag, parseArgs, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from './args';
import { explainDataset, formatDatasetSummary, parseShard } from './explainDataset';
import { formatExplanation, formatSummary } from './format';
import { explainImageFolderCommand, IMAGE_FOLDER_FLAGS, IMAGE_FOLDER_USAGE, isDirectory } from './explainImageFolder';
import { textReportHtml } from '../shared/textReport';

const USAGE = `Usage:
  attribution-lens info <model> [--json] [--backend auto|tensorflow|wasm|cpu]
  attribution-lens explain <model> --input <file.json|file.csv|image.png|image.jpg> [--row N] --method <id> [options]
  attribution-lens explain <text-model> --text "…" | --input <file.jsonl|file.csv|file.tsv|file.txt> [--row N] --method <id> [options]
  attribution-lens explain-dataset <text-model> --input <file> --out results.jsonl [--shard i/n] [--method <id>] [options]
${IMAGE_FOLDER_USAGE}

Explain options:
  --target <index|label>   output to explain (default: the predicted class)
  --steps N                integrated-gradients / gradient-shap steps
  --ig-method R            gausslegendre (default) | riemann-left | riemann-right | riemann-middle | riemann-trapezoid
  --samples N  --stdev X   noise tunnel (smoothgrad, smoothgrad-sq, vargrad) and gradient-shap
  --base-method M          gradient method inside the noise tunnel (saliency, input-x-gradient, integrated-gradients)
  --signed                 saliency: keep the gradient's sign (default: absolute value, as Captum)
  --window 3,4,4 --stride 3,4,4   occlusion, in the input's layout without the batch dimension
  --groups <file.json>     feature-ablation: group id per input element
  --baseline zero|mean|<number>|<file.json>
  --layer NAME  --seed N  --batch-size N  --backend B
  --memory-budget MB       largest memory one batch may take (default 512); batches are sized from it

LRP (lrp):
  --composite C            epsilon-plus (default) | epsilon | epsilon-gamma-box | epsilon-alpha2-beta1 | zero
  --epsilon X  --gamma X   the ε and γ rules' parameters (defaults 1e-6 and 0.25)
  --input-bounds LO,HI     the zᴮ rule's input range (needed by epsilon-gamma-box)
  --json                   print one JSON object
  --out FILE               write the result to FILE instead of stdout; FILE.png (image inputs): the heatmap over
                           the image; FILE.html (text inputs): the token heatmap report (the result still goes to
                           stdout in both cases)

Image methods (grad-cam, guided-grad-cam, guided-backprop, deconvnet, rise, sobol, lime, kernel-shap,
extremal-perturbation; occlusion and the gradient methods work on images too):
  --layer NAME             grad-cam layer (default: the last convolution); \`info\` lists the layers
  --grid-size N            rise / sobol mask grid, extremal-perturbation mask resolution
  --probability P          rise: probability of keeping a cell
  --perturbation K         sobol: inpainting | blur | amplitude
  --blur-sigma S           blur in pixels (sobol blur, extremal-perturbation)
  --superpixels K --segments N   lime / kernel-shap on images: slic | grid, about N segments
  --kernel-width W --ridge R     lime surrogate
  --area A --iterations N  extremal-perturbation: kept fraction of the image, optimisation steps
  --layout L               NHWC | NCHW | HW, when the input is a JSON tensor of an image

Text models (a tokenizer in lens.json, or tokenizer.json / vocab.txt beside the model):
  --text "…"               explain this text; features carry {text, start, end, score} with offsets into it
  --input F --row N        the N-th example (from 0) of a .jsonl/.csv/.tsv/.txt file; offsets point into the file
  --field NAME             the CSV column or JSON field holding the text (default: text, sentence, review, …)
  --baseline pad|mask      reference input: every token replaced by [PAD] (default) or [MASK]
  --granularity token|word one feature per token (default) or sub-word tokens merged into words
  --reduction sum|l2       layer methods: a position's score over the embedding dimension (default sum)
  methods: layer-integrated-gradients, layer-gradient-x-activation (at the embedding), occlusion, feature-ablation
  explain-dataset: one JSON line per example (malformed rows reported with their line and skipped), then a summary;
  --shard i/n explains the i-th of n contiguous blocks of rows; --method defaults to layer-integrated-gradients

Methods: ${'{methods}'}`;

const FLAGS: Record<string, FlagSpec> = {
  json: { value: false },
  help: { value: false },
  signed: { value: false },
  backend: { value: true },
  input: { value: true },
  row: { value: true },
  method: { value: true },
  target: { value: true },
  steps: { value: true },
  'ig-method': { value: true },
  samples: { value: true },
  stdev: { value: true },
  'base-method': { value: true },
  window: { value: true },
  stride: { value: true },
  groups: { value: true },
  baseline: { value: true },
  layer: { value: true },
  seed: { value: true },
  'batch-size': { value: true },
  'memory-budget': { value: true },
  composite: { value: true },
  epsilon: { value: true },
  gamma: { value: true },
  'input-bounds': { value: true },
  out: { value: true },
  'grid-size': { value: true },
  probability: { value: true },
  perturbation: { value: true },
  'blur-sigma': { value: true },
  superpixels: { value: true },
  segments: { value: true },
  'kernel-width': { value: true },
  ridge: { value: true },
  area: { value: true },
  iterations: { value: true },
  layout: { value: true },
  text: { value: true },
  field: { value: true },
  granularity: { value: true },
  reduction: { value: true },
  shard: { value: true },
  ...IMAGE_FOLDER_FLAGS,
};

/** Files that only hold text examples (CSV/TSV go to the model's modality: a row of numbers or of text). */
const TEXT_DATASET_EXTENSIONS = new Set(['.jsonl', '.ndjson', '.txt']);

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.jpe', '.jfif']);

/** PNG or JPEG by its first bytes, for inputs with an unusual extension (the engine checks the format again). */
function looksLikeImage(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(8);
    const n = readSync(fd, head, 0, 8, 0);
    const png = n >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => head[i] === b);
    return png || (n >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readJsonArg(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${what} ${path}: ${(e as Error).message}`);
  }
}

function baselineArg(v: string | undefined): BaselineSpec | undefined {
  if (v === undefined) return undefined;
  if (v === 'zero') return { kind: 'zero' };
  if (v === 'mean') return { kind: 'mean' };
  if (v === 'pad' || v === 'mask') return { kind: v };
  if (v.trim() !== '' && Number.isFinite(Number(v))) return { kind: 'constant', value: Number(v) };
  if (extname(v).toLowerCase() === '.json') return { kind: 'tensor', data: flattenNested(readJsonArg(v, '--baseline'), v) };
  throw new UsageError(`--baseline must be zero, mean, pad, mask, a number or a .json file, got '${v}'`);
}

function inputArg(args: ReturnType<typeof parseArgs>): InputSpec {
  const input = stringFlag(args, 'input');
  const text = stringFlag(args, 'text');
  const field = stringFlag(args, 'field');
  if (text !== undefined) {
    if (input !== undefined || args.flags.has('row')) throw new UsageError('give either --text or --input (with --row), not both');
    return { kind: 'text', text };
  }
  if (!input) throw new UsageError('explain needs --input <file> (or --text "…" for text models)');
  const row = intFlag(args, 'row', 0);
  const ext = extname(input).toLowerCase();
  if (TEXT_DATASET_EXTENSIONS.has(ext) || (field !== undefined && (ext === '.csv' || ext === '.tsv'))) {
    return { kind: 'dataset-file', path: resolve(input), row: row ?? 0, ...(field !== undefined ? { field } : {}) };
  }
  if (field !== undefined) throw new UsageError('--field applies to text datasets (.csv, .tsv, .jsonl, .txt)');
  if (ext === '.csv' || ext === '.tsv') return { kind: 'csv-file', path: resolve(input), row: row ?? 0 };
  if (row !== undefined) throw new UsageError('--row applies to CSV/TSV inputs only');
  if (ext === '.json') return { kind: 'json-file', path: resolve(input) };
  if (IMAGE_EXTENSIONS.has(ext) || looksLikeImage(input)) return { kind: 'image-file', path: resolve(input) };
  throw new UsageError(`--input must be a .json, .csv, .tsv, .png or .jpg file, got '${input}'`);
}

function methodOptions(args: ReturnType<typeof parseArgs>): MethodOptions {
  const groups = stringFlag(args, 'groups');
  const options: MethodOptions = {
    steps: intFlag(args, 'steps', 1),
    igMethod: stringFlag(args, 'ig-method') as IgRule | undefined,
    samples: intFlag(args, 'samples', 1),
    stdev: numberFlag(args, 'stdev'),
    baseMethod: stringFlag(args, 'base-method') as MethodOptions['baseMethod'],
    abs: args.flags.has('signed') ? false : undefined,
    window: listFlag(args, 'window'),
    stride: listFlag(args, 'stride'),
    featureGroups: groups ? flattenNested(readJsonArg(groups, '--groups'), groups).values : undefined,
    baseline: baselineArg(stringFlag(args, 'baseline')),
    layer: stringFlag(args, 'layer'),
    seed: intFlag(args, 'seed', 0),
    batchSize: intFlag(args, 'batch-size', 1),
    memoryBudgetMB: intFlag(args, 'memory-budget', 1),
    composite: stringFlag(args, 'composite') as MethodOptions['composite'],
    epsilon: numberFlag(args, 'epsilon'),
    gamma: numberFlag(args, 'gamma'),
    inputBounds: boundsFlag(args),
    gridSize: intFlag(args, 'grid-size', 1),
    probability: numberFlag(args, 'probability'),
    perturbation: stringFlag(args, 'perturbation') as MethodOptions['perturbation'],
    blurSigma: numberFlag(args, 'blur-sigma'),
    superpixels: stringFlag(args, 'superpixels') as MethodOptions['superpixels'],
    segments: intFlag(args, 'segments', 1),
    kernelWidth: numberFlag(args, 'kernel-width'),
    ridge: numberFlag(args, 'ridge'),
    area: numberFlag(args, 'area'),
    iterations: intFlag(args, 'iterations', 1),
    layout: stringFlag(args, 'layout') as MethodOptions['layout'],
    granularity: stringFlag(args, 'granularity') as MethodOptions['granularity'],
    reduction: stringFlag(args, 'reduction') as MethodOptions['reduction'],
  };
  // Leave unset options out, so the output shows exactly what was asked and what the method defaulted.
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as MethodOptions;
}

function backendArg(args: ReturnType<typeof parseArgs>): BackendChoice {
  const b = stringFlag(args, 'backend') ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(b)) throw new UsageError(`--backend must be auto, tensorflow, wasm or cpu, got '${b}'`);
  return b as BackendChoice;
}

function output(args: ReturnType<typeof parseArgs>, json: unknown, text: string): void {
  const out = stringFlag(args, 'out');
  const body = args.flags.has('json') || out?.toLowerCase().endsWith('.json') ? JSON.stringify(json, null, args.flags.has('json') && !out ? 0 : 2) : text;
  if (out) writeFileSync(out, body + '\n');
  else process.stdout.write(body + '\n');
}

/** The per-pixel map over the image the model saw, as a PNG the user asked for with --out. */
function writeHeatmap(path: string, e: Explanation): void {
  if (!e.image) throw new UsageError('--out FILE.png needs an image input');
  writeFileSync(path, explanationHeatmapPng(e.image));
}

/** explain-dataset: JSON lines to --out (or stdout), the summary to stdout (or stderr when the lines go there). */
async function explainDatasetCommand(args: ReturnType<typeof parseArgs>, modelPath: string): Promise<number> {
  const input = stringFlag(args, 'input');
  if (!input) throw new UsageError('explain-dataset needs --input <file.jsonl|file.csv|file.tsv|file.txt|folder of images>');
  if (isDirectory(input)) return explainImageFolderCommand(args, modelPath, methodOptions(args));
  if (args.flags.has('heatmaps') || args.flags.has('recursive')) throw new UsageError('--heatmaps and --recursive apply when --input is a folder of images');
  if (args.flags.has('row') || args.flags.has('text')) throw new UsageError('explain-dataset explains every row; --row and --text apply to explain');
  const shardFlag = stringFlag(args, 'shard');
  const target = stringFlag(args, 'target');
  const out = stringFlag(args, 'out');
  const fd = out ? openSync(out, 'w') : undefined;
  const models = new ModelRegistry();
  try {
    const summary = await explainDataset(
      {
        modelPath,
        input: resolve(input),
        field: stringFlag(args, 'field'),
        method: (stringFlag(args, 'method') ?? 'layer-integrated-gradients') as ExplainRequest['method'],
        options: methodOptions(args),
        ...(target !== undefined ? { target: /^\d+$/.test(target) ? Number(target) : target } : {}),
        ...(shardFlag !== undefined ? { shard: parseShard(shardFlag) } : {}),
      },
      models,
      (line) => (fd !== undefined ? writeSync(fd, line + '\n') : process.stdout.write(line + '\n')),
      (message) => process.stderr.write(`warning: ${message}\n`),
    );
    const report = args.flags.has('json') ? JSON.stringify(summary) : formatDatasetSummary(summary);
    (fd !== undefined ? process.stdout : process.stderr).write(report + '\n');
    const examples = summary.explained + summary.skipped.length;
    return summary.explained === 0 && examples > 0 ? 1 : 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
    models.clear();
  }
}

export async function main(argv: string[]): Promise<number> {
  const methods = listMethods().map((m) => m.id).join(', ');
  const usage = USAGE.replace('{methods}', methods);
  try {
    const args = parseArgs(argv, FLAGS);
    const [command, modelPath, ...extra] = args.positionals;
    if (args.flags.has('help') || command === 'help' || !command) {
      process.stdout.write(usage + '\n');
      return command || args.flags.has('help') ? 0 : 2;
    }
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (command !== 'info' && command !== 'explain' && command !== 'explain-dataset') throw new UsageError(`unknown command '${command}'`);
    if (!modelPath) throw new UsageError(`${command} needs a model path`);
    const backend = await initBackend(backendArg(args));

    if (command === 'info') {
      const summary = await readModelInfo(resolve(modelPath));
      output(args, { ...summary, backend }, formatSummary(summary));
      return 0;
    }
    if (command === 'explain-dataset') return await explainDatasetCommand(args, resolve(modelPath));
    const method = stringFlag(args, 'method');
    if (!method) throw new UsageError('explain needs --method <id>');
    const target = stringFlag(args, 'target');
    const request: ExplainRequest = {
      modelPath: resolve(modelPath),
      input: inputArg(args),
      method: method as ExplainRequest['method'],
      options: methodOptions(args),
      ...(target !== undefined ? { target: /^\d+$/.test(target) ? Number(target) : target } : {}),
    };
    const heatmapFile = stringFlag(args, 'out')?.toLowerCase().endsWith('.png') ? stringFlag(args, 'out') : undefined;
    if (heatmapFile && request.input.kind !== 'image-file') throw new UsageError('--out FILE.png writes a heatmap and needs an image --input (PNG or JPEG)');
    const reportFile = /\.html?$/i.test(stringFlag(args, 'out') ?? '') ? stringFlag(args, 'out') : undefined;
    if (reportFile && request.input.kind !== 'text' && request.input.kind !== 'dataset-file') {
      throw new UsageError('--out FILE.html writes a token heatmap report and needs a text input (--text, or a dataset --input)');
    }
    const models = new ModelRegistry();
    try {
      const explanation = await explain(request, models);
      if (heatmapFile) {
        writeHeatmap(heatmapFile, explanation);
        args.flags.delete('out');
      }
      if (reportFile) {
        writeFileSync(reportFile, textReportHtml([explanation]));
        args.flags.delete('out');
      }
      output(args, explanation, formatExplanation(explanation));
    } finally {
      models.clear();
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\n${usage}\n`);
      return 2;
    }
    if (isEngineError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: internal error: ${(e as Error).message}\n`);
    if (process.env.ATTRIBUTION_LENS_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/** --input-bounds LO,HI */
function boundsFlag(args: ParsedArgs): [number, number] | undefined {
  const v = stringFlag(args, 'input-bounds');
  if (v === undefined) return undefined;
  const parts = v.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!)) {
    throw new UsageError(`--input-bounds takes LO,HI (numbers, LO < HI), got '${v}'`);
  }
  return [parts[0]!, parts[1]!];
}
