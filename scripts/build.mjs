// Bundles the extension, the engine process, the CLI and the webviews with esbuild,
// and copies the tfjs wasm binaries next to the bundles that load them.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
mkdirSync(dist, { recursive: true });

// Native or optional packages are loaded at run time when present, never bundled.
const nodeExternal = ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node'];
const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: nodeExternal,
  logLevel: 'warning',
  // tfjs probes for these; they are not needed in Node.
  define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
};

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/engine/host.ts', out: 'engine' },
  { in: 'src/engine/parallel/workerMain.ts', out: 'engine-worker' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
].filter((e) => existsSync(join(root, e.in)));

const webviewDir = join(root, 'webview');
const webviewEntries = existsSync(webviewDir)
  ? readdirSync(webviewDir).filter((f) => /^[a-z][\w-]*\.ts$/.test(f) && !f.endsWith('.d.ts')).map((f) => join('webview', f))
  : [];

const builds = [
  ...nodeEntries.map((e) => ({
    ...nodeCommon,
    entryPoints: [join(root, e.in)],
    outfile: join(dist, `${e.out}.js`),
    banner: e.banner ? { js: e.banner } : undefined,
  })),
];
if (webviewEntries.length) {
  builds.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: webviewEntries.map((e) => join(root, e)),
    outdir: join(dist, 'webview'),
  });
}

const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) cpSync(join(wasmDir, f), join(dist, f));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
  console.log(`built ${builds.length} bundle(s) into dist/`);
}
