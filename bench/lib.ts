// Pure helpers of the benchmark suite (no tfjs, no timing): statistics, formatting, the text table, flags.
// test/unit/bench/benchSmoke.test.ts checks them.

/** Median of the samples (mean of the two middle ones for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function minimum(samples: readonly number[]): number {
  return samples.length ? Math.min(...samples) : NaN;
}

/** Milliseconds, with a unit that keeps 3 significant digits readable: 2.6 µs, 0.42 ms, 12.3 ms, 431 ms, 2.31 s. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(ms < 100_000 ? 2 : 0)} s`;
}

/** Bytes as MiB (binary), e.g. 212.4 MiB; '—' when unknown. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A speed-up or ratio: 5.3×, 0.82×, 120×; '—' when unknown. */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r) || r <= 0) return '—';
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** Examples per second from the median time of one example; '—' when unknown. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond) || perSecond <= 0) return '—';
  if (perSecond >= 100) return perSecond.toFixed(0);
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

export interface Column {
  title: string;
  /** Numbers read better right-aligned. */
  align?: 'left' | 'right';
}

/** A plain-text table: header, a rule, then the rows; every column as wide as its widest cell. */
export function buildTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  for (const r of rows) {
    if (r.length !== columns.length) throw new Error(`row has ${r.length} cells, table has ${columns.length} columns`);
  }
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table as Markdown (for docs/benchmarks.md). */
export function buildMarkdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = `| ${columns.map((c) => esc(c.title)).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export interface BenchFlags {
  quick: boolean;
  /** Case-insensitive pattern on section and case names (model, method, kernel). */
  only?: RegExp;
  json?: string;
  /** Markdown tables to this file (used to fill docs/benchmarks.md). */
  markdown?: string;
  /** Skip the stock-kernel child processes (halves the time). */
  noStock: boolean;
  help: boolean;
}

export function parseFlags(argv: readonly string[]): BenchFlags {
  const flags: BenchFlags = { quick: false, noStock: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--quick':
        flags.quick = true;
        break;
      case '--no-stock':
        flags.noStock = true;
        break;
      case '--only':
        flags.only = new RegExp(value(), 'i');
        break;
      case '--json':
        flags.json = value();
        break;
      case '--markdown':
        flags.markdown = value();
        break;
      case '--help':
      case '-h':
        flags.help = true;
        break;
      default:
        throw new Error(`unknown flag ${a}`);
    }
  }
  return flags;
}

/** Ours over the reference in time: < 1 means we are faster. */
export function timeRatio(ours: number | undefined, reference: number | undefined): number | undefined {
  if (ours === undefined || reference === undefined || !(ours > 0) || !(reference > 0)) return undefined;
  return ours / reference;
}

/** Whether a case named by its parts passes --only (no pattern: everything). */
export function selected(only: RegExp | undefined, ...names: string[]): boolean {
  return !only || names.some((n) => only.test(n)) || only.test(names.join(' '));
}
