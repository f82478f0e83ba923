// A minimal DOM with just what webview/explanation/render.ts uses, so rendering can be tested in Node.
// It records text as text (never parses markup), which is exactly what the real DOM does for textContent.

export class FakeText {
  constructor(readonly data: string) {}
  get textContent(): string {
    return this.data;
  }
}

export class FakeElement {
  readonly children: (FakeElement | FakeText)[] = [];
  readonly attributes = new Map<string, string>();
  readonly listeners = new Map<string, ((event: { target: unknown }) => void)[]>();
  readonly style: Record<string, string> = Object.defineProperty({} as Record<string, string>, 'setProperty', {
    enumerable: false,
    value(this: Record<string, string>, name: string, value: string) {
      this[name] = value;
    },
  });
  className = '';

  constructor(readonly tagName: string) {}

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  set textContent(text: string) {
    this.children.splice(0, this.children.length, new FakeText(text));
  }

  get textContent(): string {
    return this.children.map((c) => c.textContent).join('');
  }

  append(...nodes: (FakeElement | FakeText | string)[]): void {
    for (const n of nodes) this.children.push(typeof n === 'string' ? new FakeText(n) : n);
  }

  replaceChildren(...nodes: (FakeElement | FakeText | string)[]): void {
    this.children.length = 0;
    this.append(...nodes);
  }

  addEventListener(type: string, listener: (event: { target: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  dispatch(type: string, target: unknown = this): void {
    for (const l of this.listeners.get(type) ?? []) l({ target });
  }

  /** Depth-first list of all descendant elements. */
  descendants(): FakeElement[] {
    return this.children.flatMap((c) => (c instanceof FakeElement ? [c, ...c.descendants()] : []));
  }

  find(predicate: (e: FakeElement) => boolean): FakeElement[] {
    return this.descendants().filter(predicate);
  }
}

export class FakeDocument {
  readonly created: string[] = [];
  createElement(tag: string): FakeElement {
    this.created.push(tag.toLowerCase());
    return new FakeElement(tag.toLowerCase());
  }
}

/** Casts for passing the fakes where render.ts expects DOM types. */
export function asDom(doc: FakeDocument, root: FakeElement): [Document, HTMLElement] {
  return [doc as unknown as Document, root as unknown as HTMLElement];
}
