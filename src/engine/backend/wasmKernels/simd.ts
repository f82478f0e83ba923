// A small hand-assembled WebAssembly SIMD module that runs our element-wise, pooling and stem-conv gradient loops
// directly on the wasm backend's heap. It imports the backend's own WebAssembly.Memory, so it reads and writes tensors
// in place (no copies) at 4 floats per instruction. Plain JS loops over heap views measured 3–4 ns per element for the
// Relu6/ClipByValue gradients and ~1.5 ns for MaxPoolGrad 2×2 once optimized; these passes are memory-bound at
// ~0.2–0.4 ns per element here. The binary is emitted by the tiny encoder below (no build step, no dependency).
// Functions take byte addresses into the heap and byte lengths; the element-wise ones take multiples of 16 and callers
// finish the (< 4 element) tails in JS. Where the module cannot run (no SIMD, or a threaded backend's shared memory)
// callers fall back to their JS loops or XNNPACK compositions.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './util';

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Instructions (each a byte array; `c(...)` concatenates).
type Code = number[];
const c = (...parts: Code[]): Code => parts.flat();
const get = (i: number): Code => [0x20, ...uleb(i)];
const set = (i: number): Code => [0x21, ...uleb(i)];
const i32 = (v: number): Code => [0x41, ...sleb(v)];
const f32c = (v: number): Code => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)];
const add = [0x6a];
const mul = [0x6c];
const sub = [0x6b];
const geU = [0x4f];
const ne = [0x47];
const eqz = [0x45];
const select = [0x1b];
const i32load = (off = 0): Code => [0x28, 2, ...uleb(off)];
const simd = (op: number, ...imm: number[]): Code => [0xfd, ...uleb(op), ...imm];
const vload = (off = 0): Code => simd(0x00, 2, ...uleb(off));
const vstore = (off = 0): Code => simd(0x0b, 2, ...uleb(off));
const vconst = (f: number): Code => {
  const b = new Uint8Array(new Float32Array([f, f, f, f]).buffer);
  return simd(0x0c, ...b);
};
const vconstBits = (bits: number): Code => {
  const b = new Uint8Array(new Int32Array([bits, bits, bits, bits]).buffer);
  return simd(0x0c, ...b);
};
const splat = simd(0x13); // f32x4.splat
const fne = simd(0x42);
const fgt = simd(0x44);
const fle = simd(0x45);
const fge = simd(0x46);
const vand = simd(0x4e);
const vandnot = simd(0x4f); // a & ~b
const vor = simd(0x50);
const bitselect = simd(0x52); // (a & m) | (b & ~m)
const fadd = simd(0xe4);
const fsub = simd(0xe5);
const fmul = simd(0xe6);

/** `for (; i < end; i += step) body` with i, end locals (unsigned compare). */
const loopUpTo = (i: number, end: number, step: Code, body: Code): Code =>
  c([0x02, 0x40, 0x03, 0x40], get(i), get(end), geU, [0x0d, 1], body, get(i), step, add, set(i), [0x0c, 0, 0x0b, 0x0b]);

interface Fn {
  name: string;
  params: number[];
  locals: number[];
  body: Code;
}

/** clip_grad(x, dy, out, bytes, lo, hi): out = dy's bits where lo ≤ x ≤ hi, else +0 (NaN x → 0). */
function clipGrad(): Fn {
  const [x, dy, out, end, lo, hi, i, vlo, vhi, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  return {
    name: 'clip_grad',
    params: [I32, I32, I32, I32, F32, F32],
    locals: [I32, V128, V128, V128],
    body: c(
      get(lo), splat, set(vlo), get(hi), splat, set(vhi),
      loopUpTo(i, end, i32(16), c(
        get(x), get(i), add, vload(), set(v),
        get(out), get(i), add,
        get(dy), get(i), add, vload(),
        get(v), get(vlo), fge, get(v), get(vhi), fle, vand,
        vand, vstore(),
      )),
    ),
  };
}

/** relu6_grad(x, dy, out, bytes): out = dy · m, m = 1 for 0 < x ≤ 6, NaN for NaN x, else 0 (tfjs's dy·step(x)·[x ≤ 6]). */
function relu6Grad(): Fn {
  const [x, dy, out, end, i, v, m] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'relu6_grad',
    params: [I32, I32, I32, I32],
    locals: [I32, V128, V128],
    body: loopUpTo(i, end, i32(16), c(
      get(x), get(i), add, vload(), set(v),
      get(v), vconst(0), fgt, get(v), vconst(6), fle, vand, vconst(1), vand,
      get(v), get(v), fne, vconstBits(0x7fc00000), vand, vor, set(m),
      get(out), get(i), add,
      get(dy), get(i), add, vload(), get(m), fmul,
      vstore(),
    )),
  };
}

