// Canvas and image fakes on top of fakeDom, for the image overlay body. The 2-D context records what is drawn;
// toDataURL encodes that record (JSON in base64) so a test can check what an exported PNG would contain.
import { FakeDocument, FakeElement } from './fakeDom';

export interface FakeImageData {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type DrawOp =
  | { op: 'putImageData'; width: number; height: number; maxAlpha: number }
  | { op: 'drawImage'; source: string; dx: number; dy: number; dw: number; dh: number; maxAlpha?: number };

export class FakeContext2D {
  readonly ops: DrawOp[] = [];
  imageSmoothingEnabled = true;
  /** What putImageData last wrote. */
  image?: FakeImageData;

  constructor(readonly canvas: FakeCanvas) {}

  createImageData(width: number, height: number): FakeImageData {
    return { width, height, data: new Uint8ClampedArray(width * height * 4) };
  }

  putImageData(image: FakeImageData, _x: number, _y: number): void {
    this.image = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
    this.ops.push({ op: 'putImageData', width: image.width, height: image.height, maxAlpha: maxAlpha(image.data) });
  }

  drawImage(source: FakeElement, dx: number, dy: number, dw: number, dh: number): void {
    const ctx = source instanceof FakeCanvas ? source.context : undefined;
    this.ops.push({
      op: 'drawImage',
      source: source.tagName,
      dx,
      dy,
      dw,
      dh,
      ...(ctx?.image ? { maxAlpha: maxAlpha(ctx.image.data) } : {}),
    });
  }
}

function maxAlpha(data: Uint8ClampedArray): number {
  let m = 0;
  for (let i = 3; i < data.length; i += 4) m = Math.max(m, data[i]);
  return m;
}

export class FakeCanvas extends FakeElement {
  width = 300;
  height = 150;
  context?: FakeContext2D;

  constructor() {
    super('canvas');
  }

  getContext(kind: string): FakeContext2D | null {
    if (kind !== '2d') return null;
    this.context ??= new FakeContext2D(this);
    return this.context;
  }

  toDataURL(type = 'image/png'): string {
    const record = { width: this.width, height: this.height, ops: this.context?.ops ?? [] };
    return `data:${type};base64,${Buffer.from(JSON.stringify(record)).toString('base64')}`;
  }
}

/** An <img> that loads only when the test says so (dispatch('load')). */
export class FakeImage extends FakeElement {
  complete = false;
  naturalWidth = 0;

  constructor() {
    super('img');
  }

  finishLoading(): void {
    this.complete = true;
    this.naturalWidth = Number(this.getAttribute('width') ?? 1);
    this.dispatch('load');
  }
}

/** A FakeDocument whose <canvas> and <img> elements are the fakes above. */
export class CanvasDocument extends FakeDocument {
  readonly canvases: FakeCanvas[] = [];

  override createElement(tag: string): FakeElement {
    const base = super.createElement(tag);
    if (base.tagName === 'canvas') {
      const c = new FakeCanvas();
      this.canvases.push(c);
      return c;
    }
    if (base.tagName === 'img') return new FakeImage();
    return base;
  }
}

/** Decodes what FakeCanvas.toDataURL encoded. */
export function decodeRecord(base64: string): { width: number; height: number; ops: DrawOp[] } {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
}
