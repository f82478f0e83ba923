#!/usr/bin/python3
"""MobileNetV2 for bench/onnxGradients.ts: exports torchvision.models.mobilenet_v2(weights=None), seeded, to ONNX in a
cache folder outside the repository (14 MB; never commit it), and times PyTorch's own input gradient on it.

    /usr/bin/python3 bench/make_mobilenet_onnx.py [--out ~/.cache/attribution-lens-bench] [--batch 16] [--threads 2] [--reps 5]

Needs Debian's python3-torch and python3-torchvision (PyTorch lives in /usr/bin/python3). Prints one JSON object:
the .onnx path, and PyTorch's input-gradient time at the batch (median of reps, after a warm-up): per batch and per
input, which is what one integrated-gradients step costs per interpolated input. The gradient is that of the sum of
one class score over the batch (each row's own gradient), as the engine computes it.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default=os.path.expanduser('~/.cache/attribution-lens-bench'))
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--target', type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'mobilenet_v2.onnx')
    if not os.path.exists(path):
        torch.onnx.export(
            model,
            torch.zeros(1, 3, 224, 224),
            path,
            input_names=['input'],
            output_names=['logits'],
            dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
            opset_version=13,
            do_constant_folding=True,
        )

    g = torch.Generator().manual_seed(1)
    x = torch.rand(args.batch, 3, 224, 224, generator=g) * 2 - 1

    def gradient():
        xs = x.clone().requires_grad_(True)
        score = model(xs)[:, args.target].sum()
        (grad,) = torch.autograd.grad(score, xs)
        return grad

    gradient()  # warm-up
    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        gradient()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        'onnx': path,
        'threads': args.threads,
        'batch': args.batch,
        'torchMsPerBatch': median * 1e3,
        'torchMsPerInput': median * 1e3 / args.batch,
        'torchMinMsPerInput': min(times) * 1e3 / args.batch,
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
    }))


if __name__ == '__main__':
    main()
