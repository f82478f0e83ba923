// The CLI's answer for a request, computed in the background while the scenario drives the editor: start it with
// cliExplainAsync() before the UI steps and await it where the comparison happens (same arguments as cliExplain).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Explanation } from '../../../src/shared/types';
import type { CliRequest } from './cli';
import { REPO_ROOT } from './paths';

export function cliExplainAsync(r: CliRequest): Promise<Explanation> {
  const args = [join(REPO_ROOT, 'dist', 'cli.js'), 'explain', r.model, '--input', r.input, '--method', r.method, '--json'];
  if (r.row !== undefined) args.push('--row', String(r.row));
  args.push(...(r.args ?? []));
  const run = new Promise<Explanation>((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cli ${args.slice(1).join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Explanation);
    });
  });
  // A scenario that fails before awaiting it must not turn this into an unhandled rejection.
  run.catch(() => undefined);
  return run;
}
