// Runs npm run test:electron's extension-API suite (test/electron/suite) inside code-server's extension host, so
// the suite is exercised on machines that cannot download VS Code. A small driver extension is staged beside the
// one under test; its command runs the suite and writes the result to a file the scenario reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliExplain } from './cli';
import { REPO_ROOT } from './paths';
import type { Workspace } from './workspace';

export const API_SUITE_COMMAND_TITLE = 'Attribution Lens Tests: Run Extension API Suite';
const COMMAND_ID = 'attributionLensTests.runApiSuite';

/** Stages the driver extension; returns the environment code-server must pass to its extension host. */
export async function stageApiSuiteExtension(extensionsDir: string, ws: Workspace, resultFile: string): Promise<Record<string, string>> {
  const dir = join(extensionsDir, 'attribution-lens-tests.api-suite-0.0.0');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'api-suite',
        publisher: 'attribution-lens-tests',
        version: '0.0.0',
        engines: { vscode: '^1.90.0' },
        main: './driver.js',
        extensionKind: ['workspace'],
        contributes: { commands: [{ command: COMMAND_ID, title: API_SUITE_COMMAND_TITLE }] },
      },
      null,
      2,
    ),
  );
  await esbuild.build({
    stdin: {
      contents: `
        const vscode = require('vscode');
        const { writeFileSync } = require('node:fs');
        const { runSuite } = require(${JSON.stringify(join(REPO_ROOT, 'test', 'electron', 'suite', 'index.ts'))});
        exports.activate = (context) => {
          context.subscriptions.push(vscode.commands.registerCommand(${JSON.stringify(COMMAND_ID)}, async () => {
            const lines = [];
            let ok = true;
            try { await runSuite((line) => lines.push(line)); } catch (e) { ok = false; lines.push(String(e && e.stack || e)); }
            writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ ok, lines }));
          }));
        };`,
      resolveDir: REPO_ROOT,
      loader: 'js',
    },
    outfile: join(dir, 'driver.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  // What the suite compares with: the CLI for the pickers' defaults (first row, integrated gradients).
  const reference = join(extensionsDir, '..', 'cli-reference.json');
  const cli = cliExplain({ model: ws.sampleModel, input: ws.sampleCsv, row: 0, method: 'integrated-gradients', args: ['--steps', '50', '--batch-size', '32'] });
  writeFileSync(reference, JSON.stringify(cli));
  return { ATTRIBUTION_LENS_TEST_WORKSPACE: ws.root, ATTRIBUTION_LENS_TEST_CLI_REFERENCE: reference };
}
