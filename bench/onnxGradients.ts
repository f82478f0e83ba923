// Input-gradient time per input, tfjs path vs ONNX Runtime path (src/engine/models/onnx/gradient/), on the cnn2d
// fixture and on a MobileNetV2 ONNX export (bench/make_mobilenet_onnx.py, cached outside the repository), with
// PyTorch's own input gradient on the same MobileNetV2 for the ratio when Debian's python3-torchvision is installed.
// Measured, not asserted:
//
//   node --import tsx bench/onnxGradients.ts [--batch 16] [--reps 3] [--no-torch] [--no-tfjs] [--backend wasm]
//
// --batch is MobileNetV2's batch (PyTorch is timed at the same batch); cnn2d runs at 50, all of a 50-step IG.
//
// Each figure is the median over reps (after one warm-up batch, which also builds the gradient session) of one
// batch's gradient divided by the batch size: what one integrated-gradients step costs per interpolated input.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/engine/backend';
import { targetGradient } from '../src/engine/methods/gradient/targetGradient';
import { loadModel } from '../src/engine/models';
import type { ExplainableModel } from '../src/engine/models/types';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const BATCH = Number(option('--batch', '16'));
const REPS = Number(option('--reps', '3'));
/** cnn2d at the batch PyTorch's IG reference uses: all 50 steps at once. */
const CNN_BATCH = 50;
const CACHE = join(homedir(), '.cache', 'attribution-lens-bench');
const REPO = join(__dirname, '..');

/** max |ours − ref| / max |ref|. */
function strictError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Median and minimum wall time (ms) over reps; the minimum is the least disturbed by other load on the machine. */
async function timeIt(reps: number, work: () => Promise<void>): Promise<{ median: number; min: number }> {
  await work(); // warm-up (kernels, uploaded weights, the gradient session)
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { median: median(times), min: Math.min(...times) };
}

const perInput = (t: { median: number; min: number }, batch: number) => ({ median: t.median / batch, min: t.min / batch });
type Timing = { median: number; min: number };

interface Row {
  model: string;
  tfjsMs?: Timing;
  ortMs?: Timing;
  torchMs?: Timing;
  /** Relative gradient difference ORT vs tfjs: median row, worst row. */
  parity?: [number, number];
  note?: string;
}

async function measure(name: string, path: string, reps: number, batch: number): Promise<Row> {
  const model: ExplainableModel = await loadModel(path);
  const row: Row = { model: name };
  try {
    const x = tf.randomUniform([batch, ...model.inputShape], -1, 1, 'float32', 7);
    const target = Math.min(1, model.outputSize - 1);
    const first = await model.gradientsFast?.(x, target);
    if (!first) row.note = 'no ONNX Runtime gradient (fell back)';
    else {
      row.ortMs = perInput(
        await timeIt(reps, async () => {
          (await model.gradientsFast!(x, target))!.dispose();
        }),
        batch,
      );
    }
    if (!flag('--no-tfjs')) {
      try {
        row.tfjsMs = perInput(
          await timeIt(reps, async () => {
            const g = targetGradient(model, x, target);
            await g.data();
            g.dispose();
          }),
          batch,
        );
        if (first) {
          const ref = targetGradient(model, x, target);
          // Per row: float32 rounding can flip a ReLU6 mask near 0 in either path (seen on the randomly initialised
          // MobileNetV2 against float64 PyTorch, in both paths alike), so the median row is shown beside the worst.
          const [ours, theirs] = [await first.data(), await ref.data()];
          const size = ours.length / batch;
          const errors = Array.from({ length: batch }, (_, r) => strictError(ours.subarray(r * size, (r + 1) * size), theirs.subarray(r * size, (r + 1) * size)));
          row.parity = [median(errors), Math.max(...errors)];
          ref.dispose();
        }
      } catch (e) {
        row.note = `tfjs: ${(e as Error).message.split('\n')[0].slice(0, 120)}`;
      }
    }
    first?.dispose();
    x.dispose();
  } finally {
    model.dispose();
  }
  return row;
}

/** PyTorch's integrated gradients on the cnn2d fixture (bench/torch_ig.py, another helper's script): per step. */
function torchCnn(): Timing | undefined {
  const steps = 50;
  const r = spawnSync('/usr/bin/python3', [join(REPO, 'bench', 'torch_ig.py'), '--model', 'cnn-onnx', '--steps', String(steps), '--reps', '5', '--threads', '2'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { median: out.medianMs / steps, min: out.minMs / steps };
}

function torchMobilenet(): { path?: string; msPerInput?: Timing; note?: string } {
  const py = '/usr/bin/python3';
  const check = spawnSync(py, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (check.status !== 0) return { note: 'python3-torchvision is not installed (apt-get install -y python3-torchvision)' };
  const r = spawnSync(py, [join(REPO, 'bench', 'make_mobilenet_onnx.py'), '--out', CACHE, '--batch', String(BATCH), '--threads', '2', '--reps', String(REPS)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { note: `make_mobilenet_onnx.py failed: ${r.stderr.trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { path: out.onnx, msPerInput: { median: out.torchMsPerInput, min: out.torchMinMsPerInput } };
}

const one = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(1));
const fmt = (t: Timing | undefined) => (t === undefined ? '—' : `${one(t.median)} (min ${one(t.min)}) ms`);

async function main(): Promise<void> {
  const backend = await initBackend(option('--backend', 'wasm') as 'wasm');
  const rows: Row[] = [];
  const cnn = await measure('cnn2d.onnx (batch 50)', join(REPO, 'test/fixtures/onnx/cnn2d.onnx'), Math.max(REPS, 5), CNN_BATCH);
  if (!flag('--no-torch')) cnn.torchMs = torchCnn();
  rows.push(cnn);
  const torch = flag('--no-torch') ? { note: 'skipped (--no-torch)' } : torchMobilenet();
  const mobilenet = torch.path ?? join(CACHE, 'mobilenet_v2.onnx');
  if (existsSync(mobilenet)) {
    const row = await measure(`mobilenet_v2.onnx (224×224, batch ${BATCH})`, mobilenet, REPS, BATCH);
    row.torchMs = torch.msPerInput;
    if (torch.note) row.note = [row.note, torch.note].filter(Boolean).join('; ');
    rows.push(row);
  } else rows.push({ model: 'mobilenet_v2.onnx', note: torch.note ?? 'not exported' });

  console.log(`input gradient per input, median (min) of ${REPS} reps; PyTorch on cnn2d: IG per step, 50 steps in one batch (tfjs backend: ${String(backend)}; load average ${loadavg()[0].toFixed(2)})`);
  console.log(['model', 'tfjs', 'onnxruntime', 'speed-up', 'PyTorch (2 threads)', 'ORT / PyTorch', 'ORT vs tfjs rel. diff (median / worst row)', 'note'].join(' | '));
  for (const r of rows) {
    console.log(
      [
        r.model,
        fmt(r.tfjsMs),
        fmt(r.ortMs),
        r.tfjsMs && r.ortMs ? `${(r.tfjsMs.median / r.ortMs.median).toFixed(2)}×` : '—',
        fmt(r.torchMs),
        r.torchMs && r.ortMs ? `${(r.ortMs.median / r.torchMs.median).toFixed(2)} (min ${(r.ortMs.min / r.torchMs.min).toFixed(2)})` : '—',
        r.parity === undefined ? '—' : `${r.parity[0].toExponential(1)} / ${r.parity[1].toExponential(1)}`,
        r.note ?? '',
      ].join(' | '),
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
