// What a test file uses: one session per file (started before its tests, always closed after them), scenarios
// on fresh windows, and a closing test that proves teardown leaves no process behind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { slug } from './paths';
import { runScenario, type Scenario } from './scenario';
import { startSession, type Session, type SessionOptions } from './session';

/** Per scenario: opening a window, starting the engine and a few pickers take well under a minute here. */
export const SCENARIO_TIMEOUT = 180_000;

export interface E2eFile {
  readonly session: Session;
  /** Declares a test that runs `body` as a scenario on a fresh window. */
  scenario(title: string, body: (s: Scenario) => Promise<void>): void;
  /** Declares the file's last test: closing the session stops every process it started. */
  teardownTest(): void;
}

export function e2eFile(name: string, options: SessionOptions = {}): E2eFile {
  let session: Session | undefined;
  before(
    async () => {
      session = await startSession(name, options);
    },
    // The first run on a machine installs code-server (a few minutes); scripts/e2e/run.mjs does that before.
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await session?.close();
  });
  const current = () => {
    if (!session) throw new Error(`the e2e session '${name}' did not start`);
    return session;
  };
  return {
    get session() {
      return current();
    },
    scenario(title, body) {
      test(title, { timeout: SCENARIO_TIMEOUT }, () => runScenario(() => current().openWindow(), slug(name), title, body));
    },
    teardownTest() {
      test('teardown: no code-server, extension host, engine or Chromium process is left', async () => {
        const s = current();
        const before = s.processes();
        assert.ok(before.some((p) => p.command.includes('code-server')), 'code-server should be running before teardown');
        assert.ok(before.some((p) => p.command.includes('chromium')), 'Chromium should be running before teardown');
        const stragglers = await s.close();
        assert.deepEqual(stragglers, [], 'processes that outlived the browser close and the process-group kill');
        assert.deepEqual(s.processes(), [], 'processes of this session still running');
      });
    },
  };
}
