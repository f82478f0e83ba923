// Draws explained examples in text editors. Colors are the extension's own theme colors (package.json
// contributes.colors: translucent red raises the target score, blue lowers it, as in the panel and the HTML report;
// themes and users can override them). Intensity comes from stacking: a token in bucket k gets the translucent
// background of buckets 1 … k, so stronger attributions are darker (ThemeColor has no opacity of its own). The
// strongest bucket also gets a border, and the top tokens of each example are marked in the overview ruler.
import * as vscode from 'vscode';
import { BUCKETS, type TokenDecoration } from './decorationModel';
import type { ExampleResult } from './explanationStore';

type Sign = TokenDecoration['sign'];

const BACKGROUND: Record<Sign, string> = {
  positive: 'attributionLens.raisesBackground',
  negative: 'attributionLens.lowersBackground',
};
const STRONG: Record<Sign, string> = { positive: 'attributionLens.raisesBorder', negative: 'attributionLens.lowersBorder' };

export class DatasetDecorations implements vscode.Disposable {
  private readonly layers: Record<Sign, vscode.TextEditorDecorationType[]>;
  private readonly ruler: Record<Sign, vscode.TextEditorDecorationType>;

  constructor() {
    const layer = (sign: Sign, bucket: number) =>
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(BACKGROUND[sign]),
        ...(bucket === BUCKETS ? { border: '1px solid', borderColor: new vscode.ThemeColor(STRONG[sign]), borderRadius: '2px' } : {}),
      });
    const layers = (sign: Sign) => Array.from({ length: BUCKETS }, (_, i) => layer(sign, i + 1));
    this.layers = { positive: layers('positive'), negative: layers('negative') };
    const ruler = (sign: Sign) =>
      vscode.window.createTextEditorDecorationType({
        overviewRulerColor: new vscode.ThemeColor(STRONG[sign]),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      });
    this.ruler = { positive: ruler('positive'), negative: ruler('negative') };
  }

  /** Replaces everything drawn in `editor` by `results` (an empty list clears it). */
  render(editor: vscode.TextEditor, results: readonly ExampleResult[]): void {
    const doc = editor.document;
    const range = (t: TokenDecoration) => new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end));
    for (const sign of ['positive', 'negative'] as const) {
      const tokens = results.flatMap((r) => r.decorations.tokens.filter((t) => t.sign === sign));
      this.layers[sign].forEach((type, i) => {
        const options = tokens
          .filter((t) => t.bucket >= i + 1)
          // Only the bottom layer carries the hover, so it shows once.
          .map((t) => ({ range: range(t), ...(i === 0 ? { hoverMessage: hover(t.hover) } : {}) }));
        editor.setDecorations(type, options);
      });
      const top = results.flatMap((r) => r.decorations.top.filter((t) => t.sign === sign));
      editor.setDecorations(this.ruler[sign], top.map((t) => ({ range: range(t) })));
    }
  }

  dispose(): void {
    for (const type of [...this.layers.positive, ...this.layers.negative, this.ruler.positive, this.ruler.negative]) type.dispose();
  }
}

function hover(markdown: string): vscode.MarkdownString {
  // Untrusted and without HTML: the text is escaped already; this keeps command links and raw HTML inert as well.
  const md = new vscode.MarkdownString(markdown, false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}
