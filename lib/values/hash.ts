/**
 * The partitioning hash: PySpark's `portable_hash`, so that `partitionBy`,
 * `reduceByKey` and friends put a key in the same partition PySpark would,
 * wherever Python's hash is deterministic.
 *
 * - Integers (integer-valued numbers and bigints) hash like Python ints:
 *   `n` itself for |n| < 2^61 - 1, otherwise the signed residue modulo
 *   2^61 - 1; `-1` hashes to `-2`. So `hash(2.0) == hash(2) == 2`.
 * - Other finite numbers hash like CPython floats: the exact value m·2^e
 *   reduced modulo 2^61 - 1, sign applied, `-1` becomes `-2`.
 *   `Infinity` is 314159, `-Infinity` -314159, `NaN` 0.
 * - `true` 1, `false` 0, `undefined` and `null` 0.
 * - Arrays hash as tuples, with `portable_hash`'s tuple formula.
 * - Strings hash as CPython 3.11+'s `hash(str)` under `PYTHONHASHSEED=0`,
 *   which PySpark sets for its workers: SipHash-1-3 with a zero key over the
 *   string's PEP 393 representation (1, 2 or 4 little-endian bytes per code
 *   point, by the widest one; a lone surrogate is a code point of its own),
 *   `hash('') == 0`, `-1` becomes `-2` (`stringHashInto`).
 * - `Date`s hash as their time value; symbols as the FNV-1a hash of their
 *   description; every other object as the FNV-1a hash of its canonical
 *   encoding (`keyOf`): Python has no hash to match there.
 *
 * Equal values (by `equals`) always hash alike. Numbers and strings are hashed
 * without allocating; all the arithmetic is done on 32-bit halves of the
 * 64-bit result.
 */

import { encode } from './key.js';
import { ARRAY, DATE, kindOf, MAX_DEPTH, tooDeep } from './kind.js';

const TWO32 = 0x100000000;
const P61 = (1n << 61n) - 1n;

/** POW2[k] = 2^k, exact, for k in 0..61. */
const POW2: readonly number[] = (() => {
  const out = [1];
  for (let k = 1; k <= 61; k++) out.push(out[k - 1]! * 2);
  return out;
})();

// Scratch space to read a double's bits without allocating.
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const WORD_HI = LITTLE_ENDIAN ? 1 : 0;
const WORD_LO = LITTLE_ENDIAN ? 0 : 1;

/*
 * The result registers of `hashInto`: the Python hash as a 64-bit two's
 * complement integer, split into unsigned 32-bit halves. (Every Python hash
 * portable_hash returns lies in [-2^63, 2^63).)
 */
let rHi = 0;
let rLo = 0;

/** `stringHashInto`'s result, high and low 32 bits (typed: storing them allocates nothing). */
const SIP = new Int32Array(2);

/**
 * 32-bit FNV-1a over the UTF-16 code units of `s`: deterministic, by content,
 * non-negative. The hash of values Python cannot hash (objects, symbols); strings
 * themselves hash as Python's `hash(str)` (`pythonStringHash`).
 */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The PEP 393 width of `s` as Python would store it: 1 byte per code point
 * when every one is below 256, 2 when below 65,536, else 4. A surrogate pair
 * is one astral code point; a lone surrogate is a code point of its own.
 */
function pep393Width(s: string): 1 | 2 | 4 {
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > max) {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) return 4;
      }
      max = c;
    }
  }
  return max < 0x100 ? 1 : 2;
}

/** The code points of `s` (a lone surrogate as itself). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

/**
 * The little-endian 32-bit word at byte `at` of the string's PEP 393 bytes
 * (`end` of them; zero past the end). Width 1 and 2 read `s`; width 4 reads
 * `cps`, its code points.
 */