/**
 * affine(x, out, bytes, params, period): out = (x − mean) · factor + offset, the per-channel vectors laid out at
 * params as [mean, factor, offset], each `period` bytes (a multiple of 16 covering whole channel runs).
 */
function affine(): Fn {
  const [x, out, end, params, period, i, j, p1, p2] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return {
    name: 'affine',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32],
    body: c(
      get(params), get(period), add, set(p1), get(p1), get(period), add, set(p2),
      loopUpTo(i, end, i32(16), c(
        get(out), get(i), add,
        get(x), get(i), add, vload(), get(params), get(j), add, vload(), fsub,
        get(p1), get(j), add, vload(), fmul,
        get(p2), get(j), add, vload(), fadd,
        vstore(),
        // j = (j + 16) mod period
        get(j), i32(16), add, set(j), get(j), i32(0), get(j), get(period), ne, select, set(j),
      )),
    ),
  };
}

/**
 * max_pool_grad(x, g, dx, offs, kBytes, cBytes, nwin, winStep, scratch, gStep): for nwin windows whose origins are
 * winStep bytes apart (x and dx at the first origin, g at its dy, gStep bytes apart), adds each dy to dx at its
 * window's maximum, for the channels in the first cBytes (a multiple of 16): the first strictly greater value in `offs`
 * order (i32 byte offsets, kBytes/4 of them); NaN never wins. dx accumulates, so overlapping windows add up in window
 * order, as in tfjs. scratch holds kBytes·4 bytes.
 */
function maxPoolGrad(): Fn {
  const [x, g, dx, offs, kEnd, cEnd, nwin, step, scratch, gStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [w, ch, k, a, bv, v, s, gv, later] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  const kOff = c(get(offs), get(k), add, i32load()); // offs[k]
  return {
    name: 'max_pool_grad',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128],
    body: c(
      i32(0), set(w),
      loopUpTo(w, nwin, i32(1), c(
        i32(0), set(ch),
        loopUpTo(ch, cEnd, i32(16), c(
          vconst(-Infinity), set(bv),
          i32(0), set(k),
          loopUpTo(k, kEnd, i32(4), c(
            get(x), kOff, add, get(ch), add, vload(), set(v),
            get(v), get(bv), fgt, set(s),
            get(v), get(bv), get(s), bitselect, set(bv),
            get(scratch), get(k), i32(2), [0x74], add, get(s), vstore(), // scratch[k] = s (k·4 bytes → 16-byte slots)
          )),
          get(g), get(ch), add, vload(), set(gv),
          vconst(0), set(later),
          // Backwards: the last strict improvement is the maximum.
          get(kEnd), set(k),
          [0x02, 0x40, 0x03, 0x40], get(k), eqz, [0x0d, 1],
          get(k), i32(4), sub, set(k),
          get(scratch), get(k), i32(2), [0x74], add, vload(), set(s),
          get(dx), kOff, add, get(ch), add, set(a),
          get(a), get(a), vload(), get(gv), get(s), get(later), vandnot, vand, fadd, vstore(),
          get(later), get(s), vor, set(later),
          [0x0c, 0, 0x0b, 0x0b],
        )),
        get(x), get(step), add, set(x),
        get(dx), get(step), add, set(dx),
        get(g), get(gStep), add, set(g),
      )),
    ),
  };
}

/**
 * max_pool_grad_tailN(x, g, dx, offs, kBytes, c0, nwin, winStep, gStep) for N = 1–3: max_pool_grad for the N channels
 * at byte c0 (those past the last multiple of 4), unrolled over them so each window offset is loaded once. Each value
 * goes to lane 0 of a vector (v128.load32_zero) so the running maximum and its offset update without branches or
 * scalar float selects (which V8 compiles to branches, unpredictable after ReLU's ties).
 */
