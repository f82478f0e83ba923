// Topological order of the nodes: the file's own when it is one (ONNX requires it), else Kahn's algorithm; a cycle
// is reported, not looped on.
import { onnxError } from './errors';
import type { OnnxGraph, OnnxNode } from './graph';

export function sortNodes(g: OnnxGraph, file: string): OnnxNode[] {
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  // Files are normally sorted already: keep their order (it is the order people read the model in).
  const sorted = g.nodes.every((n, i) => n.inputs.every((input) => !input || (producer.get(input) ?? -1) < i));
  if (sorted) return g.nodes;
  const consumers: number[][] = g.nodes.map(() => []);
  const pending = g.nodes.map((n, i) => {
    const deps = new Set<number>();
    for (const input of n.inputs) {
      const p = input ? producer.get(input) : undefined;
      if (p !== undefined) deps.add(p);
    }
    for (const p of deps) consumers[p].push(i);
    return deps.size;
  });
  // A FIFO of ready nodes keeps file order for already-sorted files (the usual case).
  const ready: number[] = [];
  pending.forEach((d, i) => d === 0 && ready.push(i));
  const order: OnnxNode[] = [];
  let head = 0;
  while (head < ready.length) {
    const i = ready[head++];
    order.push(g.nodes[i]);
    for (const c of consumers[i]) if (--pending[c] === 0) ready.push(c);
  }
  if (order.length < g.nodes.length) {
    const stuck = g.nodes.filter((_, i) => pending[i] > 0);
    const names = stuck.slice(0, 5).map((n) => `'${n.name}' (${n.opType})`);
    const more = stuck.length > 5 ? ` and ${stuck.length - 5} more` : '';
    throw onnxError('MODEL_INVALID', `the graph has a cycle: nodes ${names.join(', ')}${more} depend on each other`, file);
  }
  return order;
}
