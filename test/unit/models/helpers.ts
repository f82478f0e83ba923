// Shared by the model-loading tests: fixture paths, temp copies, and error assertions.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../src/engine/errors';

export const FIXTURES = join(__dirname, '../../fixtures/bad-models');

export const fixture = (name: string, file = 'model.json') => join(FIXTURES, name, file);

/** A private copy of a fixture folder, safe to edit; returns the path of its model.json. */
export function copyFixture(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), `lens-models-${name}-`)), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return join(dir, 'model.json');
}

/** Awaits a rejection that is an EngineError with this code whose one-line message contains every fragment. */
export async function rejectsWith(promise: Promise<unknown>, code: string, fragments: string[]): Promise<EngineError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EngineError, `expected an EngineError, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes('\n'), `message is one line: ${caught.message}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  return caught;
}

/** File bytes as a plain Uint8Array (this @types/node's Buffer does not type-check as one under TS 5.9). */
export const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
