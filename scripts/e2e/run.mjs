#!/usr/bin/env node
// `npm run test:e2e`: the extension in a real VS Code (code-server) driven by Chromium.
// Builds if needed, installs the tools once (cached outside the project), then runs test/e2e/*.e2e.ts with node's
// test runner, one file at a time (each file starts and stops its own code-server and browser). Afterwards it
// checks that nothing the run started is still running, and stops it if so.
// Arguments are passed to the test runner (e.g. --test-name-pattern=palette) or name .e2e.ts files to run.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './ensure-build.mjs';
import { ensureTools } from './install-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUN_MARK = 'ATTRIBUTION_LENS_E2E_RUN';
const args = process.argv.slice(2);
const fileArgs = args.filter((a) => a.endsWith('.e2e.ts'));
const runnerArgs = args.filter((a) => !a.endsWith('.e2e.ts'));
const files = fileArgs.length
  ? fileArgs
  : readdirSync(join(root, 'test', 'e2e'))
      .filter((f) => f.endsWith('.e2e.ts'))
      .sort()
      .map((f) => join('test', 'e2e', f));

const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);
const started = Date.now();
try {
  ensureBuilt();
  ensureTools();
} catch (e) {
  console.error(`e2e setup failed: ${e.message}`);
  process.exit(1);
}
console.error(`[e2e] build and tools ready in ${seconds(started)} s; running ${files.length} file(s); screenshots and logs go to test-results/e2e/`);

rmSync(join(root, 'test-results', 'e2e'), { recursive: true, force: true });
const runId = randomUUID();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...runnerArgs, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, [RUN_MARK]: runId },
});

/** Processes of this run still alive: every process the tests started inherited RUN_MARK. */
function leftovers() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${RUN_MARK}=${runId}`)) continue;
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)\s+/, '')[0] === 'Z') continue;
      found.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160) });
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return found;
}

const left = leftovers();
for (const p of left) {
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
if (left.length) {
  console.error(`[e2e] ${left.length} process(es) of this run were still running and have been killed:`);
  for (const p of left) console.error(`  ${p.pid} ${p.command}`);
}
// Nothing is printed after a clean run, so the test runner's summary stays the last word.
process.exit(r.status === 0 && !left.length ? 0 : r.status || 1);
