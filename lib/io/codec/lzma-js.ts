/**
 * Pure-TypeScript streaming decoders for `.xz` (the xz container with LZMA2
 * blocks) and `.lzma` (LZMA_alone: a 13-byte header and one LZMA stream):
 * the fallback when the `xz` program is not on PATH.
 *
 * Written from the published format specifications (the xz file format
 * 1.1.0 and the LZMA SDK's lzma-specification), because no maintained npm
 * package decodes both formats as a stream: the WebAssembly xz decoders hold
 * one process-wide lock per module instance (two files decoded by one
 * pipeline, as `zip()` does, would wait on each other for ever), and the
 * pure-JS LZMA packages decode whole buffers.
 *
 * Memory: the dictionary grows with the output up to the size the file
 * declares (so a small file never allocates 64 MiB), and compressed input is
 * held one LZMA2 chunk (at most 64 KiB) at a time. Every integrity check the
 * formats carry is verified: header CRC32s, block checks (CRC32, CRC64,
 * SHA-256), the index, the stream footer; a file that ends early or whose
 * data is inconsistent is a CodecError naming it. Only the LZMA2 filter is
 * supported in `.xz` blocks (what `xz` writes by default); BCJ and delta
 * filters need the `xz` program.
 */
import { createHash, type Hash } from 'node:crypto';
import { CodecError } from '../../errors.js';

/** A malformed stream: the caller turns it into a CodecError naming the file. */
class FormatError extends Error {}

const fail = (why: string): never => {
  throw new FormatError(why);
};

// ---------------------------------------------------------------------------------------------
// Checksums

const CRC32_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(data: Uint8Array, start = 0, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC64 (ECMA-182, reflected, as xz uses it) as two 32-bit halves. */
const CRC64_TABLES = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  const polyLo = 0xd7870f42;
  const polyHi = 0xc96c5795;
  for (let n = 0; n < 256; n++) {
    let l = n;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const bit = l & 1;
      l = ((l >>> 1) | (h << 31)) >>> 0;
      h = h >>> 1;
      if (bit) {
        l = (l ^ polyLo) >>> 0;
        h = (h ^ polyHi) >>> 0;
      }
    }
    lo[n] = l;
    hi[n] = h;
  }
  return { lo, hi };
})();

/** An incremental block check of the type an xz stream declares. */
interface Check {
  readonly size: number;
  update(data: Uint8Array): void;
  /** The check's bytes as stored in the file (little-endian for CRCs). */
  digest(): Uint8Array;
}

function checkOf(type: number): Check | null {
  switch (type) {
    case 0:
      return { size: 0, update: () => undefined, digest: () => new Uint8Array(0) };
    case 1: {
      let c = 0;
      return {
        size: 4,
        update: (d) => {
          c = crc32(d, 0, c);
        },
        digest: () => {
          const out = new Uint8Array(4);
          new DataView(out.buffer).setUint32(0, c, true);
          return out;
        },
      };
    }
    case 4: {
      let l = 0xffffffff;
      let h = 0xffffffff;
      const { lo, hi } = CRC64_TABLES;
      return {
        size: 8,
        update: (d) => {
          for (let i = 0; i < d.length; i++) {
            const idx = (l ^ d[i]!) & 0xff;
            l = (((l >>> 8) | (h << 24)) ^ lo[idx]!) >>> 0;
            h = ((h >>> 8) ^ hi[idx]!) >>> 0;
          }
        },
        digest: () => {
          const out = new Uint8Array(8);
          const v = new DataView(out.buffer);
          v.setUint32(0, ~l >>> 0, true);
          v.setUint32(4, ~h >>> 0, true);
          return out;
        },
      };
    }
    case 10: {
      const hash: Hash = createHash('sha256');
      return { size: 32, update: (d) => hash.update(d), digest: () => new Uint8Array(hash.digest()) };
    }
    default:
      return null;
  }
}

/** Sizes of the check field by check type (xz format, section 2.1.1.2); the ones not verified are skipped. */
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

// ---------------------------------------------------------------------------------------------
// Input

