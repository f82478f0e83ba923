// `npm run bench`: the benchmark suite. Every measurement runs in a fresh child process, one after another, so peak
// memory is per model and one measurement cannot slow the next (docs/benchmarks.md explains every column).
//
//   node --import tsx bench/index.ts                 everything (≤ 6 min on a quiet 2-core machine)
//   node --import tsx bench/index.ts --quick         few repetitions, smaller sections: a smoke check
//   node --import tsx bench/index.ts --only cnn      only sections / models / methods / kernels matching (regex)
//   node --import tsx bench/index.ts --json out.json --markdown out.md   machine-readable results, Markdown tables
//   node --import tsx bench/index.ts --no-stock      skip the stock-kernel runs
//
// Sections: kernels (bench/kernels.ts), models × methods (bench/modelWorker.ts, ours and stock kernels), IG memory
// vs steps, PyTorch reference (bench/torch_ig.py, where /usr/bin/python3 has torch), responsiveness
// (bench/responsiveness.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { KernelReport } from './kernels';
import {
  buildMarkdownTable,
  buildTable,
  formatBytes,
  formatMs,
  median,
  parseFlags,
  selected,
  type BenchFlags,
} from './lib';
import type { WorkerRequest, WorkerResult } from './modelWorker';
import { MAIN_METHODS, MODELS, NOT_RUN, REPO, type MainMethod, type ModelCase } from './models';
import {
  gradientTable,
  kernelTable,
  memoryTable,
  modelTable,
  responsivenessTable,
  targets,
  torchTable,
  type ChildOutcome,
  type MemoryRun,
  type ModelRun,
  type Responsiveness,
  type Table,
  type TorchRun,
} from './tables';


const PYTHON = '/usr/bin/python3';
const CHILD_TIMEOUT_MS = 300_000;

/** Runs a child and parses its `BENCH_RESULT {json}` line; a crash after the line still yields the result. */
function runChild<T>(command: string, args: string[], timeoutMs = CHILD_TIMEOUT_MS): ChildOutcome<T> {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: REPO, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  // Node children mark their result line; torch_ig.py prints one plain JSON object.
  const lines = (r.stdout ?? '').split('\n');
  const marked = lines.find((l) => l.startsWith('BENCH_RESULT '))?.slice('BENCH_RESULT '.length);
  const line = marked ?? lines.filter((l) => l.startsWith('{')).pop();
  let result: T | undefined;
  try {
    result = line ? (JSON.parse(line) as T) : undefined;
  } catch {
    result = undefined;
  }
  let error: string | undefined;
  if (r.error) error = r.error.message;
  else if (r.status !== 0) {
    const lines = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('Node.js'));
    error = `exit ${r.status ?? r.signal}: ${lines.slice(-1)[0] ?? ''}`.slice(0, 200);
  }
  return { result, error, wallMs };
}

const tsx = (file: string, ...args: string[]) => runChild<unknown>(process.execPath, ['--import', 'tsx', join(REPO, 'bench', file), ...args]);

// ---------------------------------------------------------------- machine

interface Machine {
  nproc: number;
  cpuModel: string;
  memory: string;
  node: string;
  loadAverage: number[];
  torch?: string;
  date: string;
}

