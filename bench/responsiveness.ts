// Responsiveness measurements, one fresh process per measurement (bench/index.ts starts them):
//
//   node --import tsx bench/responsiveness.ts activate      require dist/extension.js (stub `vscode`) + activate()
//   node --import tsx bench/responsiveness.ts coldstart     first explanation of the demo model in a fresh engine
//                                                           process (dist/engine.js through the extension's client)
//   node --import tsx bench/responsiveness.ts decorations   a 10,000-line JSONL dataset: parse, lens choice, and
//                                                           decorations of the visible examples vs all of them
//
// Each prints `BENCH_RESULT {json}`.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation, ExplainRequest } from '../src/shared/types';
import { REPO } from './models';

const emit = (o: unknown) => process.stdout.write(`BENCH_RESULT ${JSON.stringify(o)}\n`);

/** Modules a lazy extension must not load at activation. */
const ENGINE_MODULES = /@tensorflow|onnxruntime|tokenizers|protobufjs/;

async function activate(): Promise<void> {
  const extensionPath = join(REPO, 'dist/extension.js');
  const workspace = mkdtempSync(join(tmpdir(), 'lens-bench-ws-'));
  try {
    const { createFakeVscode, installFakeVscode } = await import('../test/extension/helpers/fakeVscode');
    const { vscode } = createFakeVscode(workspace, () => undefined);
    installFakeVscode(vscode);
    const before = new Set(Object.keys(require.cache));
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ext = require(extensionPath) as { activate(ctx: unknown): unknown };
    const t1 = performance.now();
    const subscriptions: { dispose(): unknown }[] = [];
    const state = new Map<string, unknown>();
    await ext.activate({
      subscriptions,
      extensionUri: vscode.Uri.file(REPO),
      extensionPath: REPO,
      asAbsolutePath: (p: string) => join(REPO, p),
      workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [] },
      globalState: { get: () => undefined, update: async () => undefined, keys: () => [], setKeysForSync: () => undefined },
      storageUri: vscode.Uri.file(workspace),
      globalStorageUri: vscode.Uri.file(workspace),
      logUri: vscode.Uri.file(workspace),
      extensionMode: 1,
    });
    const t2 = performance.now();
    const loaded = Object.keys(require.cache).filter((k) => !before.has(k) && ENGINE_MODULES.test(k));
    for (const s of subscriptions) s.dispose();
    emit({
      requireMs: t1 - t0,
      activateMs: t2 - t1,
      totalMs: t2 - t0,
      bundleBytes: statSync(extensionPath).size,
      bundleMtime: statSync(extensionPath).mtime.toISOString(),
      engineModulesLoaded: loaded.length,
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

export const DEMO_REQUEST: ExplainRequest = {
  modelPath: join(REPO, 'samples/credit-risk/model.json'),
  input: { kind: 'csv-file', path: join(REPO, 'samples/credit-risk/data.csv'), row: 4 },
  method: 'integrated-gradients',
  options: { steps: 50, igMethod: 'gausslegendre' },
};

async function coldstart(): Promise<void> {
  const { EngineClient } = await import('../src/engine/process/client');
  const client = new EngineClient({ enginePath: join(REPO, 'dist/engine.js'), backend: 'auto' });
  try {
    const t0 = performance.now();
    const first = await client.explain(DEMO_REQUEST);
    const t1 = performance.now();
    const second = await client.explain(DEMO_REQUEST);
    const t2 = performance.now();
    emit({
      firstMs: t1 - t0,
      firstLoadMs: first.timings.loadMs,
      firstAttributeMs: first.timings.attributeMs,
      secondMs: t2 - t1,
      backend: second.backend,
    });
  } finally {
    client.dispose();
  }
}

async function decorations(): Promise<void> {
  const LINES = 10_000;
  const VISIBLE = 60; // lines a typical editor shows
  const { documentExamples, examplesForLenses } = await import('../src/extension/text/documentExamples');
  const { exampleDecorations } = await import('../src/extension/text/decorationModel');
  const source = readFileSync(join(REPO, 'test/fixtures/text/planted/test-split.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const lines = Array.from({ length: LINES }, (_, i) => source[i % source.length]);
  const dir = mkdtempSync(join(tmpdir(), 'lens-bench-dec-'));
  const file = join(dir, 'reviews-10k.jsonl');
  const text = lines.join('\n') + '\n';
  writeFileSync(file, text);
  try {
    // Explanations of the distinct examples (rows 0 … source.length − 1) by the real engine, in file offsets; row r
    // repeats row r mod source.length, so its explanation is that one shifted by the difference of their offsets.
    const { initBackend } = await import('../src/engine/backend');
    const { explain } = await import('../src/engine/explain');
    const { ModelRegistry } = await import('../src/engine/models/registry');
    await initBackend('wasm');
    const models = new ModelRegistry();
    const modelPath = join(REPO, 'test/fixtures/text/planted/model.json');
    const distinct: Explanation[] = [];
    const te = performance.now();
    for (let row = 0; row < source.length; row++) {
      distinct.push(await explain({ modelPath, input: { kind: 'dataset-file', path: file, row }, method: 'layer-gradient-x-activation' }, models));
    }
    const explainMs = performance.now() - te;

    const t0 = performance.now();
    const doc = documentExamples(file, text);
    const t1 = performance.now();
    if (doc.error) throw new Error(doc.error);
    const examples = doc.examples;
    const startOf = (row: number) => examples[row].offsets?.[0] ?? examples[row].offset;
    const explanationOf = (row: number): Explanation => {
      const base = distinct[row % source.length];
      const shift = startOf(row) - startOf(row % source.length);
      return shift === 0 ? base : { ...base, features: base.features.map((f) => (typeof f.start === 'number' ? { ...f, start: f.start + shift, end: (f.end as number) + shift } : f)) };
    };
    // Shifting is bookkeeping of this benchmark, not of the extension: done before the timed decoration passes.
    const all = examples.map((e) => explanationOf(e.row));
    const visible = [{ startLine: 0, endLine: VISIBLE - 1 }];
    const t2 = performance.now();
    const lensExamples = examplesForLenses(examples, visible);
    const t3 = performance.now();
    const inView = examples.filter((e) => e.line < VISIBLE);
    const t4 = performance.now();
    let tokens = 0;
    for (const e of inView) tokens += exampleDecorations(all[e.row]).tokens.length;
    const t5 = performance.now();
    let allTokens = 0;
    for (const e of examples) allTokens += exampleDecorations(all[e.row]).tokens.length;
    const t6 = performance.now();
    emit({
      lines: LINES,
      bytes: Buffer.byteLength(text),
      examples: examples.length,
      distinctExplained: source.length,
      explainDistinctMs: explainMs,
      parseMs: t1 - t0,
      lensChoiceMs: t3 - t2,
      lenses: lensExamples.length,
      visibleExamples: inView.length,
      visibleTokens: tokens,
      decorateVisibleMs: t5 - t4,
      allTokens,
      decorateAllMs: t6 - t5,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const what = process.argv[2];
const run = what === 'activate' ? activate : what === 'coldstart' ? coldstart : what === 'decorations' ? decorations : undefined;
if (!run) {
  console.error('usage: responsiveness.ts activate|coldstart|decorations');
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
