// Extension-API tests, run inside a downloaded VS Code by test/electron/runTests.ts: activation, the contributed
// commands and menu, and Explain Model… through the command, answered with VS Code's quick-open commands and
// compared with the CLI's result for the same request.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AttributionLensApi } from '../../../src/extension/extension';
import type { Explanation } from '../../../src/shared/types';
import { test } from './registry';

const EXTENSION_ID = 'attribution-lens.attribution-lens';
const COMMANDS = ['attributionLens.explainModel', 'attributionLens.selectBackend', 'attributionLens.showLog'];

/** Set by runTests.ts: the temporary workspace and the CLI's explanation of the sample's row 0. */
const WORKSPACE = process.env.ATTRIBUTION_LENS_TEST_WORKSPACE ?? '';
const CLI_REFERENCE = process.env.ATTRIBUTION_LENS_TEST_CLI_REFERENCE ?? '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(): Promise<AttributionLensApi> {
  const ext = vscode.extensions.getExtension<AttributionLensApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed in the development host`);
  return ext.activate();
}

/**
 * Answers every picker of a running Explain Model… with its preselected item (the first input beside the model,
 * its first row, the default method, the predicted class) until `done` says the explanation arrived.
 */
async function acceptPickersUntil(done: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let accepted = 0;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no explanation within ${timeoutMs / 1000} s (${accepted} quick-open accepts sent)`);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    accepted++;
    await sleep(400);
  }
}

function explanationTabOpen(): boolean {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('attributionLens.explanation'));
}

async function explainWithDefaults(model: string): Promise<Explanation> {
  const lens = await api();
  const before = lens.currentExplanation();
  const command = vscode.commands.executeCommand('attributionLens.explainModel', vscode.Uri.file(model));
  await acceptPickersUntil(() => {
    const now = lens.currentExplanation();
    return now !== undefined && now !== before;
  });
  await command;
  return lens.currentExplanation()!;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

test('activates and registers its commands', async () => {
  await api();
  const all = await vscode.commands.getCommands(true);
  for (const c of COMMANDS) assert.ok(all.includes(c), `${c} is registered`);
});

test('offers Explain Model… in the explorer context menu of model.json only', async () => {
  const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
    contributes: { menus: Record<string, { command: string; when?: string }[]> };
  };
  const entry = pkg.contributes.menus['explorer/context']?.find((m) => m.command === 'attributionLens.explainModel');
  assert.ok(entry, 'an explorer/context entry for attributionLens.explainModel');
  assert.match(entry.when ?? '', /resourceFilename == model\.json/);
});

test('Explain Model… on the sample gives the CLI numbers and opens the panel', async () => {
  assert.ok(WORKSPACE && CLI_REFERENCE, 'run through test/electron/runTests.ts, which prepares the workspace');
  const reference = JSON.parse(readFileSync(CLI_REFERENCE, 'utf8')) as Explanation;
  const e = await explainWithDefaults(join(WORKSPACE, 'samples', 'credit-risk', 'model.json'));
  assert.equal(e.method.id, 'integrated-gradients');
  assert.equal(e.input.row, 0);
  assert.deepEqual(
    e.features.map((f) => f.name),
    reference.features.map((f) => f.name),
  );
  for (const [i, f] of e.features.entries()) {
    assert.ok(close(f.score, reference.features[i].score), `${f.name}: ${f.score} vs CLI ${reference.features[i].score}`);
  }
  assert.equal(e.prediction.index, reference.prediction.index);
  // The panel's tab reaches the extension host's tabGroups a moment after the panel is created.
  for (let i = 0; i < 50 && !explanationTabOpen(); i++) await sleep(100);
  assert.ok(explanationTabOpen(), 'the explanation panel is open');
});

test('a corrupt model.json fails without an explanation, and the next request still works', async () => {
  const lens = await api();
  const before = lens.currentExplanation();
  assert.ok(before, 'an explanation from the previous test');
  const failing = vscode.commands.executeCommand('attributionLens.explainModel', vscode.Uri.file(join(WORKSPACE, 'bad-models', 'corrupt-json', 'model.json')));
  // The error notification holds the command until it is dismissed; clearing notifications dismisses it.
  await sleep(3000);
  await vscode.commands.executeCommand('notifications.clearAll');
  await failing; // resolves: the error was reported, not thrown
  assert.equal(lens.currentExplanation(), before, 'the failed request left the panel as it was');
  // The pickers now offer the last input and method first, so the defaults repeat the previous request.
  const again = await explainWithDefaults(join(WORKSPACE, 'samples', 'credit-risk', 'model.json'));
  assert.notEqual(again, before, 'a new explanation arrived');
  assert.deepEqual(
    again.features.map((f) => f.score),
    before.features.map((f) => f.score),
  );
});
