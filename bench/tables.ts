// The suite's tables: pure functions from measurements to rows (no timing, no processes), so
// test/unit/bench/benchSmoke.test.ts can check them. bench/index.ts prints them and writes them as Markdown.
import type { KernelReport } from './kernels';
import { formatBytes, formatMs, formatRate, formatRatio, timeRatio, type Column } from './lib';
import type { WorkerResult } from './modelWorker';
import { MAIN_METHODS, NOT_RUN, type ModelCase } from './models';

/**
 * Steps from which IG fills whole batches, so memory must stop growing: the engine's largest native batch (128 rows,
 * NATIVE_BATCH_SIZE in src/engine/explain.ts; the memory budget may make batches smaller, never larger).
 */
export const FULL_BATCH_STEPS = 128;

export interface ChildOutcome<T> {
  result?: T;
  error?: string;
  wallMs: number;
}

export interface ModelRun {
  model: ModelCase;
  ours: ChildOutcome<WorkerResult>;
  stock?: ChildOutcome<WorkerResult>;
}

export interface MemoryRun {
  model: string;
  steps: number;
  memoryBudgetMB?: number;
  /** The budget explain() reported in its resolved options, when it reports one. */
  effectiveBudgetMB?: number;
  medianMs?: number;
  tfPeakBytes?: number;
  /** Largest rise of resident memory during the run (native buffers included). */
  rssRiseBytes?: number;
  gradientPath?: string;
  maxRssBytes?: number;
  error?: string;
}

export interface TorchRun {
  model: string;
  samplesMs?: number[];
  skip?: string;
  medianMs?: number;
  minMs?: number;
  perStepMs?: number;
  threads?: number;
  scores?: number[];
  referenceMaxAbsDiff?: number | null;
  error?: string;
}

export interface Responsiveness {
  activation?: { totalMs: number; requireMs: number; activateMs: number; engineModulesLoaded: number; bundleBytes: number; runs: number };
  coldStart?: { firstMs: number; firstLoadMs: number; firstAttributeMs: number; secondMs: number; backend: string; runs: number };
  decorations?: Record<string, number>;
  errors: string[];
}


const R: Column['align'] = 'right';

export interface Table {
  title: string;
  columns: Column[];
  rows: string[][];
  notes?: string[];
}

/** checks.gradientPath, short: 'ORT', 'ORT (from TF.js)', 'tfjs', 'tfjs (threads)'; '' for methods without one. */
export function gradientPathCell(path: string | undefined): string {
  if (!path) return '';
  return path.replace('onnxruntime', 'ORT').replace('translated from TF.js', 'from TF.js').replace('worker threads', 'threads');
}

export function modelTable(runs: ModelRun[]): Table {
  const columns: Column[] = [
    { title: 'model' }, { title: 'fmt' }, { title: 'method' }, { title: 'median', align: R }, { title: 'min', align: R },
    { title: 'attribute', align: R }, { title: 'ex/s', align: R }, { title: 'runs', align: R }, { title: 'peak RSS', align: R }, { title: 'tf peak', align: R },
    { title: 'backend' }, { title: 'gradients' }, { title: 'stock median', align: R }, { title: 'speed-up', align: R },
  ];
  const rows: string[][] = [];
  const short = (cells: string[]) => [...cells, ...new Array<string>(columns.length - cells.length).fill('')];
  for (const run of runs) {
    const o = run.ours.result;
    const s = run.stock?.result;
    const backend = o ? `${o.backend}${o.simd ? ' simd' : ''}${o.threads ? ` ${o.threads}t` : ''}` : '—';
    for (const method of MAIN_METHODS) {
      if (method === 'grad-cam' && !run.model.hasConv) continue;
      const m = o?.methods.find((x) => x.method === method);
      const base = [run.model.id, run.model.format, m?.ranAs ? `${method} (as ${m.ranAs})` : method];
      if (NOT_RUN[method]) {
        rows.push(short([...base, NOT_RUN[method]!]));
        continue;
      }
      if (!m) {
        if (!o && run.ours.error) rows.push(short([...base, `error: ${run.ours.error}`.slice(0, 60)]));
        continue;
      }
      if (m.error) {
        rows.push(short([...base, `error: ${m.error}`.slice(0, 60)]));
        continue;
      }
      const sm = s?.methods.find((x) => x.method === method);
      const stockCell = run.stock === undefined ? 'not run' : sm?.medianMs !== undefined ? formatMs(sm.medianMs) : `fails: ${(sm?.error ?? run.stock.error ?? 'no result').slice(0, 40)}`;
      rows.push([
        ...base,
        formatMs(m.medianMs),
        formatMs(m.minMs),
        formatMs(m.attributeMs),
        formatRate(1000 / (m.medianMs ?? NaN)),
        String(m.samplesMs?.length ?? 0),
        formatBytes(o!.maxRssBytes),
        formatBytes(m.tfPeakBytes),
        backend,
        gradientPathCell(m.gradientPath),
        stockCell,
        formatRatio(timeRatio(sm?.medianMs, m.medianMs)),
      ]);
    }
  }
  return {
    title: 'Models × methods (explain() wall time per example, model loaded; ours = engine wasm kernels)',
    columns,
    rows,
    notes: [
      'median, min: wall time of explain() (input preparation, prediction, attribution); attribute: explain()\'s own timing of the attribution step (median).',
      'peak RSS: process.resourceUsage().maxRSS of the fresh process that ran all of that model\'s methods (ours variant).',
      'tf peak: tf.profile() peakBytes during the method\'s first run (tensors tfjs tracks, weights included).',
      'gradients: what computed the input gradients (checks.gradientPath): ORT = a backward graph run by ONNX Runtime (TF.js models: translated to ONNX first), tfjs = tfjs on wasm (threads: split across worker threads).',
      'speed-up: stock median / ours median, stock = tfjs-backend-wasm 4.22 kernels restored in a separate process, tfjs gradients, one thread.',
    ],
  };
}

