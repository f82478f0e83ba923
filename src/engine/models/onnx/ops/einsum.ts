// Einsum as transposes, reshapes, sums and batched matMuls (tfjs's own einsum has no gradient): operands are
// contracted pairwise, left to right. Ellipsis ('...') and implicit outputs are supported; a letter repeated within
// one operand (a diagonal, 'ii->i') is not.
import * as tf from '@tensorflow/tfjs';
import { broadcastShapes } from './hostArray';
import type { OpDef, OpTable } from './types';

interface Term {
  t: tf.Tensor;
  /** One label per axis. */
  labels: string[];
}

/** Labels for the axes an ellipsis stands for: private characters, right-aligned across operands. */
const ellipsisLabel = (i: number) => String.fromCharCode(0x100 + i);

export function parseEquation(equation: string, ranks: number[]): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, undefined];
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw new Error(`equation '${equation}' has ${terms.length} operands, the node ${ranks.length}`);
  const letters = (s: string) => {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(s)) throw new Error(`cannot parse einsum term '${s}'`);
    return s;
  };
  const ellipsisRank = Math.max(0, ...terms.map((s, i) => (s.includes('...') ? ranks[i] - (letters(s).length - 3) : 0)));
  const expand = (s: string, rank?: number): string[] => {
    letters(s);
    if (!s.includes('...')) {
      if (rank !== undefined && s.length !== rank) throw new Error(`einsum term '${s}' does not fit an operand of rank ${rank}`);
      return s.split('');
    }
    const [before, after] = s.split('...');
    const n = rank === undefined ? ellipsisRank : rank - before.length - after.length;
    if (n < 0) throw new Error(`einsum term '${s}' does not fit an operand of rank ${rank}`);
    const dots = Array.from({ length: n }, (_, k) => ellipsisLabel(ellipsisRank - n + k));
    return [...before.split(''), ...dots, ...after.split('')];
  };
  const inputs = terms.map((s, i) => expand(s, ranks[i]));
  let output: string[];
  if (rhs !== undefined) {
    output = expand(rhs);
  } else {
    // Implicit output: ellipsis axes, then the letters used exactly once, in alphabetical order.
    const counts = new Map<string, number>();
    inputs.flat().forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
    const dots = Array.from({ length: ellipsisRank }, (_, k) => ellipsisLabel(k));
    output = [...dots, ...[...counts.keys()].filter((l) => l.charCodeAt(0) < 0x100 && counts.get(l) === 1).sort()];
  }
  for (const labels of inputs) {
    if (new Set(labels).size !== labels.length) throw new Error(`einsum term with a repeated index (a diagonal) is not supported: '${equation}'`);
  }
  return { inputs, output };
}

/** Sums away the axes whose labels are not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const drop = term.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (!drop.length) return term;
  return { t: tf.sum(term.t, drop), labels: term.labels.filter((l) => keep.has(l)) };
}

function permute(term: Term, order: string[]): tf.Tensor {
  const perm = order.map((l) => term.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? term.t : tf.transpose(term.t, perm);
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Contracts two terms, keeping the labels in `keep`: batch (shared, kept), contracted (shared, dropped), free. */
function contract(a: Term, b: Term, keep: Set<string>): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = a.labels.filter((l) => !inB.has(l));
  const freeB = b.labels.filter((l) => !inA.has(l));
  const dimA = (l: string) => a.t.shape[a.labels.indexOf(l)];
  const dimB = (l: string) => b.t.shape[b.labels.indexOf(l)];
  // Shared axes may broadcast (size 1 against n).
  const batchDims = broadcastShapes(batch.map(dimA), batch.map(dimB));
  if (!batchDims) throw new Error('einsum operands do not broadcast');
  const summedDims = summed.map((l) => Math.max(dimA(l), dimB(l)));
  const fit = (t: tf.Tensor, shape: number[]) => (t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape));
  const ta = fit(permute(a, [...batch, ...freeA, ...summed]), [...batchDims, ...freeA.map(dimA), ...summedDims]);
  const tb = fit(permute(b, [...batch, ...summed, ...freeB]), [...batchDims, ...summedDims, ...freeB.map(dimB)]);
  const m = sizeOf(freeA.map(dimA));
  const k = sizeOf(summedDims);
  const n = sizeOf(freeB.map(dimB));
  const nb = sizeOf(batchDims);
  const y = tf.matMul(tf.reshape(ta, [nb, m, k]) as tf.Tensor3D, tf.reshape(tb, [nb, k, n]) as tf.Tensor3D);
  return { t: tf.reshape(y, [...batchDims, ...freeA.map(dimA), ...freeB.map(dimB)]), labels: [...batch, ...freeA, ...freeB] };
}

export function einsum(equation: string, operands: tf.Tensor[]): tf.Tensor {
  const { inputs, output } = parseEquation(equation, operands.map((t) => t.rank));
  const terms: Term[] = operands.map((t, i) => ({ t: t.dtype === 'float32' ? t : tf.cast(t, 'float32'), labels: inputs[i] }));
  const needed = (from: number) => new Set([...output, ...terms.slice(from).flatMap((t) => t.labels)]);
  // Labels no other operand or the output uses are summed away first.
  let acc = sumOut(terms[0], needed(1));
  for (let i = 1; i < terms.length; i++) {
    const keep = needed(i + 1);
    const next = sumOut(terms[i], new Set([...keep, ...acc.labels]));
    acc = contract(sumOut(acc, new Set([...keep, ...next.labels])), next, keep);
  }
  acc = sumOut(acc, new Set(output));
  const missing = output.find((l) => !acc.labels.includes(l));
  if (missing) throw new Error(`einsum output index '${missing}' appears in no operand`);
  const y = permute(acc, output);
  return y === acc.t && terms.length === 1 && y === terms[0].t ? tf.clone(y) : y;
}

export const einsumOps: OpTable = {
  Einsum: {
    run(ctx) {
      const equation = ctx.attrs.string('equation') ?? ctx.fail('has no equation');
      const operands = Array.from({ length: ctx.count }, (_, i) => ctx.tensor(i));
      try {
        return [einsum(equation, operands)];
      } catch (e) {
        return ctx.fail((e as Error).message);
      }
    },
  } satisfies OpDef,
};
