// Our engine against the independent PyTorch reference (float64 autograd, Captum semantics) on the tabular fixtures:
// predictions, saliency, input×gradient, integrated gradients (all rules), occlusion and feature ablation.
// Tolerance: see `tolerance()` in referenceFiles.ts — 1e-4 relative to max|ref|, absolute 1e-6 for tiny vectors.
// Regenerate the references with test/fixtures/reference/torch_reference.py (see the README there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { getMethod } from '../../../src/engine/methods/registry';
import type { RunContext } from '../../../src/engine/methods/types';
import { loadModel } from '../../../src/engine/models';
import type { ExplainableModel } from '../../../src/engine/models/types';
import type { BackendName } from '../../../src/shared/types';
import {
  REPO_ROOT,
  compareVectors,
  describeCase,
  describeMismatch,
  readReferenceFiles,
  type ReferenceCase,
  type ReferenceFile,
} from './referenceFiles';

const files = readReferenceFiles();

/** Both backends the engine uses here; the odd batch size on wasm makes methods split their work unevenly. */
const RUNS: { backend: BackendName; batchSize: number }[] = [
  { backend: 'cpu', batchSize: 64 },
  { backend: 'wasm', batchSize: 7 },
];

async function runCase(model: ExplainableModel, file: ReferenceFile, c: ReferenceCase, ctx: RunContext): Promise<Float32Array> {
  const method = getMethod(c.method);
  const options = method.resolveOptions({ ...c.options }, model);
  const baselineValues = c.baseline ? file.baselines[c.baseline] : file.inputShape.map(() => 0);
  const x = tf.tensor2d([file.inputs[c.input].x]);
  const baseline = tf.tensor2d([baselineValues]);
  try {
    const result = await method.attribute(model, { x, baseline }, c.target, options, ctx);
    try {
      assert.deepEqual(result.attributions.shape, file.inputShape, `${describeCase(file, c)}: attribution shape`);
      return (await result.attributions.data()) as Float32Array;
    } finally {
      result.attributions.dispose();
    }
  } finally {
    x.dispose();
    baseline.dispose();
  }
}

for (const run of RUNS) {
  for (const file of files) {
    test(`${file.name} on ${run.backend} (batch ${run.batchSize}) matches the PyTorch reference`, async (t) => {
      await initBackend(run.backend);
      const model = await loadModel(join(REPO_ROOT, file.model));
      const ctx: RunContext = { progress() {}, async checkpoint() {}, batchSize: run.batchSize };
      try {
        assert.deepEqual(model.inputShape, file.inputShape);
        assert.equal(model.outputSize, file.outputSize);

        await t.test('predictions', () => {
          const scores = tf.tidy(() => model.predict(tf.tensor2d(file.inputs.map((i) => i.x))).arraySync());
          const bad = file.inputs.flatMap((input, i) => {
            const m = compareVectors(scores[i], input.scores);
            return m ? [`input ${i}: ${describeMismatch(m)}`] : [];
          });
          assert.deepEqual(bad, []);
        });

        const tensorsBefore = tf.memory().numTensors;
        const methods = [...new Set(file.cases.map((c) => c.method))];
        for (const id of methods) {
          await t.test(id, async () => {
            const bad: string[] = [];
            for (const c of file.cases.filter((c) => c.method === id)) {
              const m = compareVectors(await runCase(model, file, c, ctx), c.attributions);
              if (m) bad.push(`${describeCase(file, c)}: ${describeMismatch(m)}`);
            }
            assert.deepEqual(bad, [], `${bad.length} case(s) differ from the reference`);
          });
        }
        await t.test('no tensors leak across the cases', () => {
          assert.equal(tf.memory().numTensors, tensorsBefore);
        });
      } finally {
        model.dispose();
      }
    });
  }
}
