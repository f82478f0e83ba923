// Builds the extension when dist/ is missing or older than its sources, so `npm run test:e2e` works on a fresh
// clone and stays fast after `npm run build` (or `npm test`) already ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUTS = ['dist/extension.js', 'dist/engine.js', 'dist/engine-worker.js', 'dist/cli.js', 'dist/webview/explanation.js', 'dist/webview/gallery.js'];
const SOURCES = ['src', 'webview', 'package.json', 'scripts/build.mjs'];

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Returns why a build was needed, or undefined when dist/ was up to date. */
export function ensureBuilt() {
  const missing = OUTPUTS.filter((f) => !existsSync(join(root, f)));
  let reason = missing.length ? `missing ${missing.join(', ')}` : undefined;
  if (!reason) {
    const built = Math.min(...OUTPUTS.map((f) => statSync(join(root, f)).mtimeMs));
    const changed = SOURCES.filter((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
    if (changed.length) reason = `${changed.join(', ')} changed since the last build`;
  }
  if (!reason) return undefined;
  process.stderr.write(`[e2e] building (${reason})\n`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
  return reason;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt();