function maxPoolGradTail(channels: number): Fn {
  const [x, g, dx, offs, kEnd, c0, nwin, step, gStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [w, k, a, o, bo, v, s, vo] = [9, 10, 11, 12, 13, 14, 15, 16];
  const bi = Array.from({ length: channels }, (_, j) => 17 + j); // best offset per channel (lane 0; −1: none)
  const bv = Array.from({ length: channels }, (_, j) => 17 + channels + j); // best value per channel (lane 0)
  return {
    name: `max_pool_grad_tail${channels}`,
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128, V128, V128, ...bi.map(() => V128), ...bv.map(() => V128)],
    body: c(
      get(x), get(c0), add, set(x), get(dx), get(c0), add, set(dx), get(g), get(c0), add, set(g),
      loopUpTo(w, nwin, i32(1), c(
        ...bi.map((l) => c(vconstBits(-1), set(l))),
        ...bv.map((l) => c(vconst(-Infinity), set(l))),
        i32(0), set(k),
        loopUpTo(k, kEnd, i32(4), c(
          get(offs), get(k), add, i32load(), set(o),
          get(o), simd(0x11), set(vo), // i32x4.splat
          ...bi.map((_, j) => c(
            get(x), get(o), add, simd(0x5c, 2, ...uleb(4 * j)), set(v), // v128.load32_zero
            get(v), get(bv[j]), fgt, set(s),
            get(v), get(bv[j]), get(s), bitselect, set(bv[j]),
            get(vo), get(bi[j]), get(s), bitselect, set(bi[j]),
          )),
        )),
        ...bi.map((_, j) => c(
          get(bi[j]), simd(0x1b, 0), set(bo), // i32x4.extract_lane 0
          get(bo), i32(0), [0x4e], [0x04, 0x40], // if (offset ≥ 0) dx[offset + j] += g[j]
          get(dx), get(bo), add, set(a),
          get(a), get(a), [0x2a, 2, ...uleb(4 * j)], get(g), [0x2a, 2, ...uleb(4 * j)], [0x92], [0x38, 2, ...uleb(4 * j)],
          [0x0b],
        )),
        get(x), get(step), add, set(x),
        get(dx), get(step), add, set(dx),
        get(g), get(gStep), add, set(g),
      )),
    ),
  };
}

/**
 * avg_pool_grad_tail(g, dx, offs, kBytes, c0, cEnd, nwin, winStep, scale, gStep): avg_pool_grad for the channel bytes
 * [c0, cEnd), one float at a time.
 */
function avgPoolGradTail(): Fn {
  const [g, dx, offs, kEnd, c0, cEnd, nwin, step, scale, gStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [w, ch, k, a, gv] = [10, 11, 12, 13, 14];
  return {
    name: 'avg_pool_grad_tail',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, I32],
    locals: [I32, I32, I32, I32, F32],
    body: loopUpTo(w, nwin, i32(1), c(
      get(c0), set(ch),
      loopUpTo(ch, cEnd, i32(4), c(
        get(g), get(ch), add, [0x2a, 2, 0], get(scale), [0x94], set(gv),
        i32(0), set(k),
        loopUpTo(k, kEnd, i32(4), c(
          get(dx), get(offs), get(k), add, i32load(), add, get(ch), add, set(a),
          get(a), get(a), [0x2a, 2, 0], get(gv), [0x92], [0x38, 2, 0],
        )),
      )),
      get(dx), get(step), add, set(dx),
      get(g), get(gStep), add, set(g),
    )),
  };
}

/**
 * avg_pool_grad(g, dx, offs, kBytes, cBytes, nwin, winStep, scale, gStep): dx[window + offs[k]] += g · scale for each
 * window (origins winStep apart, dy gStep apart) and the channels in the first cBytes (a multiple of 16).
 */
