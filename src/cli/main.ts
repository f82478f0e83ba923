// attribution-lens: the engine, headless. Exit codes: 0 ok, 1 model/input error (one-line reason), 2 usage error.
import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { BackendChoice, BaselineSpec, ExplainRequest, IgRule, InputSpec, MethodOptions } from '../shared/types';
import { initBackend } from '../engine/backend';
import { isEngineError } from '../engine/errors';
import { explain } from '../engine/explain';
import { listMethods } from '../engine/methods/registry';
import { flattenNested } from '../engine/modalities/tabular';
import { readModelSummary } from '../engine/models';
import { ModelRegistry } from '../engine/models/registry';
import { intFlag, listFlag, numberFlag, parseArgs, stringFlag, UsageError, type FlagSpec } from './args';
import { formatExplanation, formatSummary } from './format';

const USAGE = `Usage:
  attribution-lens info <model> [--json] [--backend auto|tensorflow|wasm|cpu]
  attribution-lens explain <model> --input <file.json|file.csv> [--row N] --method <id> [options]

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
  --json                   print one JSON object
  --out FILE               write the result to FILE instead of stdout

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
  out: { value: true },
};

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
  if (v.trim() !== '' && Number.isFinite(Number(v))) return { kind: 'constant', value: Number(v) };
  if (extname(v).toLowerCase() === '.json') return { kind: 'tensor', data: flattenNested(readJsonArg(v, '--baseline'), v) };
  throw new UsageError(`--baseline must be zero, mean, a number or a .json file, got '${v}'`);
}

function inputArg(args: ReturnType<typeof parseArgs>): InputSpec {
  const input = stringFlag(args, 'input');
  if (!input) throw new UsageError('explain needs --input <file>');
  const row = intFlag(args, 'row', 0);
  const ext = extname(input).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return { kind: 'csv-file', path: resolve(input), row: row ?? 0 };
  if (row !== undefined) throw new UsageError('--row applies to CSV/TSV inputs only');
  if (ext === '.json') return { kind: 'json-file', path: resolve(input) };
  throw new UsageError(`--input must be a .json, .csv or .tsv file, got '${input}'`);
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
    if (command !== 'info' && command !== 'explain') throw new UsageError(`unknown command '${command}'`);
    if (!modelPath) throw new UsageError(`${command} needs a model path`);
    const backend = await initBackend(backendArg(args));

    if (command === 'info') {
      const summary = await readModelSummary(resolve(modelPath));
      output(args, { ...summary, backend }, formatSummary(summary));
      return 0;
    }
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
    const models = new ModelRegistry();
    try {
      const explanation = await explain(request, models);
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
