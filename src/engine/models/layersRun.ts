// Runs a TF.js LayersModel layer by layer, so layer methods can read (capture) and substitute (replace) named
// intermediate outputs. It follows tfjs-layers' own executor (engine/executor.js): symbolic tensors in topological
// order, each node's layer applied to the concrete values of its inputs with training = false, masks propagated.
// A replaced output is used instead of the computed one, so the output is differentiable w.r.t. the replacement.
// Nested models (a Sequential or functional model used as a layer) are expanded: their layers are named
// `outer/inner`. A layer used at several nodes is named `name@k` for its k-th use (k from 0), and extra outputs
// of a multi-output layer `name#i`.
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';
import type { IntermediateInfo, RunOptions } from './types';

type Symbolic = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

/** One application of a layer (a node of the graph). */
export interface Step {
  layer: Layer;
  inputs: Symbolic[];
  outputs: Symbolic[];
  /** Names of the outputs, as capture/replace take them. */
  names: string[];
  /** The layer is itself a model: run its own plan (so its layers can be captured or replaced). */
  nested?: Plan;
}

export interface Plan {
  inputs: Symbolic[];
  outputs: Symbolic[];
  steps: Step[];
}

const isModel = (layer: Layer): layer is tf.LayersModel => layer instanceof tf.LayersModel;

/** The node of the model that made `t`: its inputs and all its outputs. */
function nodeOf(t: Symbolic): { inputs: Symbolic[]; outputs: Symbolic[] } {
  const node = (t.sourceLayer as unknown as { inboundNodes: { inputTensors: Symbolic[]; outputTensors: Symbolic[] }[] }).inboundNodes[
    t.nodeIndex
  ];
  if (node && node.outputTensors.some((o) => o.id === t.id)) return { inputs: node.inputTensors, outputs: node.outputTensors };
  return { inputs: t.inputs, outputs: [t] };
}

