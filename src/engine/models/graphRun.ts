// Captures and replaces named nodes of a TF.js GraphModel. tfjs-converter's execute() takes any node as an output
// (capture) and any node as a fed input (replace: the graph is then cut at that node), and runs tfjs ops, so the
// output stays differentiable w.r.t. a fed node. Node names are the graph's own (as `info` lists them).
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';
import type { IntermediateInfo, RunOptions } from './types';

/** Ops whose "output" is a parameter or the input itself, not an activation. */
const NOT_ACTIVATIONS = new Set(['Const', 'Placeholder', 'NoOp']);

export interface GraphRunner {
  /** Node names that can be captured or replaced, in graph order, with op types. */
  nodes: { name: string; type: string }[];
  run(x: tf.Tensor, options: RunOptions): { output: tf.Tensor; captured: Record<string, tf.Tensor> };
}

export function graphRunner(
  model: tf.GraphModel,
  nodes: { name: string; type: string }[],
  inputName: string,
  outputName: string,
  cast: (x: tf.Tensor) => tf.Tensor,
  file: string,
): GraphRunner {
  const activations = nodes.filter((n) => !NOT_ACTIVATIONS.has(n.type) && n.name !== inputName);
  const known = new Set(activations.map((n) => n.name));
  const check = (names: string[], what: string) => {
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) {
      const list = activations.map((n) => n.name);
      const shown = list.length > 40 ? `${list.slice(0, 40).join(', ')}, … (${list.length} nodes)` : list.join(', ');
      throw new EngineError('OPTION_INVALID', `unknown node ${unknown.map((n) => `'${n}'`).join(', ')} to ${what}; nodes are: ${shown}`, file);
    }
  };
  return {
    nodes: activations,
    run(x, options) {
      const capture = options.capture ?? [];
      const replace = options.replace ?? {};
      check(capture, 'capture');
      check(Object.keys(replace), 'replace');
      return tf.tidy(() => {
        const feeds: tf.NamedTensorMap = { [inputName]: cast(x), ...replace };
        const wanted = [outputName, ...capture.filter((n) => n !== outputName)];
        let results: tf.Tensor[];
        try {
          const out = model.execute(feeds, wanted);
          results = Array.isArray(out) ? out : [out];
        } catch (e) {
          throw new EngineError('UNSUPPORTED', `cannot run the graph with nodes ${Object.keys(replace).join(', ') || '(none)'} replaced: ${(e as Error).message}`, file);
        }
        const byName = new Map(wanted.map((n, i) => [n, results[i]]));
        const captured: Record<string, tf.Tensor> = {};
        for (const name of capture) captured[name] = byName.get(name)!;
        return { output: byName.get(outputName)!, captured };
      });
    },
  };
}

/** Shapes of the graph's nodes, measured by one run on `probe` (graph models rarely declare them). */
export function measureGraphNodes(runner: GraphRunner, probe: tf.Tensor): IntermediateInfo[] {
  const { output, captured } = runner.run(probe, { capture: runner.nodes.map((n) => n.name) });
  try {
    return runner.nodes.filter((n) => captured[n.name]).map((n) => ({ name: n.name, type: n.type, shape: captured[n.name].shape.slice(1) }));
  } finally {
    tf.dispose([output, ...Object.values(captured)]);
  }
}
