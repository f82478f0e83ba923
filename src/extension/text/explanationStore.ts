// The explained examples of each open document and what happens to them when the document is edited: results whose
// example text the edit touches are dropped; results after the edit are shifted by the length difference (their
// characters did not change, only moved); results before it are kept. vscode-free.
import type { ExampleDecorations, TokenDecoration } from './decorationModel';

export interface ExampleResult {
  /** Row when explained (rows after an inserted/deleted record renumber, so lenses match by `start`). */
  row: number;
  /** Document range [start, end) of the example's text. */
  start: number;
  end: number;
  /** Predicted label (for the summary). */
  label: string;
  title: string;
  decorations: ExampleDecorations;
}

export interface TextChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** Applies one document change event's edits. Edits are processed last-first so each offset refers to the old text. */
export function applyChanges(results: ExampleResult[], changes: readonly TextChange[]): { kept: ExampleResult[]; dropped: ExampleResult[] } {
  let kept = results;
  const dropped: ExampleResult[] = [];
  for (const c of [...changes].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
    const from = c.rangeOffset;
    const to = c.rangeOffset + c.rangeLength;
    const delta = c.text.length - c.rangeLength;
    const next: ExampleResult[] = [];
    for (const r of kept) {
      // Inclusive ends: typing right before the first or after the last character changes the example's text.
      if (from <= r.end && to >= r.start) dropped.push(r);
      else if (r.start > to) next.push(delta === 0 ? r : shift(r, delta));
      else next.push(r);
    }
    kept = next;
  }
  return { kept, dropped };
}

function shift(r: ExampleResult, delta: number): ExampleResult {
  const move = (t: TokenDecoration): TokenDecoration => ({ ...t, start: t.start + delta, end: t.end + delta });
  const tokens = r.decorations.tokens.map(move);
  const byOld = new Map(r.decorations.tokens.map((t, i) => [t, tokens[i]]));
  return {
    ...r,
    start: r.start + delta,
    end: r.end + delta,
    decorations: { ...r.decorations, tokens, top: r.decorations.top.map((t) => byOld.get(t) ?? move(t)) },
  };
}

/** Per-document results, keyed by the document's URI string. */
export class ExplanationStore {
  private readonly byDocument = new Map<string, ExampleResult[]>();

  get(uri: string): readonly ExampleResult[] {
    return this.byDocument.get(uri) ?? [];
  }

  /** Adds (or replaces the result for the same example range). */
  set(uri: string, result: ExampleResult): void {
    const rest = this.get(uri).filter((r) => r.start !== result.start);
    this.byDocument.set(uri, [...rest, result].sort((a, b) => a.start - b.start));
  }

  /** The result whose example starts at `start`, if any. */
  at(uri: string, start: number): ExampleResult | undefined {
    return this.get(uri).find((r) => r.start === start);
  }

  /** Returns true when something was dropped or moved. */
  edit(uri: string, changes: readonly TextChange[]): boolean {
    const current = this.byDocument.get(uri);
    if (!current?.length || !changes.length) return false;
    const { kept } = applyChanges(current, changes);
    this.byDocument.set(uri, kept);
    return true;
  }

  clear(uri?: string): void {
    if (uri === undefined) this.byDocument.clear();
    else this.byDocument.delete(uri);
  }

  documents(): string[] {
    return [...this.byDocument.keys()];
  }
}
