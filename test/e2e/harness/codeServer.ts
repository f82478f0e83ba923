// Starts code-server (VS Code's workbench served to a browser, with a real extension host in Node 24) on a free
// loopback port, in its own process group so the whole tree can be stopped at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stopProcessGroup } from './processes';

/** User settings for a quiet, reproducible workbench: no welcome pages, tips, telemetry, updates or AI chat. */
export const BASE_SETTINGS = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  // One explorer row per folder, so tests can walk paths segment by segment.
  'explorer.compactFolders': false,
  'files.simpleDialog.enable': true,
  'window.commandCenter': false,
  'remote.autoForwardPorts': false,
};

export interface CodeServerOptions {
  node: string;
  entry: string;
  extensionsDir: string;
  userDataDir: string;
  workspace: string;
  /** Folder for config.yaml and XDG data, so nothing is written to the home folder. */
  stateDir: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  /** The workbench URL with the workspace folder open. */
  workbenchUrl: string;
  settingsFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitUntilHealthy(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before it answered; log:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s; log:\n${tail(logFile)}`);
}

export function writeUserSettings(settingsFile: string, settings: Record<string, unknown>): void {
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const userDir = join(o.userDataDir, 'User');
  mkdirSync(userDir, { recursive: true });
  mkdirSync(o.extensionsDir, { recursive: true });
  const settingsFile = join(userDir, 'settings.json');
  writeUserSettings(settingsFile, { ...BASE_SETTINGS, ...o.settings });
  const config = join(o.stateDir, 'config.yaml');
  mkdirSync(o.stateDir, { recursive: true });
  writeFileSync(config, 'auth: none\ncert: false\n');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(o.logFile);
  const child = spawn(
    o.node,
    [
      o.entry,
      '--config', config,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--extensions-dir', o.extensionsDir,
      '--user-data-dir', o.userDataDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      // A closed window's extension host (and the engine it forked) exits after this many seconds instead of 3 hours.
      '--reconnection-grace-time', '20',
      o.workspace,
    ],
    {
      detached: true, // its own process group: stop() signals the whole tree
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...o.env,
        XDG_CONFIG_HOME: join(o.stateDir, 'config'),
        XDG_DATA_HOME: join(o.stateDir, 'data'),
        XDG_CACHE_HOME: join(o.stateDir, 'cache'),
      },
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${o.node} ${o.entry}`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcessGroup(pid);
    log.end();
  };
  try {
    await waitUntilHealthy(url, child, o.logFile, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    port,
    pid,
    workbenchUrl: `${url}/?folder=${encodeURIComponent(o.workspace)}`,
    settingsFile,
    stop,
  };
}
