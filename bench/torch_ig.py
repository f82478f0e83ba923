#!/usr/bin/python3
"""PyTorch reference timing for `npm run bench`: plain-autograd integrated gradients (no Captum) on the same
fixture models, rebuilt from the same weights.

    /usr/bin/python3 bench/torch_ig.py --model cnn-tfjs [--steps 50] [--reps 5] [--threads 2]

Prints one JSON object: median / min wall time of one IG (all steps as one batch of interpolated inputs, one
backward pass), the time per step, and the model's output scores on its input (the benchmark compares them with
the engine's prediction to show it is the same model).

Models:
  TF.js fixtures (mlp-tfjs, cnn-tfjs, mobilenet-tfjs): model.json + weights.bin read directly (Keras layout: Dense
    kernels [in, out], Conv2D [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, mult]), run in NCHW with TF's 'same'
    padding (asymmetric for stride 2).
  ONNX fixtures (mlp-onnx, cnn-onnx, cnn1d-onnx): the PyTorch modules of test/fixtures/onnx/build_fixtures.py with
    the ONNX file's initializers loaded by name. transformer-onnx (bert_embeds): the module is rebuilt by replaying
    build_fixtures.py's seeded construction; its outputs are checked against the fixture's PyTorch outputs.
PyTorch 1.13 lives in the system Python (/usr/bin/python3), not the first python3 on PATH.
"""
import argparse
import csv
import importlib.util
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------- Keras (TF.js Layers) models in PyTorch

def read_tfjs_weights(model_dir, manifest):
    weights = {}
    for group in manifest:
        data = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            if w['dtype'] != 'float32':
                raise ValueError('unsupported weight dtype %s' % w['dtype'])
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            weights[w['name']] = torch.from_numpy(np.frombuffer(data, '<f4', n, offset).copy().reshape(w['shape']))
            offset += 4 * n
    return weights


def same_pad(size, k, s, d=1):
    k = (k - 1) * d + 1
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def activation(name):
    return {
        None: lambda x: x, 'linear': lambda x: x, 'relu': torch.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid,
        'softmax': lambda x: torch.softmax(x, dim=-1), 'relu6': lambda x: torch.clamp(x, 0, 6),
    }[name]


