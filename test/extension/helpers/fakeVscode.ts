// A scripted stand-in for the `vscode` module with just the API surface src/extension uses, so activation and the
// Explain Model flow can run in Node against the real engine process. Quick picks and dialogs are answered by a
// script the test provides; everything shown to the user is recorded.
import Module from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(readonly fsPath: string) {}
  readonly scheme = 'file';
  get path(): string {
    return this.fsPath;
  }
  static file(path: string): Uri {
    return new Uri(path);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(join(base.fsPath, ...parts));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
  union(other: Range): Range {
    const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
    return new Range(before(this.start, other.start) ? this.start : other.start, before(this.end, other.end) ? other.end : this.end);
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class MarkdownString {
  isTrusted = false;
  supportHtml = false;
  constructor(
    readonly value: string = '',
    readonly supportThemeIcons = false,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[] },
  ) {}
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class TextDocument {
  readonly uri: Uri;
  isDirty = false;
  constructor(
    readonly fileName: string,
    private readonly text: string,
  ) {
    this.uri = Uri.file(fileName);
  }
  getText(): string {
    return this.text;
  }
  private lineStarts(): number[] {
    const starts = [0];
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\n' || (c === '\r' && this.text[i + 1] !== '\n')) starts.push(i + 1);
    }
    return starts;
  }
  offsetAt(p: Position): number {
    return (this.lineStarts()[p.line] ?? this.text.length) + p.character;
  }
  positionAt(offset: number): Position {
    const starts = this.lineStarts();
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    return new Position(line, offset - starts[line]);
  }
  validatePosition(p: Position): Position {
    return p;
  }
  save(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

export interface QuickPickLike {
  title?: string;
  items: { label: string; kind?: number }[];
  activeItems: unknown[];
}

/** Answers a quick pick (by its title) with one of its items, or undefined to cancel. */
export type PickScript = (title: string, items: { label: string; kind?: number }[], active: unknown[]) => unknown;

export interface Recorder {
  errors: string[];
  warnings: string[];
  infos: string[];
  logs: string[];
  panels: FakePanel[];
  picks: string[];
  shownSelections: { file: string; start: Position; end: Position }[];
  statusBar: { text: string; tooltip?: string; command?: string };
  commands: Map<string, (...args: unknown[]) => unknown>;
  serializers: Map<string, unknown>;
  /** Text decoration types created, with their options. */
  decorationTypes: { options: unknown; dispose(): void }[];
  codeLensProviders: { selector: unknown; provider: unknown }[];
  /** Fire to simulate workspace.onDidChangeTextDocument. */
  documentChanged: EventEmitter<unknown>;
  clipboard: string;
  config: Map<string, unknown>;
}

export class FakePanel {
  title: string;
  readonly posted: unknown[] = [];
  private readonly received = new EventEmitter<unknown>();
  private readonly disposed = new EventEmitter<void>();
  readonly webview = {
    options: {} as { enableScripts?: boolean; localResourceRoots?: Uri[] },
    html: '',
    cspSource: 'https://fake.vscode-cdn.net',
    asWebviewUri: (u: Uri) => `https://fake.vscode-cdn.net${u.fsPath}`,
    postMessage: (m: unknown) => {
      this.posted.push(m);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: this.received.event,
  };
  constructor(
    readonly viewType: string,
    title: string,
    readonly options: Record<string, unknown>,
  ) {
    this.title = title;
  }
  onDidDispose = this.disposed.event;
  reveal(): void {}
  dispose(): void {
    this.disposed.fire();
  }
  /** Simulates a message from the webview script. */
  async fromWebview(message: unknown): Promise<void> {
    this.received.fire(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === '.git') return [];
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// The glob subset the extension uses: a file name, *.{a,b} extensions, or {name,*.ext,...} alternatives.
function matches(pattern: string, path: string): boolean {
  const name = path.split('/').pop()!;
  const exts = /\*\.\{([^}]+)\}$/.exec(pattern)?.[1].split(',');
  if (exts) return exts.some((e) => name.endsWith(`.${e}`));
  const alternatives = /^\*\*\/\{([^}]+)\}$/.exec(pattern)?.[1].split(',');
  if (alternatives) return alternatives.some((a) => (a.startsWith('*.') ? name.endsWith(a.slice(1)) : name === a));
  return name === pattern.replace('**/', '');
}

export function createFakeVscode(workspaceRoot: string, script: PickScript, options: { trusted?: boolean; activeEditor?: { doc: TextDocument; line: number } } = {}) {
  const rec: Recorder = {
    errors: [], warnings: [], infos: [], logs: [], panels: [], picks: [], shownSelections: [],
    statusBar: { text: '' }, commands: new Map(), serializers: new Map(), clipboard: '', config: new Map(),
    decorationTypes: [], codeLensProviders: [], documentChanged: new EventEmitter<unknown>(),
  };
  // Settings fall back to the defaults package.json contributes, as in VS Code.
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
  const defaults = new Map<string, unknown>(
    Object.entries(pkg.contributes.configuration.properties as Record<string, { default?: unknown }>).map(([k, v]) => [k, v.default]),
  );
  const configChanged = new EventEmitter<{ affectsConfiguration(k: string): boolean }>();
  const answer = (title: string, items: { label: string; kind?: number }[], active: unknown[]) => {
    rec.picks.push(title);
    return script(title, items, active);
  };
  const log = (level: string) => (m: string) => rec.logs.push(`${level}: ${m}`);
  const vscode = {
    EventEmitter,
    Uri,
    ThemeColor,
    MarkdownString,
    CodeLens,
    Disposable,
    OverviewRulerLane: { Left: 1, Center: 2, Right: 4, Full: 7 },
    Position,
    Range,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    FileType: { File: 1, Directory: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    env: { clipboard: { writeText: async (t: string) => void (rec.clipboard = t) } },
    commands: {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        rec.commands.set(id, fn);
        return { dispose: () => rec.commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => rec.commands.get(id)?.(...args),
    },
    window: {
      get activeTextEditor() {
        const a = options.activeEditor;
        return a && { document: a.doc, selection: { active: new Position(a.line, 0) } };
      },
      visibleTextEditors: [] as unknown[],
      onDidChangeVisibleTextEditors: new EventEmitter<unknown>().event,
      createTextEditorDecorationType: (options: unknown) => {
        const type = { options, dispose: () => {} };
        rec.decorationTypes.push(type);
        return type;
      },
      createOutputChannel: () => ({ info: log('info'), warn: log('warn'), error: log('error'), show: () => {}, dispose: () => {} }),
      createStatusBarItem: () => Object.assign(rec.statusBar, { show: () => {}, dispose: () => {} }),
      showErrorMessage: async (m: string) => void rec.errors.push(m),
      showWarningMessage: async (m: string) => void rec.warnings.push(m),
      showInformationMessage: async (m: string) => void rec.infos.push(m),
      setStatusBarMessage: (m: string) => (rec.infos.push(m), { dispose: () => {} }),
      showOpenDialog: async () => undefined,
      showQuickPick: async (items: { label: string; kind?: number }[], opts: { title?: string }) => answer(opts.title ?? '', items, []),
      createQuickPick: () => {
        const accept = new EventEmitter<void>();
        const hide = new EventEmitter<void>();
        const qp = {
          title: '', placeholder: '', items: [] as { label: string }[], activeItems: [] as unknown[], selectedItems: [] as unknown[],
          matchOnDetail: false, matchOnDescription: false,
          onDidAccept: accept.event, onDidHide: hide.event,
          show: () => setImmediate(() => {
            const picked = answer(qp.title, qp.items, qp.activeItems);
            if (picked === undefined) hide.fire();
            else {
              qp.selectedItems = [picked];
              accept.fire();
            }
          }),
          hide: () => hide.fire(),
          dispose: () => {},
        };
        return qp;
      },
      withProgress: async (_o: unknown, task: (p: unknown, t: unknown) => unknown) =>
        task({ report: () => {} }, { onCancellationRequested: () => ({ dispose: () => {} }) }),
      createWebviewPanel: (viewType: string, title: string, _column: unknown, opts: Record<string, unknown>) => {
        const panel = new FakePanel(viewType, title, opts);
        rec.panels.push(panel);
        return panel;
      },
      registerWebviewPanelSerializer: (viewType: string, s: unknown) => {
        rec.serializers.set(viewType, s);
        return { dispose: () => {} };
      },
      registerCustomEditorProvider: () => ({ dispose: () => {} }),
      showTextDocument: async (doc: TextDocument, o: { selection?: Range }) => {
        if (o.selection) rec.shownSelections.push({ file: doc.fileName, start: o.selection.start, end: o.selection.end });
        return { revealRange: () => {} };
      },
    },
    languages: {
      registerCodeLensProvider: (selector: unknown, provider: unknown) => {
        rec.codeLensProviders.push({ selector, provider });
        return { dispose: () => {} };
      },
    },
    workspace: {
      onDidChangeTextDocument: rec.documentChanged.event,
      onDidCloseTextDocument: new EventEmitter<unknown>().event,
      createFileSystemWatcher: () => ({
        onDidCreate: new EventEmitter<unknown>().event,
        onDidChange: new EventEmitter<unknown>().event,
        onDidDelete: new EventEmitter<unknown>().event,
        dispose: () => {},
      }),
      isTrusted: options.trusted ?? true,
      getConfiguration: (section: string) => ({
        get: (key: string, fallback?: unknown) => rec.config.get(`${section}.${key}`) ?? defaults.get(`${section}.${key}`) ?? fallback,
        inspect: (key: string) => ({ key: `${section}.${key}`, globalValue: rec.config.get(`${section}.${key}`) }),
        update: async (key: string, value: unknown) => {
          rec.config.set(`${section}.${key}`, value);
          configChanged.fire({ affectsConfiguration: (k: string) => `${section}.${key}`.startsWith(k) });
        },
      }),
      onDidChangeConfiguration: configChanged.event,
      findFiles: async (pattern: string) => walk(workspaceRoot).filter((p) => matches(pattern, p)).map((p) => Uri.file(p)),
      asRelativePath: (p: string | Uri) => relative(workspaceRoot, typeof p === 'string' ? p : p.fsPath),
      fs: {
        readDirectory: async (u: Uri) => readdirSync(u.fsPath).map((f) => [f, statSync(join(u.fsPath, f)).isDirectory() ? 2 : 1]),
        readFile: async (u: Uri) => new Uint8Array(readFileSync(u.fsPath)),
      },
      openTextDocument: async (u: Uri) => new TextDocument(u.fsPath, readFileSync(u.fsPath, 'utf8')),
    },
  };
  return { vscode, rec };
}

/** Makes `require('vscode')` return the fake for modules loaded after this call. */
export function installFakeVscode(fake: unknown): () => void {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fake : original.call(this, request, ...rest);
  };
  return () => void (mod._load = original);
}