/** Nodes between the model's inputs and outputs in topological order (depth-first from the outputs). */
export function buildPlan(model: tf.LayersModel, prefix: string, file: string): Plan {
  const inputIds = new Set(model.inputs.map((t) => t.id));
  const stepByTensor = new Map<number, Step>();
  const steps: Step[] = [];
  const visiting = new Set<number>();
  const visit = (t: Symbolic) => {
    if (inputIds.has(t.id) || stepByTensor.has(t.id)) return;
    if (t.sourceLayer instanceof tf.layers.Layer && t.sourceLayer.getClassName() === 'InputLayer') {
      throw new EngineError('UNSUPPORTED', `input '${t.sourceLayer.name}' is not an input of the model`, file);
    }
    if (visiting.has(t.id)) throw new EngineError('UNSUPPORTED', `the layer graph has a cycle at '${t.sourceLayer.name}'`, file);
    visiting.add(t.id);
    const node = nodeOf(t);
    node.inputs.forEach(visit);
    const step: Step = { layer: t.sourceLayer, inputs: node.inputs, outputs: node.outputs, names: [] };
    node.outputs.forEach((o) => stepByTensor.set(o.id, step));
    steps.push(step);
    visiting.delete(t.id);
  };
  model.outputs.forEach(visit);

  // Names: the layer's name, made unique for shared layers and extra outputs.
  const uses = new Map<string, number>();
  for (const s of steps) uses.set(s.layer.name, (uses.get(s.layer.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const s of steps) {
    const k = seen.get(s.layer.name) ?? 0;
    seen.set(s.layer.name, k + 1);
    const base = prefix + s.layer.name + ((uses.get(s.layer.name) ?? 1) > 1 ? `@${k}` : '');
    s.names = s.outputs.map((_, i) => (i === 0 ? base : `${base}#${i}`));
    if (isModel(s.layer)) s.nested = buildPlan(s.layer, `${base}/`, file);
  }
  return { inputs: model.inputs, outputs: model.outputs, steps };
}

function describe(plan: Plan, into: IntermediateInfo[]): IntermediateInfo[] {
  for (const s of plan.steps) {
    if (s.nested) describe(s.nested, into);
    s.outputs.forEach((o, i) => into.push({ name: s.names[i], type: s.layer.getClassName(), shape: o.shape.slice(1) }));
  }
  return into;
}

interface Values {
  tensor: Map<number, tf.Tensor>;
  mask: Map<number, tf.Tensor | null>;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Steps whose outputs are needed for `wanted` names and the plan's outputs, not crossing replaced tensors. */
function neededSteps(plan: Plan, wanted: Set<string>, replace: Map<string, tf.Tensor>): Set<Step> {
  const producer = new Map<number, Step>();
  for (const s of plan.steps) s.outputs.forEach((o) => producer.set(o.id, s));
  const needed = new Set<Step>();
  const pull = (t: Symbolic) => {
    const s = producer.get(t.id);
    if (!s || needed.has(s)) return;
    const index = s.outputs.findIndex((o) => o.id === t.id);
    if (replace.has(s.names[index]) && !s.nested) {
      // Its value is given; the layer itself only runs if another of its outputs is needed.
      if (s.outputs.every((_, i) => replace.has(s.names[i]))) return;
    }
    needed.add(s);
    s.inputs.forEach(pull);
  };
  plan.outputs.forEach(pull);
  for (const s of plan.steps) {
    const wantsInside = s.nested !== undefined && [...wanted, ...replace.keys()].some((n) => n.startsWith(`${s.names[0]}/`));
    if (s.names.some((n) => wanted.has(n)) || wantsInside) {
      s.outputs.forEach(pull);
      if (!needed.has(s)) {
        needed.add(s);
        s.inputs.forEach(pull);
      }
    }
  }
  return needed;
}

function runPlan(
  plan: Plan,
  inputs: tf.Tensor[],
  inputMasks: (tf.Tensor | null)[],
  wanted: Set<string>,
  replace: Map<string, tf.Tensor>,
  captured: Record<string, tf.Tensor>,
): { outputs: tf.Tensor[]; masks: (tf.Tensor | null)[] } {
  const values: Values = { tensor: new Map(), mask: new Map() };
  plan.inputs.forEach((t, i) => {
    values.tensor.set(t.id, inputs[i].dtype === t.dtype || !t.dtype ? inputs[i] : tf.cast(inputs[i], t.dtype));
    values.mask.set(t.id, inputMasks[i] ?? null);
  });
  const needed = neededSteps(plan, wanted, replace);
  for (const step of plan.steps) {
    const allReplaced = !step.nested && step.names.every((n) => replace.has(n));
    if (!needed.has(step) && !allReplaced) continue;
    let outputs: tf.Tensor[] = [];
    let masks: (tf.Tensor | null)[] = step.outputs.map(() => null);
    if (!allReplaced) {
      const xs = step.inputs.map((t) => values.tensor.get(t.id)!);
      const ms = step.inputs.map((t) => values.mask.get(t.id) ?? null);
      if (step.nested) {
        ({ outputs, masks } = runPlan(step.nested, xs, ms, wanted, replace, captured));
      } else {
        const kwargs: Record<string, unknown> = { training: false };
        if (ms.some((m) => m !== null)) kwargs.mask = xs.length === 1 ? ms[0] : ms;
        const arg = xs.length === 1 ? xs[0] : xs;
        const out = step.layer.apply(arg, kwargs) as tf.Tensor | tf.Tensor[];
        outputs = Array.isArray(out) ? out : [out];
        if (step.layer.supportsMasking) {
          const m = step.layer.computeMask(arg, xs.length === 1 ? ms[0] ?? undefined : (ms as tf.Tensor[]));
          masks = step.outputs.map((_, i) => (Array.isArray(m) ? m[i] ?? null : m ?? null));
        }
      }
    }
    step.outputs.forEach((o, i) => {
      const name = step.names[i];
      let value = outputs[i];
      const given = replace.get(name);
      if (given) {
        if (value && !sameShape(value.shape, given.shape)) {
          throw new EngineError('INPUT_INVALID', `replacement for '${name}' has shape [${given.shape}] but the layer outputs [${value.shape}]`);
        }
        value = given;
      }
      values.tensor.set(o.id, value);
      values.mask.set(o.id, masks[i] ?? null);
      if (wanted.has(name)) captured[name] = value;
    });
  }
  return {
    outputs: plan.outputs.map((t) => values.tensor.get(t.id)!),
    masks: plan.outputs.map((t) => values.mask.get(t.id) ?? null),
  };
}

export interface LayersRunner {
  intermediates: IntermediateInfo[];
  /** Forward pass of a batch; `output` is the model's first output as computed (not reshaped). */
  run(x: tf.Tensor, options: RunOptions): { output: tf.Tensor; captured: Record<string, tf.Tensor> };
}

/** The model's layers as a runnable plan; fails with UNSUPPORTED on graphs it cannot walk. */
export function layersRunner(model: tf.LayersModel, file: string): LayersRunner {
  const plan = buildPlan(model, '', file);
  const intermediates = describe(plan, []);
  const known = new Set(intermediates.map((i) => i.name));
  const check = (names: string[], what: string) => {
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) {
      const list = intermediates.map((i) => i.name);
      const shown = list.length > 40 ? `${list.slice(0, 40).join(', ')}, … (${list.length} layers)` : list.join(', ');
      throw new EngineError('OPTION_INVALID', `unknown layer ${unknown.map((n) => `'${n}'`).join(', ')} to ${what}; layers are: ${shown}`, file);
    }
  };
  return {
    intermediates,
    run(x, options) {
      const capture = options.capture ?? [];
      const replace = new Map(Object.entries(options.replace ?? {}));
      check(capture, 'capture');
      check([...replace.keys()], 'replace');
      return tf.tidy(() => {
        const captured: Record<string, tf.Tensor> = {};
        const { outputs } = runPlan(plan, [x], [null], new Set(capture), replace, captured);
        return { output: outputs[0], captured };
      });
    },
  };
}
