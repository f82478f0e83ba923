// One end-to-end session: the built extension staged, a temporary workspace, code-server serving it and a
// headless Chromium (Debian's, driven by playwright-core). close() always stops all of it and checks that no
// process of the session is left; every test file starts one session and closes it.
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBuilt } from '../../../scripts/e2e/ensure-build.mjs';
import { ensureTools } from '../../../scripts/e2e/install-tools.mjs';
import { startCodeServer, type CodeServer } from './codeServer';
import { stageExtension, type StagedExtension } from './extension';
import { resultsPath, slug } from './paths';
import { killMarked, processesMarked, SESSION_MARK, type ProcessInfo } from './processes';
import { waitForWorkbench } from './workbench';
import { createWorkspace, type Workspace } from './workspace';

/** Flags from shared/OFFLINE.md: no sandbox (root), no GPU, and no background traffic to hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-breakpad',
  '--disable-crash-reporter',
];
export const VIEWPORT = { width: 1400, height: 900 };

export interface Session {
  name: string;
  id: string;
  workspace: Workspace;
  extension: StagedExtension;
  server: CodeServer;
  browser: Browser;
  /** A new browser window on the workspace (a fresh extension host), ready for commands. */
  openWindow(): Promise<Page>;
  /** Processes of this session still running. */
  processes(): ProcessInfo[];
  /** Stops the browser and code-server and kills stragglers; returns the stragglers it had to kill. Idempotent. */
  close(): Promise<ProcessInfo[]>;
}

export interface SessionOptions {
  /**
   * Runs after the extension and the workspace are staged, before code-server starts: may stage more into the
   * extensions folder and returns variables for code-server's environment (its extension hosts inherit them).
   */
  prepare?: (p: { tmp: string; extensionsDir: string; workspace: Workspace }) => Promise<Record<string, string>>;
}

export async function startSession(name: string, options: SessionOptions = {}): Promise<Session> {
  ensureBuilt();
  const tools = ensureTools();
  const id = `${slug(name)}-${randomUUID().slice(0, 8)}`;
  const tmp = mkdtempSync(join(tmpdir(), 'attribution-lens-e2e-'));
  const env = { ...process.env, [SESSION_MARK]: id };
  const logDir = slug(name);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let closed: Promise<ProcessInfo[]> | undefined;

  const close = () =>
    (closed ??= (async () => {
      // A browser that does not close within 10 s is killed below with the rest.
      await Promise.race([browser?.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
      await server?.stop();
      const stragglers = await killMarked(SESSION_MARK, id);
      rmSync(tmp, { recursive: true, force: true });
      return stragglers;
    })());

  try {
    const extensionsDir = join(tmp, 'extensions');
    const extension = stageExtension(extensionsDir);
    const workspace = createWorkspace(join(tmp, 'workspace'));
    const extraEnv = (await options.prepare?.({ tmp, extensionsDir, workspace })) ?? {};
    server = await startCodeServer({
      node: tools.node,
      entry: tools.codeServerEntry,
      extensionsDir,
      userDataDir: join(tmp, 'user-data'),
      stateDir: join(tmp, 'state'),
      workspace: workspace.root,
      logFile: resultsPath(logDir, 'code-server.log'),
      env: { ...env, ...extraEnv },
    });
    browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS, env });
    const consoleLog = resultsPath(logDir, 'browser-console.log');
    const s: Session = {
      name,
      id,
      workspace,
      extension,
      server,
      browser,
      async openWindow() {
        const page = await browser!.newPage({ viewport: VIEWPORT });
        page.on('console', (m) => appendFileSync(consoleLog, `${new Date().toISOString()} [${m.type()}] ${m.text()}\n`));
        page.on('pageerror', (e) => appendFileSync(consoleLog, `${new Date().toISOString()} [pageerror] ${e.message}\n`));
        await page.goto(server!.workbenchUrl);
        await waitForWorkbench(page);
        return page;
      },
      processes: () => processesMarked(SESSION_MARK, id),
      close,
    };
    return s;
  } catch (e) {
    await close();
    throw e;
  }
}