export function kernelTable(report: KernelReport): Table {
  return {
    title: 'Kernels: ours vs the stock wasm kernel (or cpu where wasm has none), ms',
    columns: [
      { title: 'kernel' }, { title: 'shape' }, { title: 'reference' }, { title: 'ref median', align: R }, { title: 'ours median', align: R },
      { title: 'ref min', align: R }, { title: 'ours min', align: R }, { title: 'speed-up', align: R },
    ],
    rows: report.kernels.map((k) => [k.kernel, k.shape, k.reference, k.refMedianMs.toFixed(2), k.oursMedianMs.toFixed(2), k.refMinMs.toFixed(2), k.oursMinMs.toFixed(2), formatRatio(k.speedup)]),
  };
}

export function gradientTable(report: KernelReport): Table {
  return {
    title: 'Whole input gradients on wasm (bench/kernels.ts)',
    columns: [{ title: 'model' }, { title: 'params', align: R }, { title: 'batch', align: R }, { title: 'gradient median', align: R }, { title: 'per example', align: R }, { title: 'forward median', align: R }],
    rows: report.gradients.map((g) => [g.model, String(g.params), String(g.batch), formatMs(g.gradMedianMs), formatMs(g.perExampleMs), formatMs(g.forwardMedianMs)]),
  };
}

export function memoryTable(runs: MemoryRun[]): Table {
  const budget = (r: MemoryRun) => (r.memoryBudgetMB ? String(r.memoryBudgetMB) : r.effectiveBudgetMB ? `${r.effectiveBudgetMB} (default)` : 'default');
  return {
    title: 'Integrated gradients: memory vs steps (one fresh process per row)',
    columns: [
      { title: 'model' }, { title: 'steps', align: R }, { title: 'memoryBudgetMB', align: R }, { title: 'gradients' }, { title: 'time', align: R },
      { title: 'tf peak', align: R }, { title: 'RSS rise', align: R }, { title: 'peak RSS', align: R }, { title: 'note' },
    ],
    rows: runs.map((r) => [
      r.model,
      String(r.steps),
      budget(r),
      gradientPathCell(r.gradientPath),
      formatMs(r.medianMs),
      formatBytes(r.tfPeakBytes),
      formatBytes(r.rssRiseBytes),
      formatBytes(r.maxRssBytes),
      r.error ? `error: ${r.error}`.slice(0, 60) : '',
    ]),
    notes: [
      'time: one run, model loaded and its fast path prepared. tf peak: tf.profile() peakBytes (tensors tfjs tracks, weights included).',
      'RSS rise: the largest rise of resident memory during the run over its level before (sampled every 2 ms): what ONNX Runtime allocates, which tf peak cannot see. peak RSS: the process\'s maxRSS (model loading and the fast path\'s one-time check included).',
    ],
  };
}

