// Where the end-to-end harness finds the repository and writes its results (screenshots, logs).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const RESULTS_DIR = process.env.ATTRIBUTION_LENS_E2E_RESULTS ?? join(REPO_ROOT, 'test-results', 'e2e');

export function resultsPath(...parts: string[]): string {
  const p = join(RESULTS_DIR, ...parts);
  mkdirSync(join(p, '..'), { recursive: true });
  return p;
}

/** File-name-safe form of a scenario or step title. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
