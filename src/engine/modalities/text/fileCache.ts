// Reads small files whose parsed form is worth keeping (tokenizers, datasets): entries are keyed by path and
// reused while the file's size, inode and modification time stay the same. Files modified in the last two seconds
// are not cached, since a second write within the clock's granularity could leave the stamp unchanged.
import { readFileSync, statSync } from 'node:fs';
import { EngineError } from '../../errors';
import { Lru } from './lru';

const RACY_MS = 2000;
/** Larger files are refused rather than read whole into memory. */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

export function readTextFile(path: string, what = 'input file'): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new EngineError('INPUT_INVALID', `${what} not found`, path);
  }
  if (size > MAX_TEXT_FILE_BYTES) {
    throw new EngineError('INPUT_INVALID', `${what} is too large (${(size / 2 ** 20).toFixed(0)} MB; limit 256 MB)`, path);
  }
  return readFileSync(path, 'utf8');
}

function stampOf(path: string): { stamp: string; mtimeMs: number } | undefined {
  try {
    const s = statSync(path);
    return { stamp: `${s.ino}:${s.size}:${s.mtimeMs}`, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

export class FileCache<V> {
  private readonly entries: Lru<string, { stamp: string; value: V }>;

  constructor(capacity: number, private readonly parse: (path: string) => V) {
    this.entries = new Lru(capacity);
  }

  get(path: string): V {
    const before = stampOf(path);
    const cached = this.entries.get(path);
    if (cached && before && cached.stamp === before.stamp) return cached.value;
    const startedAt = Date.now();
    const value = this.parse(path);
    if (before && before.mtimeMs < startedAt - RACY_MS && stampOf(path)?.stamp === before.stamp) {
      this.entries.set(path, { stamp: before.stamp, value });
    } else {
      this.entries.delete(path);
    }
    return value;
  }
}
