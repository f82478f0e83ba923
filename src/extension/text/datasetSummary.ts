// The output-channel summary after explaining a whole dataset file: predicted label counts and, per predicted
// label, the tokens whose attributions (toward that label) add up to the most across examples. vscode-free.
import type { ExampleResult } from './explanationStore';

export function datasetSummary(fileName: string, results: readonly ExampleResult[], failed: number, topN = 8): string[] {
  const lines = [`${fileName}: ${results.length} example(s) explained${failed ? `, ${failed} failed` : ''}`];
  const byLabel = new Map<string, ExampleResult[]>();
  for (const r of results) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
  for (const [label, group] of [...byLabel].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    lines.push(`  predicted ${label}: ${group.length}`);
    const sums = new Map<string, number>();
    for (const r of group) {
      for (const t of r.decorations.tokens) {
        const key = t.text.toLowerCase();
        sums.set(key, (sums.get(key) ?? 0) + t.score);
      }
    }
    const ranked = [...sums].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const fmt = ([t, s]: [string, number]) => `${JSON.stringify(t)} ${s >= 0 ? '+' : ''}${s.toFixed(3)}`;
    const pos = ranked.filter(([, s]) => s > 0).slice(0, topN);
    const neg = ranked.filter(([, s]) => s < 0).reverse().slice(0, topN);
    if (pos.length) lines.push(`    for ${label}: ${pos.map(fmt).join(', ')}`);
    if (neg.length) lines.push(`    against ${label}: ${neg.map(fmt).join(', ')}`);
  }
  return lines;
}