export function torchTable(torch: TorchRun[], runs: ModelRun[]): Table {
  const columns: Column[] = [
    { title: 'model' }, { title: 'ours explain()', align: R }, { title: 'ours attribute', align: R }, { title: 'torch', align: R },
    { title: 'torch median/min', align: R },
    { title: 'attribute/torch', align: R }, { title: 'explain()/torch', align: R }, { title: 'min/min', align: R },
    { title: 'ours per step', align: R }, { title: 'torch per step', align: R }, { title: 'max |Δ score|', align: R },
  ];
  const rows = torch.map((t) => {
    const ours = runs.find((r) => r.model.id === t.model)?.ours.result?.methods.find((m) => m.method === 'integrated-gradients');
    if (t.skip || t.error) return [t.model, t.skip ? `skipped: ${t.skip}` : `error: ${t.error}`.slice(0, 60), ...new Array<string>(columns.length - 2).fill('')];
    const same = ours?.scores && t.scores ? Math.max(...t.scores.map((s, i) => Math.abs(s - (ours.scores![i] ?? NaN)))) : undefined;
    return [
      t.model,
      formatMs(ours?.medianMs),
      formatMs(ours?.attributeMs),
      formatMs(t.medianMs),
      `${formatRatio(timeRatio(t.medianMs, t.minMs))}${torchNoisy(t) ? ' noisy' : ''}`,
      formatRatio(timeRatio(ours?.attributeMs, t.medianMs)),
      formatRatio(timeRatio(ours?.medianMs, t.medianMs)),
      formatRatio(timeRatio(ours?.minMs, t.minMs)),
      formatMs(ours?.attributeMs !== undefined ? ours.attributeMs / 50 : undefined),
      formatMs(t.perStepMs),
      same === undefined || !Number.isFinite(same) ? '—' : same.toExponential(1),
    ];
  });
  return {
    title: 'Integrated gradients, 50 steps Gauss–Legendre: ours (wasm) vs PyTorch autograd (2 threads)',
    columns,
    rows,
    notes: [
      'torch: one IG = the 50 interpolated inputs as one batch, one forward and one backward pass (median).',
      'attribute/torch compares like with like (the IG computation); explain()/torch adds our input preparation and prediction. < 1: we are faster.',
      `torch median/min: the spread of PyTorch's runs; above ${NOISY_SPREAD}× ("noisy") other work on the machine was slowing it down and its ratios are not trustworthy.`,
      'max |Δ score|: the two models\' outputs on the same input (same weights → ~1e-7).',
    ],
  };
}

/** PyTorch's 2-thread timings suffer most from other load: a median this far above the minimum marks a disturbed run. */
export const NOISY_SPREAD = 1.5;

export function torchNoisy(t: TorchRun): boolean {
  return t.medianMs !== undefined && t.minMs !== undefined && t.medianMs > NOISY_SPREAD * t.minMs;
}

export function responsivenessTable(r: Responsiveness): Table {
  const rows: string[][] = [];
  if (r.activation) {
    rows.push(['activation: require dist/extension.js + activate()', formatMs(r.activation.totalMs), `require ${formatMs(r.activation.requireMs)}, activate ${formatMs(r.activation.activateMs)}; engine modules loaded: ${r.activation.engineModulesLoaded}; bundle ${formatBytes(r.activation.bundleBytes)}; median of ${r.activation.runs}`]);
  }
  if (r.coldStart) {
    rows.push(['first explanation, fresh engine process (demo: credit-risk IG 50)', formatMs(r.coldStart.firstMs), `model load ${formatMs(r.coldStart.firstLoadMs)}, attribution ${formatMs(r.coldStart.firstAttributeMs)}; second request ${formatMs(r.coldStart.secondMs)}; ${r.coldStart.backend}; median of ${r.coldStart.runs}`]);
  }
  const d = r.decorations;
  if (d) {
    rows.push([`parse ${d.lines}-line JSONL dataset (${formatBytes(d.bytes)})`, formatMs(d.parseMs), `${d.examples} examples`]);
    rows.push(['choose lenses (visible first)', formatMs(d.lensChoiceMs), `${d.lenses} lenses`]);
    rows.push([`decorations, visible range (${d.visibleExamples} examples)`, formatMs(d.decorateVisibleMs), `${d.visibleTokens} token decorations`]);
    rows.push([`decorations, all ${d.examples} examples`, formatMs(d.decorateAllMs), `${d.allTokens} token decorations`]);
  }
  for (const e of r.errors) rows.push(['error', '', e]);
  return { title: 'Responsiveness', columns: [{ title: 'what' }, { title: 'time', align: R }, { title: 'detail' }], rows };
}

export interface Target {
  target: string;
  measured: string;
  met: 'yes' | 'no' | 'n/a';
}