function avgPoolGrad(): Fn {
  const [g, dx, offs, kEnd, cEnd, nwin, step, scale, gStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [w, ch, k, a, gv, vs] = [9, 10, 11, 12, 13, 14];
  return {
    name: 'avg_pool_grad',
    params: [I32, I32, I32, I32, I32, I32, I32, F32, I32],
    locals: [I32, I32, I32, I32, V128, V128],
    body: c(
      get(scale), splat, set(vs),
      loopUpTo(w, nwin, i32(1), c(
        i32(0), set(ch),
        loopUpTo(ch, cEnd, i32(16), c(
          get(g), get(ch), add, vload(), get(vs), fmul, set(gv),
          i32(0), set(k),
          loopUpTo(k, kEnd, i32(4), c(
            get(dx), get(offs), get(k), add, i32load(), add, get(ch), add, set(a),
            get(a), get(a), vload(), get(gv), fadd, vstore(),
          )),
        )),
        get(dx), get(step), add, set(dx),
        get(g), get(gStep), add, set(g),
      )),
    ),
  };
}

/**
 * add_runs(src, dst, bytes, count, srcStep, dstStep): dst[r·dstStep + i] += src[r·srcStep + i] for i < bytes/4, run
 * after run (runs may overlap in dst: each is complete before the next). A col2im scatter-add; bytes a multiple of 4.
 */
function addRuns(): Fn {
  const [src, dst, len, count, srcStep, dstStep] = [0, 1, 2, 3, 4, 5];
  const [r, i, vecEnd, a] = [6, 7, 8, 9];
  return {
    name: 'add_runs',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32],
    body: c(
      get(len), i32(-16), [0x71], set(vecEnd),
      loopUpTo(r, count, i32(1), c(
        i32(0), set(i),
        loopUpTo(i, vecEnd, i32(16), c(
          get(dst), get(i), add, set(a),
          get(a), get(a), vload(), get(src), get(i), add, vload(), fadd, vstore(),
        )),
        loopUpTo(i, len, i32(4), c(
          get(dst), get(i), add, set(a),
          get(a), get(a), [0x2a, 2, 0], get(src), get(i), add, [0x2a, 2, 0], [0x92], [0x38, 2, 0],
        )),
        get(src), get(srcStep), add, set(src),
        get(dst), get(dstStep), add, set(dst),
      )),
    ),
  };
}

/**
 * gemv_nt(a, w, out, kBytes, n): out[j] = Σ_i a[i] · w[j, i] for the n rows of a row-major w (kBytes a multiple of
 * 16): a · wᵀ without transposing w. Four rows at a time share each load of a; each row sums its 4 lanes at the end.
 */
function gemvNT(): Fn {
  const [a, w, out, kBytes, n] = [0, 1, 2, 3, 4];
  const [j, i, n4, p, av, k2, k3] = [5, 6, 7, 8, 9, 10, 11];
  const accs = [12, 13, 14, 15];
  const lane = (l: number) => simd(0x1f, l); // f32x4.extract_lane
  const hsum = (acc: number): Code => c(get(acc), lane(0), get(acc), lane(1), [0x92], get(acc), lane(2), [0x92], get(acc), lane(3), [0x92]);
  const f32store = (off: number): Code => [0x38, 2, ...uleb(off)];
  return {
    name: 'gemv_nt',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, V128, I32, I32, V128, V128, V128, V128],
    body: c(
      get(n), i32(-4), [0x71], set(n4),
      get(kBytes), i32(1), [0x74], set(k2),
      get(k2), get(kBytes), add, set(k3),
      loopUpTo(j, n4, i32(4), c(
        ...accs.map((acc) => c(vconst(0), set(acc))),
        i32(0), set(i),
        loopUpTo(i, kBytes, i32(16), c(
          get(a), get(i), add, vload(), set(av),
          get(w), get(i), add, set(p),
          get(accs[0]), get(p), vload(), get(av), fmul, fadd, set(accs[0]),
          get(accs[1]), get(p), get(kBytes), add, vload(), get(av), fmul, fadd, set(accs[1]),
          get(accs[2]), get(p), get(k2), add, vload(), get(av), fmul, fadd, set(accs[2]),
          get(accs[3]), get(p), get(k3), add, vload(), get(av), fmul, fadd, set(accs[3]),
        )),
        ...accs.map((acc, r) => c(get(out), hsum(acc), f32store(4 * r))),
        get(out), i32(16), add, set(out),
        get(w), get(kBytes), i32(2), [0x74], add, set(w),
      )),
      loopUpTo(j, n, i32(1), c(
        vconst(0), set(accs[0]),
        i32(0), set(i),
        loopUpTo(i, kBytes, i32(16), c(
          get(accs[0]), get(w), get(i), add, vload(), get(a), get(i), add, vload(), fmul, fadd, set(accs[0]),
        )),
        get(out), hsum(accs[0]), f32store(0),
        get(out), i32(4), add, set(out),
        get(w), get(kBytes), add, set(w),
      )),
    ),
  };
}

