// Translates a TF.js layers model into an ONNX model (same weights, same function) so that its forward pass and its
// input gradient can run on ONNX Runtime's native kernels (the backward graph comes from models/onnx/gradient/).
// It walks the same plan as the layer-by-layer runner (layersRun.ts), nested models included; a layer class it has
// no translation for makes the whole model untranslatable, with the reason (the caller keeps the tfjs path).
import * as tf from '@tensorflow/tfjs';
import { buildPlan, layersRunner, type Plan } from '../layersRun';
import { CORE_LAYERS } from './coreLayers';
import type { LayerContext, LayerTranslation } from './layerContext';
import { SPATIAL_LAYERS } from './spatialLayers';
import { INPUT_NAME, OnnxWriter, Untranslatable, type Value } from './writer';

const LAYERS: Record<string, LayerTranslation> = { ...CORE_LAYERS, ...SPATIAL_LAYERS };

export interface Translation {
  bytes: Uint8Array;
  /** Layer classes in the model, sorted. */
  layerTypes: string[];
}

/** The layer's weights by the last part of their names. */
function weightsOf(layer: tf.layers.Layer): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const suffix = (w.originalName ?? w.name).split('/').pop() ?? '';
    const t = values[i];
    if (t.dtype !== 'float32') throw new Untranslatable(`weight '${w.name}' is ${t.dtype}`);
    out.set(suffix.replace(/_\d+$/, ''), { data: t.dataSync() as Float32Array, shape: [...t.shape] });
  });
  return out;
}

/** Concrete output shapes (batch excluded) of every step, by name, from one tfjs run at batch 1. */
function measuredShapes(model: tf.LayersModel, inputShape: number[], file: string): Map<string, number[]> {
  const runner = layersRunner(model, file);
  const shapes = new Map<string, number[]>();
  tf.tidy(() => {
    const { captured } = runner.run(tf.zeros([1, ...inputShape]), { capture: runner.intermediates.map((i) => i.name) });
    for (const [name, t] of Object.entries(captured)) shapes.set(name, t.shape.slice(1));
  });
  return shapes;
}

function translatePlan(w: OnnxWriter, plan: Plan, inputs: Value[], shapes: Map<string, number[]>, types: Set<string>): Value[] {
  const values = new Map<number, Value>();
  plan.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
  for (const step of plan.steps) {
    const xs = step.inputs.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new Untranslatable(`the input of layer '${step.layer.name}' is not computed before it`);
      return v;
    });
    let outs: Value[];
    if (step.nested) {
      outs = translatePlan(w, step.nested, xs, shapes, types);
    } else {
      const type = step.layer.getClassName();
      types.add(type);
      const translate = LAYERS[type];
      if (!translate) throw new Untranslatable(`layer '${step.layer.name}' (${type}) has no ONNX translation`);
      const outputShapes = step.names.map((n) => {
        const s = shapes.get(n);
        if (!s) throw new Untranslatable(`the shape of '${n}' is unknown`);
        return s;
      });
      const ctx: LayerContext = {
        w,
        layer: step.layer,
        config: step.layer.getConfig() as Record<string, unknown>,
        inputs: xs,
        outputShapes,
        weight: (() => {
          let weights: ReturnType<typeof weightsOf> | undefined;
          return (suffix: string) => (weights ??= weightsOf(step.layer)).get(suffix);
        })(),
      };
      outs = translate(ctx);
    }
    if (outs.length !== step.outputs.length) throw new Untranslatable(`layer '${step.layer.name}' has ${step.outputs.length} outputs`);
    step.outputs.forEach((o, i) => values.set(o.id, outs[i]));
  }
  return plan.outputs.map((t) => values.get(t.id)!);
}

/** The ONNX model `input` [batch, ...inputShape] → `output` [batch, outputSize], or why there is none. */
export function translateLayersModel(model: tf.LayersModel, inputShape: number[], outputSize: number, file: string): Translation | { reason: string } {
  try {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Untranslatable('the model has several inputs or outputs');
    if (model.inputs[0].dtype !== 'float32') throw new Untranslatable(`its input is ${model.inputs[0].dtype}`);
    const plan = buildPlan(model, '', file);
    const shapes = measuredShapes(model, inputShape, file);
    const w = new OnnxWriter();
    const types = new Set<string>();
    const input: Value = { name: INPUT_NAME, shape: inputShape, channelsFirst: false };
    const [output] = translatePlan(w, plan, [input], shapes, types);
    return { bytes: w.encode(input, output, outputSize, tf.version_core), layerTypes: [...types].sort() };
  } catch (e) {
    if (e instanceof Untranslatable) return { reason: e.message };
    return { reason: `translation failed: ${(e as Error).message.split('\n')[0]}` };
  }
}