export function targets(kernels: KernelReport | undefined, runs: ModelRun[], torch: TorchRun[], memory: MemoryRun[], resp: Responsiveness): Table {
  const t: Target[] = [];
  const igOf = (id: string) => runs.find((r) => r.model.id === id)?.ours.result?.methods.find((m) => m.method === 'integrated-gradients');
  const torchOf = (id: string) => torch.find((x) => x.model === id && x.medianMs !== undefined);
  for (const id of ['cnn-tfjs', 'cnn-onnx']) {
    const ratio = timeRatio(igOf(id)?.attributeMs, torchOf(id)?.medianMs);
    const e2e = timeRatio(igOf(id)?.medianMs, torchOf(id)?.medianMs);
    const noisy = torchOf(id) !== undefined && torchNoisy(torchOf(id)!);
    t.push({
      target: `IG 50 GL on image CNN (${id}) ≤ 1.0 × PyTorch`,
      measured:
        ratio === undefined
          ? 'not measured'
          : `${formatRatio(ratio)} (attribution ${formatMs(igOf(id)?.attributeMs)} vs ${formatMs(torchOf(id)?.medianMs)}); whole explain() ${formatRatio(e2e)}${noisy ? '; PyTorch runs noisy, re-run on a quiet machine' : ''}`,
      met: ratio === undefined || noisy ? 'n/a' : ratio <= 1 ? 'yes' : 'no',
    });
  }
  {
    const ours = igOf('mobilenet-tfjs')?.attributeMs;
    const th = torchOf('mobilenet-tfjs')?.perStepMs;
    const ratio = timeRatio(ours !== undefined ? ours / 50 : undefined, th);
    const noisy = torchOf('mobilenet-tfjs') !== undefined && torchNoisy(torchOf('mobilenet-tfjs')!);
    t.push({
      target: 'MobileNetV2-class 224² IG per step ≤ PyTorch',
      measured: ratio === undefined ? 'not measured' : `${formatMs(ours! / 50)} vs ${formatMs(th)} per step (${formatRatio(ratio)})${noisy ? '; PyTorch runs noisy, re-run on a quiet machine' : ''}`,
      met: ratio === undefined || noisy ? 'n/a' : ratio <= 1 ? 'yes' : 'no',
    });
  }
  if (kernels) {
    const overridden = kernels.kernels.filter((k) => k.reference === 'stock wasm');
    const below = overridden.filter((k) => k.speedup < 5);
    t.push({
      target: 'overridden kernels ≥ 5× stock wasm on fixture shapes',
      measured: `${overridden.length - below.length}/${overridden.length} cases ≥ 5×; below: ${below.map((k) => `${k.kernel} ${k.shape} ${formatRatio(k.speedup)}`).join('; ') || 'none'}`,
      met: overridden.length === 0 ? 'n/a' : below.length === 0 ? 'yes' : 'no',
    });
  }
  // Once steps fill whole batches, more steps must not mean more memory. A run's memory: tfjs' tensor peak plus the
  // rise of resident memory (ONNX Runtime's buffers, which tfjs does not see) — an upper bound, as both may count
  // some of the same pages.
  const used = (m: MemoryRun) => (m.tfPeakBytes ?? 0) + (m.rssRiseBytes ?? 0);
  const shown = (m: MemoryRun) => `${formatBytes(used(m))}${m.rssRiseBytes !== undefined ? ` (tf ${formatBytes(m.tfPeakBytes)} + RSS rise ${formatBytes(m.rssRiseBytes)})` : ''}`;
  for (const model of [...new Set(memory.map((m) => m.model))]) {
    const rows = memory.filter((m) => m.model === model && !m.memoryBudgetMB && m.tfPeakBytes !== undefined);
    const full = rows.filter((m) => m.steps >= FULL_BATCH_STEPS);
    const peaks = full.map(used);
    if (full.length < 2) continue;
    // No growth: more steps (rows in step order) never take more than 1.25× the fewest steps that fill a batch.
    const flat = peaks.every((p) => p <= 1.25 * peaks[0]);
    t.push({ target: `IG peak memory independent of steps (${model}, default options)`, measured: rows.map((m) => `${m.steps} steps: ${shown(m)}`).join(', '), met: flat ? 'yes' : 'no' });
  }
  const budgeted = memory.filter((m) => m.memoryBudgetMB && m.tfPeakBytes !== undefined);
  for (const m of budgeted) {
    const unbudgeted = memory.find((x) => x.model === m.model && !x.memoryBudgetMB && x.steps >= m.steps);
    t.push({
      target: `IG peak bounded by the memory budget (${m.model}, ${m.steps} steps, memoryBudgetMB ${m.memoryBudgetMB})`,
      measured: `${shown(m)}${unbudgeted ? `; without budget ${formatBytes(used(unbudgeted))}` : ''}`,
      met: used(m) <= m.memoryBudgetMB! * 1024 * 1024 * 1.25 ? 'yes' : 'no',
    });
  }
  if (resp.activation) {
    t.push({ target: 'extension activation < 200 ms, engine lazy', measured: `${formatMs(resp.activation.totalMs)}, engine modules loaded at activation: ${resp.activation.engineModulesLoaded}`, met: resp.activation.totalMs < 200 && resp.activation.engineModulesLoaded === 0 ? 'yes' : 'no' });
  }
  return { title: 'Targets of the Performance issue', columns: [{ title: 'target' }, { title: 'measured' }, { title: 'met' }], rows: t.map((x) => [x.target, x.measured, x.met]) };
}