const FUNCTIONS = [clipGrad(), relu6Grad(), affine(), maxPoolGrad(), maxPoolGradTail(1), maxPoolGradTail(2), maxPoolGradTail(3), avgPoolGrad(), avgPoolGradTail(), addRuns(), gemvNT()];

function section(id: number, payload: Code): Code {
  return [id, ...uleb(payload.length), ...payload];
}
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const name = (s: string): Code => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/**
 * conv_t_row(dy, wt, dx, count, oc, dxRowBytes, dxStep, runBytes, fh, scratch), specialised for nVec: the strided input
 * gradient of a conv with few input channels, fused (no columns matrix in memory). For each of `count` dy pixels
 * (oc floats each, consecutive), cols = dy · Wᵀ (wt: oc rows of nVec·4 floats, zero-padded fh·fw·ic) is kept in
 * nVec vector locals, stored to scratch, and its fh runs of runBytes are added to dx at ky·dxRowBytes; dx then moves
 * by dxStep. dx must be padded so every window lies inside it.
 */
function convTransposeRow(nVec: number): Fn {
  const [dy, wt, dx, count, oc, dxRow, dxStep, runBytes, fh, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [x, o, w, d, ky, i, vecEnd, a, src, dst] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const acc0 = 20;
  const accs = Array.from({ length: nVec }, (_, v) => acc0 + v);
  const wtRowBytes = 16 * nVec;
  return {
    name: 'conv_t_row',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, V128, I32, I32, I32, I32, I32, I32, ...accs.map(() => V128)],
    body: c(
      get(runBytes), i32(-16), [0x71], set(vecEnd),
      loopUpTo(x, count, i32(1), c(
        ...accs.map((acc) => c(vconst(0), set(acc))),
        get(wt), set(w),
        i32(0), set(o),
        loopUpTo(o, oc, i32(1), c(
          get(dy), get(o), i32(2), [0x74], add, simd(0x09, 2, 0), set(d), // v128.load32_splat dy[o]
          ...accs.map((acc, v) => c(get(acc), get(d), get(w), vload(16 * v), fmul, fadd, set(acc))),
          get(w), i32(wtRowBytes), add, set(w),
        )),
        ...accs.map((acc, v) => c(get(scratch), get(acc), vstore(16 * v))),
        // dx[ky] += cols[ky] for each filter row.
        get(scratch), set(src), get(dx), set(dst),
        i32(0), set(ky),
        loopUpTo(ky, fh, i32(1), c(
          i32(0), set(i),
          loopUpTo(i, vecEnd, i32(16), c(
            get(dst), get(i), add, set(a),
            get(a), get(a), vload(), get(src), get(i), add, vload(), fadd, vstore(),
          )),
          loopUpTo(i, runBytes, i32(4), c(
            get(dst), get(i), add, set(a),
            get(a), get(a), [0x2a, 2, 0], get(src), get(i), add, [0x2a, 2, 0], [0x92], [0x38, 2, 0],
          )),
          get(src), get(runBytes), add, set(src),
          get(dst), get(dxRow), add, set(dst),
        )),
        get(dy), get(oc), i32(2), [0x74], add, set(dy),
        get(dx), get(dxStep), add, set(dx),
      )),
    ),
  };
}

