// The engine child process: results equal the in-process engine, tensors do not leak across requests,
// cancellation stops work, and a crash is reported and recovered from.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { ModelRegistry } from '../../../src/engine/models/registry';
import { EngineClient, EngineRequestError } from '../../../src/engine/process/client';
import type { ExplainRequest } from '../../../src/shared/types';

const root = resolve(__dirname, '../../..');
const enginePath = join(root, 'dist/engine.js');
const modelPath = join(root, 'samples/credit-risk/model.json');
const dataPath = join(root, 'samples/credit-risk/data.csv');
const request = (method: ExplainRequest['method'], row = 0, options = {}): ExplainRequest => ({
  modelPath,
  input: { kind: 'csv-file', path: dataPath, row },
  method,
  options,
});

let client: EngineClient;
const restarts: string[] = [];

before(() => {
  assert.ok(existsSync(enginePath), 'dist/engine.js is missing: run `npm run build` first (npm test does)');
  client = new EngineClient({ enginePath, backend: 'wasm', onRestart: (r) => restarts.push(r) });
});
after(() => client.dispose());

function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp) {
  return assert.rejects(p, (e: unknown) => e instanceof EngineRequestError && e.code === code && (!pattern || pattern.test(e.message)));
}

test('the engine process gives the same explanation as the in-process engine', async () => {
  const remote = await client.explain(request('integrated-gradients', 3));
  await initBackend('wasm');
  const models = new ModelRegistry();
  const local = await explain(request('integrated-gradients', 3), models);
  models.clear();
  assert.equal(client.backend, 'wasm');
  assert.deepEqual(remote.attributions, local.attributions);
  assert.deepEqual(remote.prediction, local.prediction);
  assert.equal(remote.features.length, 8);
});

test('tensor count is stable across 20 requests of every kind', async () => {
  const methods: ExplainRequest['method'][] = ['saliency', 'integrated-gradients', 'smoothgrad', 'occlusion', 'gradient-shap'];
  await client.explain(request('saliency'));
  const before = await client.stats();
  for (let i = 0; i < 20; i++) await client.explain(request(methods[i % methods.length], i));
  await rejectsWith(client.explain({ ...request('saliency'), target: 99 }), 'TARGET_INVALID');
  const afterStats = await client.stats();
  assert.equal(afterStats.numTensors, before.numTensors);
  assert.equal(afterStats.modelsLoaded, 1);
});

test('cancelling stops a long run and the engine serves the next request', async () => {
  const controller = new AbortController();
  let progressCalls = 0;
  const long = client.explain(request('integrated-gradients', 0, { steps: 10000, batchSize: 1 }), {
    signal: controller.signal,
    onProgress: () => {
      progressCalls++;
      controller.abort();
    },
  });
  await rejectsWith(long, 'CANCELLED');
  assert.ok(progressCalls >= 1);
  const next = await client.explain(request('saliency'));
  assert.equal(next.method.id, 'saliency');
});

test('a crash fails the request in flight, is reported, and the engine restarts', async () => {
  await rejectsWith(client.crashForTesting(), 'ENGINE_CRASHED', /exited/);
  assert.equal(restarts.length, 1);
  const again = await client.explain(request('input-x-gradient'));
  assert.equal(again.features.length, 8);
  assert.equal(client.backend, 'wasm');
});

test('user errors come back as one-line messages naming the file', async () => {
  await rejectsWith(client.explain({ ...request('saliency'), modelPath: join(root, 'nope/model.json') }), 'MODEL_NOT_FOUND', /nope\/model\.json/);
  await rejectsWith(client.explain({ ...request('saliency'), method: 'magic' as never }), 'METHOD_UNKNOWN', /magic/);
  await rejectsWith(client.explain(request('saliency', 100000)), 'INPUT_INVALID', /data\.csv.*out of range/);
});