class KerasNet(nn.Module):
    """Runs a Keras Sequential or functional topology; image tensors are NCHW inside, NHWC at the input."""

    def __init__(self, model_dir):
        super().__init__()
        spec = json.load(open(os.path.join(model_dir, 'model.json')))
        topo = spec['modelTopology']
        topo = topo.get('model_config', topo)
        self.w = read_tfjs_weights(model_dir, spec['weightsManifest'])
        for i, (name, t) in enumerate(self.w.items()):
            self.register_buffer('w%d' % i, t)
        cfg = topo['config']
        layers = cfg['layers']
        if topo['class_name'] == 'Sequential':
            prev = None
            self.nodes = []
            for l in layers:
                name = l['config']['name']
                self.nodes.append((l['class_name'], name, l['config'], [prev] if prev else []))
                prev = name
            self.inputs, self.output = None, prev
        else:
            self.nodes = [(l['class_name'], l['name'], l['config'], [n[0] for n in l['inbound_nodes'][0]] if l['inbound_nodes'] else [])
                          for l in layers]
            self.inputs, self.output = cfg['input_layers'][0][0], cfg['output_layers'][0][0]

    def layer(self, kind, name, c, xs):
        w = self.w
        x = xs[0] if xs else None
        if kind == 'InputLayer':
            return x
        if kind == 'Dense':
            if x.dim() == 4:
                x = x.permute(0, 2, 3, 1).flatten(1)
            y = x @ w[name + '/kernel']
            if c.get('use_bias', True):
                y = y + w[name + '/bias']
            return activation(c.get('activation'))(y)
        if kind in ('Conv2D', 'DepthwiseConv2D'):
            depthwise = kind == 'DepthwiseConv2D'
            k = w[name + ('/depthwise_kernel' if depthwise else '/kernel')]
            kh, kw = k.shape[0], k.shape[1]
            s, d = c['strides'], c['dilation_rate']
            if depthwise:
                cin, mult = k.shape[2], k.shape[3]
                weight = k.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
                groups = cin
            else:
                weight = k.permute(3, 2, 0, 1)
                groups = 1
            if c['padding'] == 'same':
                ph = same_pad(x.shape[2], kh, s[0], d[0])
                pw = same_pad(x.shape[3], kw, s[1], d[1])
                x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
            bias = w.get(name + '/bias') if c.get('use_bias', True) else None
            return activation(c.get('activation'))(F.conv2d(x, weight, bias, tuple(s), 0, tuple(d), groups))
        if kind == 'BatchNormalization':
            n = x.shape[1]
            mean, var = w[name + '/moving_mean'], w[name + '/moving_variance']
            gamma = w.get(name + '/gamma', torch.ones(n)) if c.get('scale', True) else torch.ones(n)
            beta = w.get(name + '/beta', torch.zeros(n)) if c.get('center', True) else torch.zeros(n)
            shape = (1, n, 1, 1) if x.dim() == 4 else (1, n)
            factor = (gamma / torch.sqrt(var + c['epsilon'])).reshape(shape)
            return (x - mean.reshape(shape)) * factor + beta.reshape(shape)
        if kind == 'ReLU':
            y = torch.relu(x)
            return torch.clamp(y, max=c['max_value']) if c.get('max_value') is not None else y
        if kind == 'Activation':
            return activation(c['activation'])(x)
        if kind == 'ZeroPadding2D':
            (t, b), (l, r) = c['padding']
            return F.pad(x, (l, r, t, b))
        if kind == 'MaxPooling2D':
            p, s = c['pool_size'], c['strides'] or c['pool_size']
            if c['padding'] != 'valid':
                raise ValueError('MaxPooling2D padding %s' % c['padding'])
            return F.max_pool2d(x, tuple(p), tuple(s))
        if kind == 'GlobalMaxPooling2D':
            return x.amax(dim=(2, 3))
        if kind == 'GlobalAveragePooling2D':
            return x.mean(dim=(2, 3))
        if kind == 'Add':
            return sum(xs)
        raise ValueError('layer %s is not supported by bench/torch_ig.py' % kind)

    def forward(self, x):
        if x.dim() == 4:
            x = x.permute(0, 3, 1, 2)
        values = {}
        for kind, name, c, inbound in self.nodes:
            xs = [values[i] for i in inbound] if inbound else [x]
            values[name] = self.layer(kind, name, c, xs)
        return values[self.output]


# ---------------------------------------------------------------- ONNX fixtures: build_fixtures.py's modules

