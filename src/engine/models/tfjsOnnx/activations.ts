// Keras activations (tfjs-layers' activations.js, by their serialized names) as ONNX ops, written so that each op
// has a rule in the gradient builder (models/onnx/gradient/rules.ts). Elementwise ones keep the value's layout;
// softmax works along the Keras last axis.
import { Untranslatable, type OnnxWriter, type Value } from './writer';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** An elementwise result: same shape and layout as its input. */
const unary = (v: Value, name: string): Value => ({ ...v, name });

export function activation(w: OnnxWriter, v: Value, kind: string | undefined): Value {
  const x = v.name;
  const f32 = (n: number) => w.e.f32([n]);
  switch (kind ?? 'linear') {
    case 'linear':
      return v;
    case 'relu':
      return unary(v, w.op('Relu', [x]));
    case 'relu6':
      return unary(v, w.op('Clip', [x, f32(0), f32(6)]));
    case 'sigmoid':
      return unary(v, w.op('Sigmoid', [x]));
    case 'tanh':
      return unary(v, w.op('Tanh', [x]));
    case 'elu':
      return unary(v, w.op('Elu', [x], { alpha: { f: 1 } }));
    case 'selu':
      return unary(v, w.op('Mul', [w.op('Elu', [x], { alpha: { f: SELU_ALPHA } }), f32(SELU_SCALE)]));
    case 'softplus':
      return unary(v, w.op('Softplus', [x]));
    case 'softsign':
      return unary(v, w.op('Div', [x, w.op('Add', [w.op('Abs', [x]), f32(1)])]));
    case 'hardSigmoid':
      return unary(v, w.op('HardSigmoid', [x], { alpha: { f: 0.2 }, beta: { f: 0.5 } }));
    case 'swish':
      return unary(v, w.op('Mul', [x, w.op('Sigmoid', [x])]));
    case 'mish':
      return unary(v, w.op('Mul', [x, w.op('Tanh', [w.op('Softplus', [x])])]));
    case 'exponential':
      return unary(v, w.op('Exp', [x]));
    case 'gelu': {
      // x · Φ(x) = x · ½ (1 + erf(x / √2))
      const cdf = w.op('Mul', [w.op('Add', [w.op('Erf', [w.op('Div', [x, f32(Math.SQRT2)])]), f32(1)]), f32(0.5)]);
      return unary(v, w.op('Mul', [x, cdf]));
    }
    case 'gelu_new': {
      // ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
      const cube = w.op('Pow', [x, f32(3)]);
      const inner = w.op('Mul', [w.op('Add', [x, w.op('Mul', [cube, f32(0.044715)])]), f32(Math.sqrt(2 / Math.PI))]);
      return unary(v, w.op('Mul', [w.op('Mul', [x, f32(0.5)]), w.op('Add', [w.op('Tanh', [inner]), f32(1)])]));
    }
    case 'softmax':
    case 'logSoftmax': {
      const k = w.keras(v);
      const axis = k.shape.length; // the last axis, batch included
      return { ...k, name: w.op(kind === 'softmax' ? 'Softmax' : 'LogSoftmax', [k.name], { axis }) };
    }
    default:
      throw new Untranslatable(`activation '${kind}' has no ONNX translation`);
  }
}