/** The module's bytes: memory imported as env.memory (unshared, any size), one type and one export per function. */
export function moduleBytes(functions: Fn[] = FUNCTIONS): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => c([0x60], vec(f.params.map((p) => [p])), [0]));
  const imports = [c(name('env'), name('memory'), [0x02, 0x00], uleb(0))];
  const funcs = functions.map((_, i) => uleb(i));
  const exports = functions.map((f, i) => c(name(f.name), [0x00], uleb(i)));
  const bodies = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = c(locals, f.body, [0x0b]);
    return c(uleb(body.length), body);
  });
  return new Uint8Array(
    c(
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      section(1, vec(types)),
      section(2, vec(imports)),
      section(3, vec(funcs)),
      section(7, vec(exports)),
      section(10, vec(bodies)),
    ),
  );
}

type MaxPoolGradTail = (x: number, g: number, dx: number, offs: number, kBytes: number, c0: number, nwin: number, winStep: number, gStep: number) => void;

export interface SimdKernels {
  clip_grad(x: number, dy: number, out: number, bytes: number, lo: number, hi: number): void;
  relu6_grad(x: number, dy: number, out: number, bytes: number): void;
  affine(x: number, out: number, bytes: number, params: number, period: number): void;
  max_pool_grad(x: number, g: number, dx: number, offs: number, kBytes: number, cBytes: number, nwin: number, winStep: number, scratch: number, gStep: number): void;
  max_pool_grad_tail1: MaxPoolGradTail;
  max_pool_grad_tail2: MaxPoolGradTail;
  max_pool_grad_tail3: MaxPoolGradTail;
  avg_pool_grad(g: number, dx: number, offs: number, kBytes: number, cBytes: number, nwin: number, winStep: number, scale: number, gStep: number): void;
  avg_pool_grad_tail(g: number, dx: number, offs: number, kBytes: number, c0: number, cEnd: number, nwin: number, winStep: number, scale: number, gStep: number): void;
  add_runs(src: number, dst: number, bytes: number, count: number, srcStep: number, dstStep: number): void;
  gemv_nt(a: number, w: number, out: number, kBytes: number, n: number): void;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<object, SimdKernels | null>();

/** Most accumulators conv_t_row keeps in locals (x86 has 16 vector registers). */
export const CONV_T_MAX_VECTORS = 8;
type ConvTRow = (dy: number, wt: number, dx: number, count: number, oc: number, dxRowBytes: number, dxStep: number, runBytes: number, fh: number, scratch: number) => void;
const convTModules = new Map<number, WebAssembly.Module>();
const convTInstances = new WeakMap<object, Map<number, ConvTRow>>();

/** conv_t_row for nVec accumulators (compiled once per nVec), or null without SIMD. */
export function convTransposeRowKernel(backend: BackendWasm, nVec: number): ConvTRow | null {
  if (nVec < 1 || nVec > CONV_T_MAX_VECTORS || !simdKernels(backend)) return null;
  const memory = heapMemory(backend)!;
  let byN = convTInstances.get(memory);
  if (!byN) convTInstances.set(memory, (byN = new Map()));
  let f = byN.get(nVec);
  if (!f) {
    let m = convTModules.get(nVec);
    if (!m) convTModules.set(nVec, (m = new WebAssembly.Module(moduleBytes([convTransposeRow(nVec)]))));
    f = new WebAssembly.Instance(m, { env: { memory } }).exports.conv_t_row as ConvTRow;
    byN.set(nVec, f);
  }
  return f;
}

function heapMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const wasm = backend.wasm as unknown as { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** Our SIMD functions bound to this backend's heap, or null where they cannot run (callers use their JS loops). */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  if (disabled) return null;
  const memory = heapMemory(backend);
  if (!memory) return null;
  let k = instances.get(memory);
  if (k !== undefined) return k;
  k = null;
  try {
    if (compiled === undefined) {
      // Compiled synchronously: ~1.2 KB, well under the 4 KB browsers allow on a main thread.
      const bytes = moduleBytes();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    }
    // A threaded backend's memory is shared and would need a shared import; those run the JS loops.
    if (compiled && !(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) {
      k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
    }
  } catch {
    k = null;
  }
  instances.set(memory, k);
  return k;
}

let disabled = false;
/** Forces the JS fallbacks (tests use it to check both paths). */
export function setSimdDisabled(value: boolean): void {
  disabled = value;
}

/** Byte address of a tensor's data on the wasm heap. */
export function heapAddress(backend: BackendWasm, t: TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as unknown as { memoryOffset: number }).memoryOffset;
}