function machine(): Machine {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const torch = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return {
    nproc: cpus().length,
    cpuModel: model,
    memory: formatBytes(totalmem()),
    node: process.version,
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    ...(torch.status === 0 ? { torch: torch.stdout.trim() } : {}),
    date: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------- sections

function methodsFor(model: ModelCase, flags: BenchFlags): MainMethod[] {
  // The PyTorch comparison needs our IG: `--only torch` runs it too.
  const forTorch = (m: MainMethod) => m === 'integrated-gradients' && flags.only !== undefined && flags.only.test('torch');
  return MAIN_METHODS.filter((m) => !NOT_RUN[m] && (m !== 'grad-cam' || model.hasConv) && (selected(flags.only, model.id, model.title, m, 'models') || forTorch(m)));
}

/** One outcome from per-method children: the methods of those that reported, the exit error of those that did not. */
function mergeOutcomes(methods: MainMethod[], outs: ChildOutcome<WorkerResult>[]): ChildOutcome<WorkerResult> {
  const wallMs = outs.reduce((sum, o) => sum + o.wallMs, 0);
  const first = outs.find((o) => o.result)?.result;
  if (!first) return { wallMs, error: outs.find((o) => o.error)?.error ?? 'no result' };
  const merged = methods.map((m, i) => outs[i].result?.methods.find((r) => r.method === m) ?? { method: m, error: outs[i].error ?? 'no result' });
  return { wallMs, result: { ...first, methods: merged, maxRssBytes: Math.max(...outs.map((o) => o.result?.maxRssBytes ?? 0)) } };
}

function runModel(model: ModelCase, flags: BenchFlags): ModelRun {
  const methods = methodsFor(model, flags);
  const reps = flags.quick ? (model.heavy ? 1 : 3) : model.heavy ? 3 : 9;
  const budgetMs = model.heavy ? (flags.quick ? 1 : 15_000) : 5_000;
  const request = (stock: boolean, only = methods): WorkerRequest => ({
    model: model.id,
    methods: only,
    reps,
    stock,
    budgetMs,
    ...(stock && model.heavy ? { warmupWith: 'saliency' as const } : {}),
  });
  const worker = (stock: boolean, only = methods) => tsx('modelWorker.ts', JSON.stringify(request(stock, only))) as ChildOutcome<WorkerResult>;
  process.stderr.write(`  ${model.id}: ours…`);
  const ours = worker(false);
  let stock: ChildOutcome<WorkerResult> | undefined;
  if (!flags.noStock) {
    process.stderr.write(' stock…');
    // Stock kernels can exhaust the 4 GB wasm heap on big models and take the process down: one process per method
    // there, so one failure does not hide the others.
    stock = model.heavy ? mergeOutcomes(methods, methods.map((m) => worker(true, [m]))) : worker(true);
  }
  process.stderr.write(` ${formatMs(ours.wallMs + (stock?.wallMs ?? 0))}\n`);
  return { model, ours, stock };
}

function runMemory(flags: BenchFlags): MemoryRun[] {
  const plan: { model: string; steps: number; memoryBudgetMB?: number }[] = [
    { model: 'cnn-tfjs', steps: 10 },
    { model: 'cnn-tfjs', steps: 50 },
    { model: 'cnn-tfjs', steps: 128 },
    { model: 'cnn-tfjs', steps: 512 },
    { model: 'cnn-tfjs', steps: 512, memoryBudgetMB: 16 },
    ...(flags.quick
      ? []
      : [
          { model: 'mobilenet-tfjs', steps: 10 },
          { model: 'mobilenet-tfjs', steps: 128 },
          { model: 'mobilenet-tfjs', steps: 256 },
          { model: 'mobilenet-tfjs', steps: 128, memoryBudgetMB: 128 },
        ]),
  ];
  return plan
    .filter((p) => selected(flags.only, p.model, 'memory'))
    .map((p) => {
      const req: WorkerRequest = {
        model: p.model,
        methods: ['integrated-gradients'],
        reps: 1,
        stock: false,
        igSteps: p.steps,
        ...(p.memoryBudgetMB ? { extraOptions: { memoryBudgetMB: p.memoryBudgetMB } } : {}),
      };
      const out = tsx('modelWorker.ts', JSON.stringify(req)) as ChildOutcome<WorkerResult>;
      const m = out.result?.methods[0];
      return {
        ...p,
        ...(typeof m?.options?.memoryBudgetMB === 'number' ? { effectiveBudgetMB: m.options.memoryBudgetMB } : {}),
        medianMs: m?.medianMs,
        tfPeakBytes: m?.tfPeakBytes,
        rssRiseBytes: m?.rssRiseBytes,
        gradientPath: m?.gradientPath,
        maxRssBytes: out.result?.maxRssBytes,
        ...(m?.error || out.error ? { error: m?.error ?? out.error } : {}),
      };
    });
}

function runTorch(flags: BenchFlags, torchVersion: string | undefined): TorchRun[] {
  return MODELS.filter((m) => selected(flags.only, m.id, m.title, 'torch', 'integrated-gradients')).map((m) => {
    if ('skip' in m.torch) return { model: m.id, skip: m.torch.skip };
    if (!torchVersion) return { model: m.id, skip: `${PYTHON} cannot import torch` };
    const reps = flags.quick ? (m.heavy ? 1 : 3) : m.heavy ? 2 : 15;
    const out = runChild<Record<string, unknown>>(PYTHON, [
      join(REPO, 'bench/torch_ig.py'), '--model', m.torch.model, '--steps', '50', '--threads', '2', '--reps', String(reps),
      '--warmup', m.heavy ? '1' : '3',
    ]);
    // torch_ig.py prints plain JSON (no BENCH_RESULT prefix).
    return { model: m.id, ...(out.error ? { error: out.error } : {}), ...(out.result ?? {}) };
  });
}

function runResponsiveness(flags: BenchFlags): Responsiveness {
  const out: Responsiveness = { errors: [] };
  const many = <T extends Record<string, number | string>>(what: string, runs: number): T | undefined => {
    const results: T[] = [];
    for (let i = 0; i < runs; i++) {
      const r = tsx('responsiveness.ts', what) as ChildOutcome<T>;
      if (r.result) results.push(r.result);
      else out.errors.push(`${what}: ${r.error}`);
    }
    if (!results.length) return undefined;
    // Medians of every numeric field.
    const merged = { ...results[0] } as Record<string, number | string>;
    for (const k of Object.keys(merged)) {
      if (typeof merged[k] === 'number') merged[k] = median(results.map((r) => r[k] as number));
    }
    return { ...merged, runs: results.length } as unknown as T;
  };
  if (selected(flags.only, 'responsiveness', 'activation')) out.activation = many('activate', flags.quick ? 1 : 5);
  if (selected(flags.only, 'responsiveness', 'coldstart', 'cold start')) out.coldStart = many('coldstart', flags.quick ? 1 : 3);
  if (selected(flags.only, 'responsiveness', 'decorations')) out.decorations = many('decorations', 1);
  return out;
}

// ---------------------------------------------------------------- main

const USAGE = `usage: node --import tsx bench/index.ts [--quick] [--only <regex>] [--json <file>] [--markdown <file>] [--no-stock]`;

function main(): void {
  let flags: BenchFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const m = machine();
  console.log(`Attribution Lens benchmarks${flags.quick ? ' (--quick)' : ''} — ${m.date}`);
  console.log(`machine: ${m.nproc} × ${m.cpuModel}, ${m.memory}; node ${m.node}; torch ${m.torch ?? 'not available'}; load average ${m.loadAverage.join(' ')}\n`);
  const tables: Table[] = [];
  const print = (t: Table) => {
    tables.push(t);
    console.log(`${t.title}\n${buildTable(t.columns, t.rows)}`);
    for (const n of t.notes ?? []) console.log(`  ${n}`);
    console.log('');
  };

  let kernels: KernelReport | undefined;
  let kernelError: string | undefined;
  const kernelNames = ['kernels', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'BatchMatMul', 'MaxPoolGrad', 'AvgPoolGrad', 'FusedBatchNorm', 'Tile', 'Slice', 'Identity', 'UnsortedSegmentSum', 'AttributionLens'];
  if (selected(flags.only, ...kernelNames)) {
    process.stderr.write('kernels…\n');
    const onlyKernels = flags.only && !flags.only.test('kernels') ? [`--only=${flags.only.source}`] : [];
    const out = tsx('kernels.ts', '--emit', ...(flags.quick ? ['--quick'] : []), ...onlyKernels) as ChildOutcome<KernelReport>;
    kernels = out.result;
    kernelError = out.error;
    if (kernels) {
      console.log(`tfjs ${kernels.tfjs}, wasm (${kernels.simd ? 'SIMD' : 'no SIMD'}, ${kernels.threads} thread(s)); overridden: ${kernels.overridden.join(', ')}; added: ${kernels.added.join(', ')}\n`);
      print(kernelTable(kernels));
      print(gradientTable(kernels));
    } else console.log(`kernels: ${kernelError}\n`);
  }

  process.stderr.write('models…\n');
  const runs = MODELS.filter((model) => methodsFor(model, flags).length > 0).map((model) => runModel(model, flags));
  if (runs.length) print(modelTable(runs));

  process.stderr.write('memory vs steps…\n');
  const memory = runMemory(flags);
  if (memory.length) print(memoryTable(memory));

  process.stderr.write('PyTorch…\n');
  const torch = runTorch(flags, m.torch);
  if (torch.length) print(torchTable(torch, runs));

  process.stderr.write('responsiveness…\n');
  const resp = runResponsiveness(flags);
  if (resp.activation || resp.coldStart || resp.decorations || resp.errors.length) print(responsivenessTable(resp));

  print(targets(kernels, runs, torch, memory, resp));
  const totalMs = performance.now() - started;
  console.log(`total ${formatMs(totalMs)}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  if (flags.json) {
    const json = {
      machine: m,
      flags: { quick: flags.quick, only: flags.only?.source, noStock: flags.noStock },
      totalMs,
      kernels: kernels ?? { error: kernelError },
      models: runs.map((r) => ({ id: r.model.id, title: r.model.title, format: r.model.format, ours: r.ours.result ?? { error: r.ours.error }, stock: r.stock ? (r.stock.result ?? { error: r.stock.error }) : undefined })),
      memory,
      torch,
      responsiveness: resp,
      tables: tables.map((t) => ({ title: t.title, columns: t.columns.map((c) => c.title), rows: t.rows })),
    };
    writeFileSync(flags.json, JSON.stringify(json, null, 2) + '\n');
  }
  if (flags.markdown) {
    const md = [
      `Run ${m.date}${flags.quick ? ' (--quick)' : ''}: ${m.nproc} × ${m.cpuModel}, node ${m.node}, torch ${m.torch ?? 'n/a'}, load average at start ${m.loadAverage.join(' ')}, total ${formatMs(totalMs)}.`,
      ...tables.map((t) => `#### ${t.title}\n\n${buildMarkdownTable(t.columns, t.rows)}${t.notes ? `\n\n${t.notes.map((n) => `- ${n}`).join('\n')}` : ''}`),
    ].join('\n\n');
    writeFileSync(flags.markdown, md + '\n');
  }
}

main();