def fixtures_module():
    path = os.path.join(REPO, 'test/fixtures/onnx/build_fixtures.py')
    spec = importlib.util.spec_from_file_location('build_fixtures', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_onnx_initializers(module, onnx_name):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(os.path.join(REPO, 'test/fixtures/onnx', onnx_name))
    state = module.state_dict()
    loaded = 0
    for init in m.graph.initializer:
        if init.name in state:
            state[init.name] = torch.from_numpy(numpy_helper.to_array(init).copy())
            loaded += 1
    module.load_state_dict(state)
    return loaded


def bert_embeds_module(bf):
    """Replays build_fixtures.main()'s seeded construction up to TinyBert (the export leaves MatMul weights unnamed)."""
    torch.manual_seed(7)
    np.random.seed(7)
    bf.Mlp(); bf.rnd(3, 8)
    cnn = bf.Cnn2d()
    for bn in (cnn.b1, cnn.b2):
        bf.rnd(bn.num_features, scale=0.3); torch.rand(bn.num_features)
        bf.rnd(bn.num_features, scale=0.3); bf.rnd(bn.num_features, scale=0.3)
    bf.rnd(3, 3, 12, 12)
    bf.Cnn1d(); bf.rnd(3, 4, 32)
    return bf.BertEmbeds(bf.TinyBert())


# ---------------------------------------------------------------- inputs

def fixture_json(name):
    return json.load(open(os.path.join(REPO, 'test/fixtures/onnx', name + '.json')))


def build(model_id):
    """(module, input tensor [1, ...] float32, reference scores or None, verification note)"""
    if model_id == 'mlp-tfjs':
        net = KerasNet(os.path.join(REPO, 'samples/credit-risk'))
        names = json.load(open(os.path.join(REPO, 'samples/credit-risk/model.lens.json')))['featureNames']
        with open(os.path.join(REPO, 'samples/credit-risk/test.csv')) as f:
            row = next(csv.DictReader(f))
        x = torch.tensor([[float(row[n]) for n in names]], dtype=torch.float32)
        ref = json.load(open(os.path.join(REPO, 'test/fixtures/reference/credit-risk.json')))['inputs'][0]
        return net, x, (torch.tensor([ref['x']], dtype=torch.float32), ref['scores'])
    if model_id == 'cnn-tfjs':
        from PIL import Image
        net = KerasNet(os.path.join(REPO, 'test/fixtures/image/planted'))
        img = Image.open(os.path.join(REPO, 'test/fixtures/image/test/000.png')).convert('RGB').resize((32, 32))
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).unsqueeze(0)
        return net, x, None
    if model_id == 'mobilenet-tfjs':
        net = KerasNet(os.path.join(REPO, 'test/fixtures/mobilenet'))
        raw = np.fromfile(os.path.join(REPO, 'test/fixtures/mobilenet/input.bin'), dtype=np.uint8)
        x = torch.from_numpy(raw.astype(np.float32) / 255.0).reshape(1, 224, 224, 3)
        return net, x, None
    bf = fixtures_module()
    name, cls = {'mlp-onnx': ('mlp', 'Mlp'), 'cnn-onnx': ('cnn2d', 'Cnn2d'), 'cnn1d-onnx': ('cnn1d', 'Cnn1d'),
                 'transformer-onnx': ('bert_embeds', None)}[model_id]
    fx = fixture_json(name)
    if cls:
        module = getattr(bf, cls)()
        load_onnx_initializers(module, name + '.onnx')
    else:
        module = bert_embeds_module(bf)
    module.eval()
    x = torch.tensor(fx['inputs'][0], dtype=torch.float32).reshape(1, *fx['inputShape'])
    return module, x, (x, fx['outputs1'][0] if isinstance(fx['outputs1'][0], list) else fx['outputs1'])


def gauss_legendre(n):
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return torch.tensor((nodes + 1) / 2, dtype=torch.float32), torch.tensor(weights / 2, dtype=torch.float32)


def integrated_gradients(module, x, baseline, target, alphas, weights):
    shape = (-1,) + (1,) * (x.dim() - 1)
    path = (baseline + alphas.reshape(shape) * (x - baseline)).detach().requires_grad_(True)
    out = module(path)
    (grad,) = torch.autograd.grad(out[:, target].sum(), path)
    attributions = (x - baseline) * (weights.reshape(shape) * grad).sum(dim=0, keepdim=True)
    # The convergence delta, as Captum's return_convergence_delta=True computes it (one forward pass of input and
    # baseline) and as the engine always reports it: both timings cover attributions + delta.
    with torch.no_grad():
        ends = module(torch.cat([x, baseline]))[:, target]
    return attributions, float(attributions.sum() - (ends[0] - ends[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--budget-ms', type=float, default=float('inf'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    module, x, check = build(a.model)
    module.eval()
    with torch.no_grad():
        scores = module(x)[0].tolist()
        check_delta = None
        if check is not None:
            got = module(check[0])[0].tolist()
            check_delta = max(abs(g - r) for g, r in zip(got, check[1]))
    target = int(np.argmax(scores))
    baseline = torch.zeros_like(x)
    alphas, weights = gauss_legendre(a.steps)
    for _ in range(a.warmup):
        integrated_gradients(module, x, baseline, target, alphas, weights)
    samples = []
    spent = 0.0
    for i in range(a.reps):
        t0 = time.perf_counter()
        attributions, delta = integrated_gradients(module, x, baseline, target, alphas, weights)
        dt = (time.perf_counter() - t0) * 1000
        samples.append(dt)
        spent += dt
        if spent > a.budget_ms:
            break
    print(json.dumps({
        'model': a.model, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'steps': a.steps,
        'samplesMs': samples, 'medianMs': statistics.median(samples), 'minMs': min(samples),
        'perStepMs': statistics.median(samples) / a.steps, 'scores': scores[:10], 'target': target,
        'convergenceDelta': delta, 'referenceMaxAbsDiff': check_delta,
    }))


if __name__ == '__main__':
    main()
