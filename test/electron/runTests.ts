// `npm run test:electron`: the extension-API tests (test/electron/suite) in a real VS Code desktop, through
// @vscode/test-electron. It downloads VS Code (into .vscode-test/) unless VSCODE_EXECUTABLE names an installed
// one, so it runs on machines that reach VS Code's download servers, with a display (on a Linux server:
// `xvfb-run -a npm run test:electron`). Machines without that download (this project's CI) use `npm run test:e2e`,
// the same extension in code-server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { ensureBuilt } from '../../scripts/e2e/ensure-build.mjs';
import { cliExplain } from '../e2e/harness/cli';
import { REPO_ROOT } from '../e2e/harness/paths';
import { createWorkspace } from '../e2e/harness/workspace';

async function main(): Promise<number> {
  ensureBuilt();
  const tmp = mkdtempSync(join(tmpdir(), 'attribution-lens-electron-'));
  try {
    // The suite runs inside VS Code's extension host, which loads plain CommonJS: bundle it, leaving `vscode` to VS Code.
    const suite = join(tmp, 'suite', 'index.js');
    await esbuild.build({
      entryPoints: [join(REPO_ROOT, 'test', 'electron', 'suite', 'index.ts')],
      outfile: suite,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      sourcemap: 'inline',
      logLevel: 'warning',
    });
    const ws = createWorkspace(join(tmp, 'workspace'));
    // What the CLI says for the request the tests make with the pickers' defaults: row 0, integrated gradients.
    const reference = join(tmp, 'cli-reference.json');
    const cli = cliExplain({ model: ws.sampleModel, input: ws.sampleCsv, row: 0, method: 'integrated-gradients', args: ['--steps', '50', '--batch-size', '32'] });
    writeFileSync(reference, JSON.stringify(cli));

    return await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: {
        ATTRIBUTION_LENS_TEST_WORKSPACE: ws.root,
        ATTRIBUTION_LENS_TEST_CLI_REFERENCE: reference,
      },
      launchArgs: [
        ws.root,
        '--disable-extensions', // other installed extensions; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${join(tmp, 'user-data')}`,
      ],
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`npm run test:electron failed: ${e.message}`);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(e.message)) {
      console.error('VS Code could not be downloaded here; set VSCODE_EXECUTABLE to an installed VS Code, or run npm run test:e2e.');
    }
    process.exit(1);
  },
);
