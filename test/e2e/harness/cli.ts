// The CLI's answer for the same request the extension makes, to compare with what the panel shows.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Explanation, ModelSummary } from '../../../src/shared/types';
import { REPO_ROOT } from './paths';

export interface CliRequest {
  model: string;
  input: string;
  row?: number;
  method: string;
  /** Extra flags, e.g. ['--steps', '50']. */
  args?: string[];
}

export function cliExplain(r: CliRequest): Explanation {
  const args = [join(REPO_ROOT, 'dist', 'cli.js'), 'explain', r.model, '--input', r.input, '--method', r.method, '--json'];
  if (r.row !== undefined) args.push('--row', String(r.row));
  args.push(...(r.args ?? []));
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as Explanation;
}

/** The CLI's `info` for a model: what the model summary editor shows. */
export function cliInfo(model: string): ModelSummary {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'info', model, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as ModelSummary;
}
