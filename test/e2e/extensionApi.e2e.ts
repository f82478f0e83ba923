// npm run test:electron's extension-API suite, run here inside code-server's extension host (this machine cannot
// download VS Code for @vscode/test-electron). A fresh session: the suite expects the pickers' first-run defaults.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_SUITE_COMMAND_TITLE, stageApiSuiteExtension } from './harness/apiSuiteExtension';
import { e2eFile } from './harness/e2e';
import { resultsPath, slug } from './harness/paths';
import { runCommand } from './harness/workbench';

let resultFile = '';
const file = e2eFile('extension-api', {
  prepare: async ({ tmp, extensionsDir, workspace }) => {
    resultFile = join(tmp, 'api-suite-result.json');
    return stageApiSuiteExtension(extensionsDir, workspace, resultFile);
  },
});

file.scenario('extension API: the test:electron suite passes in code-server', async (s) => {
  const page = s.page;
  await s.step('run the suite from the palette', () => runCommand(page, API_SUITE_COMMAND_TITLE));
  const result = await s.step('wait for its result', async () => {
    const deadline = Date.now() + 150_000;
    while (!existsSync(resultFile)) {
      if (Date.now() > deadline) throw new Error('the suite wrote no result within 150 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const r = JSON.parse(readFileSync(resultFile, 'utf8')) as { ok: boolean; lines: string[] };
    writeFileSync(resultsPath(slug('extension-api'), 'api-suite.log'), r.lines.join('\n') + '\n');
    return r;
  });
  await s.step('every test passed', async () => {
    const summary = result.lines.find((l) => /^\d+ passed, \d+ failed$/.test(l));
    assert.ok(result.ok, result.lines.join('\n'));
    assert.match(summary ?? '', /^[1-9]\d* passed, 0 failed$/, result.lines.join('\n'));
  });
});

file.teardownTest();
