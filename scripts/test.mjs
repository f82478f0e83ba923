// Runs every test file under the given folders (default test/unit) with node's test runner and tsx.
// Node 20's runner does not glob .ts files itself.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(d) {
  for (const f of readdirSync(d).sort()) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.test.ts')) files.push(p);
  }
}
for (const d of dirs.length ? dirs : ['test/unit']) statSync(d).isDirectory() ? walk(d) : files.push(d);
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...passthrough, ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
