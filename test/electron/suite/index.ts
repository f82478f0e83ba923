// Entry the Extension Development Host loads (--extensionTestsPath): runs the registered tests one after another
// inside VS Code's extension host, where `vscode` is the real API. A tiny runner instead of mocha, so the project
// needs no test framework beyond node:assert; it ends with the plain "N passed, N failed" line.
import './extensionApi.electron';
import { registeredTests } from './registry';

/** VS Code calls run(testsRoot, callback) and awaits it; the tests report through console.log. */
export function run(): Promise<void> {
  return runSuite((line) => console.log(line));
}

/** Runs every test, reporting one line per test and a summary; rejects when a test failed. */
export async function runSuite(report: (line: string) => void): Promise<void> {
  let passed = 0;
  const failures: string[] = [];
  for (const t of registeredTests()) {
    const started = Date.now();
    try {
      await t.fn();
      passed++;
      report(`✔ ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failures.push(t.name);
      report(`✖ ${t.name}\n${(e as Error).stack ?? String(e)}`);
    }
  }
  report(`${passed} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension test(s) failed: ${failures.join('; ')}`);
}
