// Finds and stops the processes an end-to-end session started. Every process of a session (code-server, its
// extension hosts, the engine they fork, Chromium and its helpers) inherits one environment variable with the
// session's id, so the leftovers can be found by that mark alone, whatever they were renamed to.
import { readdirSync, readFileSync } from 'node:fs';

/** Set in the environment of everything a session starts; its value is the session id. */
export const SESSION_MARK = 'ATTRIBUTION_LENS_E2E_SESSION';
/** Set by scripts/e2e/run.mjs for a whole run, so the runner can check for leftovers after all files ended. */
export const RUN_MARK = 'ATTRIBUTION_LENS_E2E_RUN';

export interface ProcessInfo {
  pid: number;
  command: string;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** Live processes (zombies excluded) whose environment holds name=value. */
export function processesMarked(name: string, value: string): ProcessInfo[] {
  const needle = `${name}=${value}`;
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const environ = readProc(pid, 'environ');
    if (!environ?.split('\0').includes(needle)) continue;
    const state = readProc(pid, 'stat')?.replace(/^.*\)\s+/, '')[0];
    if (state === 'Z') continue;
    found.push({ pid, command: (readProc(pid, 'cmdline') ?? '').split('\0').join(' ').trim().slice(0, 200) });
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM to a process group, then SIGKILL if anything of it is still there after graceMs. */
export async function stopProcessGroup(pgid: number, graceMs = 5000): Promise<void> {
  signal(-pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return; // no process left in the group
    }
    await sleep(100);
  }
  signal(-pgid, 'SIGKILL');
}

/**
 * Kills, one by one by id, what still carries the mark (processes that left the group, e.g. by calling setsid),
 * and waits until none is left. Returns what it had to kill.
 */
export async function killMarked(name: string, value: string, timeoutMs = 5000): Promise<ProcessInfo[]> {
  const leftovers = processesMarked(name, value);
  for (const p of leftovers) signal(p.pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (processesMarked(name, value).length && Date.now() < deadline) await sleep(100);
  return leftovers;
}