function wordAt(s: string, cps: number[] | undefined, width: number, at: number, end: number): number {
  if (width === 1) {
    if (at + 4 <= end)
      return (
        s.charCodeAt(at) |
        (s.charCodeAt(at + 1) << 8) |
        (s.charCodeAt(at + 2) << 16) |
        (s.charCodeAt(at + 3) << 24)
      );
    let w = 0;
    for (let k = 0; at + k < end; k++) w |= s.charCodeAt(at + k) << (8 * k);
    return w;
  }
  if (width === 2) {
    const i = at >>> 1;
    if (at + 4 <= end) return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    return at < end ? s.charCodeAt(i) : 0;
  }
  return at < end ? ((cps as number[])[at >>> 2] as number) : 0;
}

/**
 * Sets the registers to CPython 3.11+'s `hash(s)` with `PYTHONHASHSEED=0`:
 * SipHash-1-3 (one compression round per 8-byte block, three finalisation
 * rounds) with a zero key over the string's PEP 393 bytes, as `_Py_HashBytes`
 * computes it; 0 for the empty string, -1 becoming -2. The 64-bit state
 * words are kept as pairs of int32 locals (hi, lo), so nothing is allocated
 * for a string of 1- or 2-byte characters.
 */
function stringHashInto(s: string): void {
  if (s.length === 0) {
    SIP[0] = 0;
    SIP[1] = 0;
    return;
  }
  const width = pep393Width(s);
  const cps = width === 4 ? codePoints(s) : undefined;
  const bytes = width * (cps === undefined ? s.length : cps.length);
  const blocks = bytes >>> 3;
  // v0..v3 = the SipHash constants xor a zero key.
  let v0h = 0x736f6d65;
  let v0l = 0x70736575;
  let v1h = 0x646f7261;
  let v1l = 0x6e646f6d;
  let v2h = 0x6c796765;
  let v2l = 0x6e657261;
  let v3h = 0x74656462;
  let v3l = 0x79746573;
  let t = 0;
  let u = 0;
  // Rounds 0..blocks-1 take the full blocks, round `blocks` the last (padded)
  // one with the byte count in its top byte, then three finalisation rounds.
  for (let r = 0; r < blocks + 4; r++) {
    let mh = 0;
    let ml = 0;
    if (r <= blocks) {
      ml = wordAt(s, cps, width, r * 8, bytes);
      mh = wordAt(s, cps, width, r * 8 + 4, bytes);
      if (r === blocks) mh |= bytes << 24;
      v3h ^= mh;
      v3l ^= ml;
    } else if (r === blocks + 1) {
      v2l ^= 0xff;
    }
    // HALF_ROUND(v0, v1, v2, v3, 13, 16)
    t = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (t >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = t;
    t = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (t >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = t;
    t = (v1h << 13) | (v1l >>> 19);
    v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
    v1h = t ^ v0h;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
    v3h = t ^ v2h;
    t = v0h;
    v0h = v0l;
    v0l = t;
    // HALF_ROUND(v2, v1, v0, v3, 17, 21)
    t = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (t >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = t;
    t = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (t >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = t;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
    v1h = t ^ v2h;
    u = (v3h << 21) | (v3l >>> 11);
    v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
    v3h = u ^ v0h;
    t = v2h;
    v2h = v2l;
    v2l = t;
    if (r < blocks + 1) {
      v0h ^= mh;
      v0l ^= ml;
    }
  }
  const hi = v0h ^ v1h ^ v2h ^ v3h;
  const lo = v0l ^ v1l ^ v2l ^ v3l;
  SIP[0] = hi;
  // Python's hash is never -1: -1 is its error value.
  SIP[1] = hi === -1 && lo === -1 ? -2 : lo;
}

/**
 * Python's `hash(s)` as two int32 halves, written into `out` (`out[0]` the
 * high word): a well-mixed 64-bit hash of a string, for sketches.
 * @example
 * const out = new Int32Array(2); sipHash64('', out); [...out];
 * // => [0, 0]
 */
export function sipHash64(s: string, out: Int32Array): void {
  stringHashInto(s);
  out[0] = SIP[0] as number;
  out[1] = SIP[1] as number;
}

/** Sets the registers to `hash(s)`. */
function stringInto(s: string): void {
  stringHashInto(s);
  rHi = (SIP[0] as number) >>> 0;
  rLo = (SIP[1] as number) >>> 0;
}

/**
 * PySpark's `portable_hash(x)` as a JS number. Exact when |hash| < 2^53; a
 * larger hash (huge integers, most non-integer numbers, arrays) is rounded to
 * the nearest double. Partition with `partitionOf`, which is always exact.
 * @example
 * portableHash(-1);
 * // => -2
 */
export function portableHash(x: unknown): number {
  if (typeof x === 'number' && Number.isSafeInteger(x)) return x === -1 ? -2 : x + 0;
  hashInto(x, 0);
  return (rHi | 0) * TWO32 + rLo;
}

/**
 * PySpark's `portable_hash(x)` exactly, as a bigint.
 * @example
 * exactPortableHash(1.5);
 * // => 1152921504606846977n
 */
export function exactPortableHash(x: unknown): bigint {
  hashInto(x, 0);
  return BigInt.asIntN(64, (BigInt(rHi) << 32n) | BigInt(rLo));
}

/**
 * The partition of `key` among `numPartitions` (a positive integer, at most
 * 2^32): Python's `portable_hash(key) % numPartitions`, always in
 * `[0, numPartitions)`, computed exactly. This is PySpark's default
 * partitioner.
 * @example
 * [partitionOf(7, 3), partitionOf(-1, 3)];
 * // => [1, 1]
 */
export function partitionOf(key: unknown, numPartitions: number): number {
  if (typeof key === 'number' && Number.isSafeInteger(key)) {
    const r = (key === -1 ? -2 : key) % numPartitions;
    return r < 0 ? r + numPartitions : r + 0;
  }
  if (typeof key === 'string') {
    stringHashInto(key);
    if (numPartitions < 0x8000) {
      // Python's h % n on the signed 64-bit h = hi·2^32 + lo, by 16-bit limbs in int32 arithmetic.
      let r = (SIP[0] as number) % numPartitions;
      if (r < 0) r += numPartitions;
      const lo = SIP[1] as number;
      r = ((r << 16) | (lo >>> 16)) % numPartitions;
      return ((r << 16) | (lo & 0xffff)) % numPartitions;
    }
    rHi = (SIP[0] as number) >>> 0;
    rLo = (SIP[1] as number) >>> 0;
  } else hashInto(key, 0);
  if (rHi < 0x80000000) return registersMod(numPartitions);
  negate();
  const r = registersMod(numPartitions);
  return r === 0 ? 0 : numPartitions - r;
}

/** (rHi·2^32 + rLo) mod n, unsigned, by 16-bit limbs so every step is exact. */
function registersMod(n: number): number {
  let r = (rHi >>> 16) % n;
  r = (r * 65536 + (rHi & 0xffff)) % n;
  r = (r * 65536 + (rLo >>> 16)) % n;
  return (r * 65536 + (rLo & 0xffff)) % n;
}

/** Replaces the registers by their 64-bit two's complement negation. */
function negate(): void {
  if (rLo === 0) {
    rHi = (TWO32 - rHi) % TWO32;
  } else {
    rLo = TWO32 - rLo;
    rHi = 0xffffffff - rHi;
  }
}

/** Loads a safe integer into the registers, with Python's -1 → -2. */
function setInteger(n: number): void {
  const m = n < 0 ? (n === -1 ? 2 : -n) : n;
  rHi = (m / TWO32) >>> 0;
  rLo = m >>> 0;
  if (n < 0) negate();
}

/** Sets the registers to portable_hash(x). */
function hashInto(x: unknown, depth: number): void {
  switch (typeof x) {
    case 'number':
      numberInto(x);
      return;
    case 'string':
      stringInto(x);
      return;
    case 'boolean':
      rHi = 0;
      rLo = x ? 1 : 0;
      return;
    case 'bigint':
      bigintInto(x);
      return;
    case 'undefined':
      rHi = 0;
      rLo = 0;
      return;
    case 'symbol':
      rHi = 0;
      rLo = stringHash(x.description ?? '');
      return;
    default: {
      if (x === null || (typeof x !== 'object' && typeof x !== 'function')) {
        rHi = 0;
        rLo = 0;
        return;
      }
      const kind = kindOf(x);
      if (kind === ARRAY) {
        tupleInto(x as readonly unknown[], depth);
      } else if (kind === DATE) {
        numberInto((x as Date).getTime());
      } else {
        const h = stringHash(encode(x, depth));
        rHi = 0;
        rLo = h;
      }
    }
  }
}

/** CPython's int and float hash of a JS number. */
function numberInto(x: number): void {
  if (Number.isSafeInteger(x)) {
    setInteger(x);
    return;
  }
  if (Number.isNaN(x)) {
    rHi = 0;
    rLo = 0;
    return;
  }
  if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) {
    setInteger(x > 0 ? 314159 : -314159);
    return;
  }
  // x = m·2^e exactly, with m a 53-bit integer. Modulo P = 2^61 - 1, 2^61 ≡ 1,
  // so x ≡ m·2^s with s = e mod 61: a left rotation of m within 61 bits.
  const negative = x < 0;
  scratchF64[0] = negative ? -x : x;
  const word = scratchU32[WORD_HI]!;
  const biased = word >>> 20;
  let m = (word & 0xfffff) * TWO32 + scratchU32[WORD_LO]!;
  let e = -1074;
  if (biased !== 0) {
    m += POW2[52]!;
    e = biased - 1075;
  }
  const s = ((e % 61) + 61) % 61;
  const split = POW2[61 - s]!;
  // The rotation as two parts with disjoint bits: the bits of m that wrap
  // around (high) and the rest shifted up by s (low). Each step is exact.
  const high = Math.floor(m / split);
  const low = (m - high * split) * POW2[s]!;
  rHi = Math.floor(low / TWO32) + Math.floor(high / TWO32);
  rLo = (low % TWO32) + (high % TWO32);
  if (negative) {
    if (rHi === 0 && rLo === 1) rLo = 2;
    negate();
  }
}

/** CPython's int hash of a bigint. */
function bigintInto(x: bigint): void {
  if (x > -9007199254740992n && x < 9007199254740992n) {
    setInteger(Number(x));
    return;
  }
  const negative = x < 0n;
  const m = (negative ? -x : x) % P61;
  const h = BigInt.asUintN(64, negative ? (m === 1n ? -2n : -m) : m);
  rHi = Number(h >> 32n);
  rLo = Number(h & 0xffffffffn);
}

/**
 * PySpark's tuple hash: h = 0x345678; per item h ^= hash(item),
 * h *= 1000003, h &= 2^63 - 1; finally h ^= len. Masking to 63 bits before
 * the multiply as well as after it changes nothing and keeps h in two
 * non-negative halves: hi (31 bits) and lo (32 bits).
 */
function tupleInto(a: readonly unknown[], depth: number): void {
  if (depth >= MAX_DEPTH) throw tooDeep();
  let hi = 0;
  let lo = 0x345678;
  for (let i = 0; i < a.length; i++) {
    hashInto(a[i], depth + 1);
    hi = (hi ^ rHi) & 0x7fffffff;
    lo = (lo ^ rLo) >>> 0;
    const p = lo * 1000003; // < 2^52: exact
    lo = p >>> 0;
    hi = (hi * 1000003 + Math.floor(p / TWO32)) & 0x7fffffff; // < 2^52 before the mask: exact
  }
  rHi = hi;
  rLo = (lo ^ a.length) >>> 0;
}