/** Pull-based byte input over an async iterator: `fill(n)` waits until `n` bytes are buffered. */
class ByteReader {
  buf = new Uint8Array(0);
  pos = 0;
  /** Bytes consumed before `buf[0]`. */
  offset = 0;
  private ended = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Buffers at least `n` bytes; false if the input ends first (what there is stays buffered). */
  async fill(n: number): Promise<boolean> {
    while (this.available < n) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      if (r.value.length === 0) continue;
      const rest = this.buf.subarray(this.pos);
      const joined = new Uint8Array(rest.length + r.value.length);
      joined.set(rest);
      joined.set(r.value, rest.length);
      this.offset += this.pos;
      this.buf = joined;
      this.pos = 0;
    }
    return true;
  }

  /** `n` bytes, or a FormatError naming `what` if the input ends first. */
  async take(n: number, what: string): Promise<Uint8Array> {
    if (!(await this.fill(n))) fail(`file ends inside ${what}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
}

/** An xz variable-length integer from `buf` at `at.i` (advances it). */
function vli(buf: Uint8Array, at: { i: number }, end: number): number {
  let value = 0;
  for (let k = 0; k < 9; k++) {
    if (at.i >= end) fail('truncated variable-length integer');
    const b = buf[at.i++]!;
    value += (b & 0x7f) * 2 ** (7 * k);
    if ((b & 0x80) === 0) {
      if (b === 0 && k > 0) fail('variable-length integer not in its shortest form');
      return value;
    }
  }
  return fail('variable-length integer too long');
}

// ---------------------------------------------------------------------------------------------
// The dictionary (output window)

/** The sliding window: grows with the output up to `max` bytes, then wraps. */
class Window {
  buf: Uint8Array;
  pos = 0;
  /** Bytes of `buf` before `pos` not yet handed out. */
  flushed = 0;
  full = false;
  /** Total bytes written since the last reset. */
  total = 0;

  constructor(private readonly max: number) {
    this.buf = new Uint8Array(Math.min(max, 1 << 16));
  }

  /** Forgets the data (LZMA2's dictionary reset); the buffer is kept. */
  reset(): void {
    this.pos = 0;
    this.flushed = 0;
    this.full = false;
    this.total = 0;
  }

  /** Room before `pos` reaches the buffer's end (where the caller must flush). */
  get room(): number {
    return this.buf.length - this.pos;
  }

  /** Makes room once the buffer's end is reached: grows it while under `max`, else wraps. Flush first. */
  advance(): void {
    if (this.pos < this.buf.length) return;
    if (this.buf.length < this.max) {
      const grown = new Uint8Array(Math.min(this.max, this.buf.length * 2));
      grown.set(this.buf);
      this.buf = grown;
    } else {
      this.pos = 0;
      this.flushed = 0;
      this.full = true;
    }
  }

  /** The bytes written since the last flush (a copy). */
  flush(): Uint8Array | null {
    if (this.pos === this.flushed) return null;
    const out = this.buf.slice(this.flushed, this.pos);
    this.flushed = this.pos;
    return out;
  }

  /** The byte `dist + 1` positions back (0 when there is none yet). */
  back(dist: number): number {
    if (dist >= this.total) return 0;
    const i = this.pos - dist - 1;
    return this.buf[i >= 0 ? i : i + this.buf.length]!;
  }

  /** Whether a match `dist + 1` back is inside the data written so far and the window. */
  valid(dist: number): boolean {
    return dist < this.total && dist < this.max;
  }

  put(b: number): void {
    this.buf[this.pos++] = b;
    this.total++;
  }

  /** Copies up to `len` bytes from `dist + 1` back, at most up to the buffer's end; returns how many. */
  copy(dist: number, len: number): number {
    const n = Math.min(len, this.buf.length - this.pos);
    const size = this.buf.length;
    let from = this.pos - dist - 1;
    if (from < 0) from += size;
    const buf = this.buf;
    for (let k = 0; k < n; k++) {
      buf[this.pos++] = buf[from++]!;
      if (from === size) from = 0;
    }
    this.total += n;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// LZMA

const PROB_INIT = 1024;
const NUM_STATES = 12;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 128;
const MATCH_MIN_LEN = 2;
/** Input bytes one symbol can consume at most (a match with the longest length and distance). */
const MARGIN = 64;

/** Probabilities of one length coder: choice, choice2, low[16][8], mid[16][8], high[256]. */
const LEN_LOW = 2;
const LEN_MID = LEN_LOW + 16 * 8;
const LEN_HIGH = LEN_MID + 16 * 8;
const LEN_SIZE = LEN_HIGH + 256;

/** The LZMA decoder proper: range decoder, probability model and state; output into a Window. */
class LzmaDecoder {
  lc = 0;
  lp = 0;
  pb = 0;
  private isMatch = new Uint16Array(NUM_STATES << 4);
  private isRep = new Uint16Array(NUM_STATES);
  private isRepG0 = new Uint16Array(NUM_STATES);
  private isRepG1 = new Uint16Array(NUM_STATES);
  private isRepG2 = new Uint16Array(NUM_STATES);
  private isRep0Long = new Uint16Array(NUM_STATES << 4);
  private posSlot = new Uint16Array(4 << 6);
  private posSpecial = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  private align = new Uint16Array(16);
  private lenCoder = new Uint16Array(LEN_SIZE);
  private repLenCoder = new Uint16Array(LEN_SIZE);
  private literal = new Uint16Array(0x300);
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Bytes of the current match still to copy (the window's end came first). */
  pending = 0;
  /** The end-of-payload marker was decoded. */
  sawEnd = false;

  // Range decoder.
  private range = 0;
  private code = 0;
  private in: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private inEnd = 0;

  constructor(readonly win: Window) {}

  /** lc/lp/pb from a properties byte. */
  setProps(props: number): void {
    if (props >= 9 * 5 * 5) fail(`invalid LZMA properties byte ${props}`);
    this.lc = props % 9;
    const rest = Math.floor(props / 9);
    this.lp = rest % 5;
    this.pb = Math.floor(rest / 5);
    const size = 0x300 << (this.lc + this.lp);
    if (this.literal.length !== size) this.literal = new Uint16Array(size);
  }

  resetState(): void {
    for (const a of [
      this.isMatch,
      this.isRep,
      this.isRepG0,
      this.isRepG1,
      this.isRepG2,
      this.isRep0Long,
      this.posSlot,
      this.posSpecial,
      this.align,
      this.lenCoder,
      this.repLenCoder,
      this.literal,
    ])
      a.fill(PROB_INIT);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.pending = 0;
  }

  /** Starts the range decoder on `buf[pos..end)` (5 bytes: a zero, then the code); returns the new position. */
  initRange(buf: Uint8Array, pos: number, end: number): number {
    if (end - pos < 5) fail('truncated LZMA data');
    if (buf[pos] !== 0) fail('invalid LZMA range coder start');
    this.code = ((buf[pos + 1]! << 24) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 8) | buf[pos + 4]!) >>> 0;
    this.range = 0xffffffff;
    return pos + 5;
  }

  /** The range decoder's state is a clean end (LZMA2 chunks and markers end with code 0). */
  get codeIsZero(): boolean {
    return this.code === 0;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      if (this.inPos >= this.inEnd) fail('truncated LZMA data');
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.in[this.inPos++]!) >>> 0;
    }
  }

  private bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    this.normalize();
    return b;
  }

  private tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let k = 0; k < bits; k++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  private reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let k = 0; k < bits; k++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      sym |= b << k;
    }
    return sym;
  }

  private direct(bits: number): number {
    let res = 0;
    for (let k = 0; k < bits; k++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      res = res * 2 + b;
      this.normalize();
    }
    return res;
  }

  private length(probs: Uint16Array, posState: number): number {
    if (this.bit(probs, 0) === 0) return this.tree(probs, LEN_LOW + (posState << 3), 3);
    if (this.bit(probs, 1) === 0) return 8 + this.tree(probs, LEN_MID + (posState << 3), 3);
    return 16 + this.tree(probs, LEN_HIGH, 8);
  }

  private distance(len: number): number {
    const lenState = len < 3 ? len : 3;
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** directBits;
    if (slot < END_POS_MODEL_INDEX) {
      dist += this.reverseTree(this.posSpecial, dist - slot, directBits);
    } else {
      dist += this.direct(directBits - 4) * 16;
      dist += this.reverseTree(this.align, 0, 4);
    }
    return dist;
  }

  /**
   * Decodes from `buf[pos..end)` until `limit` more bytes are out, the
   * window's end is reached, the end marker, or (unless `final`) fewer than
   * MARGIN input bytes are left. Returns the new input position.
   */
  run(buf: Uint8Array, pos: number, end: number, final: boolean, limit: number): number {
    this.in = buf;
    this.inPos = pos;
    this.inEnd = end;
    const win = this.win;
    const stopAt = win.total + limit;
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    while (this.pending > 0 && win.total < stopAt && win.room > 0) {
      this.pending -= win.copy(this.rep0, Math.min(this.pending, stopAt - win.total));
    }
    while (
      !this.sawEnd &&
      win.total < stopAt &&
      win.room > 0 &&
      (final || this.inEnd - this.inPos >= MARGIN)
    ) {
      const posState = win.total & pbMask;
      const s = this.state;
      if (this.bit(this.isMatch, (s << 4) + posState) === 0) {
        const prev = win.back(0);
        const base = 0x300 * (((win.total & lpMask) << lc) + (prev >>> (8 - lc)));
        let sym = 1;
        if (s >= 7) {
          let matchByte = win.back(this.rep0);
          while (sym < 0x100) {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const b = this.bit(this.literal, base + ((1 + matchBit) << 8) + sym);
            sym = (sym << 1) | b;
            if (matchBit !== b) break;
          }
        }
        while (sym < 0x100) sym = (sym << 1) | this.bit(this.literal, base + sym);
        win.put(sym & 0xff);
        this.state = s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, s) === 0) {
        len = this.length(this.lenCoder, posState);
        this.state = s < 7 ? 7 : 10;
        const dist = this.distance(len);
        if (dist === 0xffffffff) {
          this.sawEnd = true;
          break;
        }
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        this.rep0 = dist;
      } else {
        if (win.total === 0) fail('repeated match before any data');
        if (this.bit(this.isRepG0, s) === 0) {
          if (this.bit(this.isRep0Long, (s << 4) + posState) === 0) {
            this.state = s < 7 ? 9 : 11;
            win.put(win.back(this.rep0));
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, s) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(this.isRepG2, s) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.length(this.repLenCoder, posState);
        this.state = s < 7 ? 8 : 11;
      }
      if (!win.valid(this.rep0)) fail(`match distance ${this.rep0 + 1} beyond the data decoded`);
      this.pending = len + MATCH_MIN_LEN;
      while (this.pending > 0 && win.total < stopAt && win.room > 0) {
        this.pending -= win.copy(this.rep0, Math.min(this.pending, stopAt - win.total));
      }
    }
    return this.inPos;
  }
}

// ---------------------------------------------------------------------------------------------
// .lzma (LZMA_alone)

/** Output handed out at a time at most. */
const OUT_STEP = 1 << 20;

/** Decodes a `.lzma` stream. Errors are FormatErrors. */
async function* lzmaAlone(reader: ByteReader): AsyncGenerator<Uint8Array> {
  const header = await reader.take(13, 'the .lzma header');
  const view = new DataView(header.buffer, header.byteOffset, 13);
  const dictSize = Math.max(4096, view.getUint32(1, true));
  const sizeLo = view.getUint32(5, true);
  const sizeHi = view.getUint32(9, true);
  const known = !(sizeLo === 0xffffffff && sizeHi === 0xffffffff);
  if (known && sizeHi >= 0x200000) fail('invalid uncompressed size in the .lzma header');
  const size = known ? sizeHi * 2 ** 32 + sizeLo : Number.POSITIVE_INFINITY;
  const win = new Window(known ? Math.max(4096, Math.min(dictSize, size)) : dictSize);
  const lz = new LzmaDecoder(win);
  lz.setProps(header[0]!);
  lz.resetState();
  await reader.fill(5);
  reader.pos = lz.initRange(reader.buf, reader.pos, reader.buf.length);
  let produced = 0;
  while (produced < size && !lz.sawEnd) {
    const more = await reader.fill(MARGIN);
    const before = win.total;
    reader.pos = lz.run(
      reader.buf,
      reader.pos,
      reader.buf.length,
      !more,
      Math.min(OUT_STEP, size - produced),
    );
    produced += win.total - before;
    const out = win.flush();
    if (out) yield out;
    win.advance();
    if (!more && win.total === before && !lz.sawEnd && win.room > 0) fail('truncated LZMA data');
  }
  if (lz.pending > 0) fail('a match runs past the uncompressed size in the header');
  if (known && produced < size) fail(`data ends after ${produced} of ${size} bytes`);
  if (!known && !lz.sawEnd) fail('no end marker');
  // Anything after the stream (a known-size stream may still carry an end marker, which `run` stops at).
  await reader.fill(MARGIN);
  if (!lz.sawEnd && reader.available > 0) {
    const before = win.total;
    reader.pos = lz.run(reader.buf, reader.pos, reader.buf.length, true, 1);
    if (win.total !== before || !lz.sawEnd) fail('trailing data after the LZMA stream');
  }
  if (!(await reader.atEnd())) fail('trailing data after the LZMA stream');
}

// ---------------------------------------------------------------------------------------------
// .xz

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const LZMA2_FILTER = 0x21;

/** The dictionary size an LZMA2 properties byte declares. */
function lzma2DictSize(props: number): number {
  if (props > 40) fail(`invalid LZMA2 dictionary size byte ${props}`);
  if (props === 40) return 0xffffffff;
  return (2 | (props & 1)) * 2 ** ((props >>> 1) + 11);
}

/** One block's LZMA2 data: yields the uncompressed bytes and returns the compressed size. */
async function* lzma2(
  reader: ByteReader,
  win: Window,
  lz: LzmaDecoder,
  check: Check,
): AsyncGenerator<Uint8Array, number> {
  let compressed = 0;
  let needDictReset = true;
  let needProps = true;
  for (;;) {
    const control = (await reader.take(1, 'an LZMA2 chunk'))[0]!;
    compressed += 1;
    if (control === 0x00) return compressed;
    if (control === 0x01 || control === 0x02) {
      const sizeBytes = await reader.take(2, 'an LZMA2 chunk header');
      compressed += 2;
      if (control === 0x01) {
        win.reset();
        needDictReset = false;
      } else if (needDictReset) fail('LZMA2 chunk without a dictionary reset');
      let left = ((sizeBytes[0]! << 8) | sizeBytes[1]!) + 1;
      compressed += left;
      while (left > 0) {
        if (!(await reader.fill(1))) fail('file ends inside an LZMA2 chunk');
        const n = Math.min(left, reader.available, win.room);
        win.buf.set(reader.buf.subarray(reader.pos, reader.pos + n), win.pos);
        win.pos += n;
        win.total += n;
        reader.pos += n;
        left -= n;
        const out = win.flush();
        if (out) {
          check.update(out);
          yield out;
        }
        win.advance();
      }
      continue;
    }
    if (control < 0x80) fail(`invalid LZMA2 control byte 0x${control.toString(16)}`);
    const head = await reader.take(4, 'an LZMA2 chunk header');
    compressed += 4;
    const unpacked = (control & 0x1f) * 65536 + ((head[0]! << 8) | head[1]!) + 1;
    const packed = ((head[2]! << 8) | head[3]!) + 1;
    const reset = (control >>> 5) & 3;
    if (reset === 3) {
      win.reset();
      needDictReset = false;
    } else if (needDictReset) fail('LZMA2 chunk without a dictionary reset');
    if (reset >= 2) {
      const props = (await reader.take(1, 'an LZMA2 chunk header'))[0]!;
      compressed += 1;
      lz.setProps(props);
      if (lz.lc + lz.lp > 4) fail('invalid LZMA2 properties (lc + lp > 4)');
      needProps = false;
    } else if (needProps) fail('LZMA2 chunk without properties');
    if (reset >= 1) lz.resetState();
    else lz.pending = 0;
    const data = await reader.take(packed, 'an LZMA2 chunk');
    compressed += packed;
    let pos = lz.initRange(data, 0, data.length);
    let left = unpacked;
    while (left > 0) {
      const before = win.total;
      pos = lz.run(data, pos, data.length, true, left);
      left -= win.total - before;
      const out = win.flush();
      if (out) {
        check.update(out);
        yield out;
      }
      win.advance();
      if (lz.sawEnd) fail('end marker inside an LZMA2 chunk');
      if (left > 0 && win.total === before && win.room > 0) fail('LZMA2 chunk ends early');
    }
    if (lz.pending > 0 || pos !== data.length || !lz.codeIsZero)
      fail('LZMA2 chunk sizes do not match its data');
  }
}

/** Decodes an `.xz` file: one or more streams, with stream padding between. Errors are FormatErrors. */
async function* xzStreams(reader: ByteReader): AsyncGenerator<Uint8Array> {
  let streams = 0;
  for (;;) {
    // Stream padding (zero bytes, in fours) between and after streams.
    if (streams > 0) {
      let padding = 0;
      while ((await reader.fill(1)) && reader.buf[reader.pos] === 0) {
        reader.pos++;
        padding++;
      }
      if (padding % 4 !== 0) fail('stream padding is not a multiple of 4 bytes');
      if (await reader.atEnd()) return;
    }
    const header = await reader.take(12, 'the stream header');
    if (!XZ_MAGIC.every((b, i) => header[i] === b))
      fail(streams === 0 ? 'not an xz file' : 'trailing garbage');
    const flags = header.slice(6, 8);
    if (crc32(flags) !== new DataView(header.buffer, header.byteOffset + 8, 4).getUint32(0, true))
      fail('stream header CRC32 mismatch');
    if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0) fail('unsupported stream flags');
    const checkType = flags[1]! & 0x0f;
    const records: { unpadded: number; uncompressed: number }[] = [];
    for (;;) {
      const first = (await reader.take(1, 'a block header'))[0]!;
      if (first === 0) break; // the index
      const headerSize = (first + 1) * 4;
      const rest = await reader.take(headerSize - 1, 'a block header');
      const bh = new Uint8Array(headerSize);
      bh[0] = first;
      bh.set(rest, 1);
      const stored = new DataView(bh.buffer, headerSize - 4, 4).getUint32(0, true);
      if (crc32(bh.subarray(0, headerSize - 4)) !== stored) fail('block header CRC32 mismatch');
      const bflags = bh[1]!;
      if (bflags & 0x3c) fail('unsupported block flags');
      const at = { i: 2 };
      const end = headerSize - 4;
      const declaredCompressed = bflags & 0x40 ? vli(bh, at, end) : null;
      const declaredUncompressed = bflags & 0x80 ? vli(bh, at, end) : null;
      const filters = (bflags & 3) + 1;
      let dictSize = 0;
      for (let f = 0; f < filters; f++) {
        const id = vli(bh, at, end);
        const propsSize = vli(bh, at, end);
        if (at.i + propsSize > end) fail('block header filter properties overflow');
        if (id !== LZMA2_FILTER || f !== filters - 1) {
          fail(`unsupported xz filter 0x${id.toString(16)} (install the xz program to read this file)`);
        }
        if (propsSize !== 1) fail('invalid LZMA2 filter properties');
        dictSize = lzma2DictSize(bh[at.i]!);
        at.i += propsSize;
      }
      for (let i = at.i; i < end; i++) if (bh[i] !== 0) fail('non-zero block header padding');
      const check = checkOf(checkType);
      const win = new Window(Math.max(4096, Math.min(dictSize, declaredUncompressed ?? dictSize)));
      const lz = new LzmaDecoder(win);
      let uncompressed = 0;
      const blocks = lzma2(reader, win, lz, check ?? checkOf(0)!);
      let r = await blocks.next();
      while (!r.done) {
        uncompressed += r.value.length;
        yield r.value;
        r = await blocks.next();
      }
      const compressed = r.value;
      if (declaredCompressed !== null && declaredCompressed !== compressed)
        fail('block compressed size does not match its header');
      if (declaredUncompressed !== null && declaredUncompressed !== uncompressed)
        fail('block uncompressed size does not match its header');
      const pad = (4 - (compressed % 4)) % 4;
      const padding = await reader.take(pad, 'block padding');
      if (padding.some((b) => b !== 0)) fail('non-zero block padding');
      const stored2 = await reader.take(CHECK_SIZES[checkType]!, 'a block check');
      if (check && !equalBytes(check.digest(), stored2)) fail('block check mismatch (corrupt data)');
      records.push({ unpadded: headerSize + compressed + CHECK_SIZES[checkType]!, uncompressed });
    }
    // The index: its indicator (0x00, read above), the records, padding, CRC32.
    const indexStart = reader.offset + reader.pos - 1;
    await reader.fill(16 + records.length * 18); // the whole index (or what there is, at EOF)
    const ib = reader.buf;
    const at = { i: reader.pos };
    const end = reader.buf.length;
    const count = vli(ib, at, end);
    if (count !== records.length) fail('index record count does not match the blocks');
    for (const rec of records) {
      if (vli(ib, at, end) !== rec.unpadded || vli(ib, at, end) !== rec.uncompressed)
        fail('index does not match the blocks');
    }
    let indexSize = reader.offset + at.i - indexStart;
    while (indexSize % 4 !== 0) {
      if (at.i >= end) fail('file ends inside the index');
      if (ib[at.i++] !== 0) fail('non-zero index padding');
      indexSize++;
    }
    const indexBytes = new Uint8Array(indexSize);
    indexBytes[0] = 0;
    indexBytes.set(ib.subarray(reader.pos, at.i), 1);
    reader.pos = at.i;
    const indexCrc = await reader.take(4, 'the index');
    if (crc32(indexBytes) !== new DataView(indexCrc.buffer, indexCrc.byteOffset, 4).getUint32(0, true))
      fail('index CRC32 mismatch');
    const footer = await reader.take(12, 'the stream footer');
    const fv = new DataView(footer.buffer, footer.byteOffset, 12);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) fail('invalid stream footer');
    if (crc32(footer.subarray(4, 10)) !== fv.getUint32(0, true)) fail('stream footer CRC32 mismatch');
    if ((fv.getUint32(4, true) + 1) * 4 !== indexSize + 4) fail('stream footer backward size mismatch');
    if (footer[8] !== flags[0] || footer[9] !== flags[1]) fail('stream footer flags differ from the header');
    streams++;
  }
}

/** Runs `decode` over `input`, turning format errors into CodecErrors naming `path`. */
async function* guarded(
  input: AsyncIterable<Uint8Array>,
  path: string,
  format: string,
  decode: (reader: ByteReader) => AsyncGenerator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  try {
    yield* decode(new ByteReader(it));
  } catch (e) {
    if (e instanceof FormatError)
      throw new CodecError(path, `corrupt or truncated ${format} data: ${e.message}`);
    if (e instanceof RangeError)
      throw new CodecError(path, `corrupt ${format} data: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await it.return?.();
  }
}

/** `.xz` bytes → uncompressed bytes, streaming, in pure TypeScript. */
export const decodeXzJs = (input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> =>
  guarded(input, path, 'xz', xzStreams);

/** `.lzma` (LZMA_alone) bytes → uncompressed bytes, streaming, in pure TypeScript. */
export const decodeLzmaJs = (input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> =>
  guarded(input, path, 'lzma', lzmaAlone);
