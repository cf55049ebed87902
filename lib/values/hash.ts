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
 * - Strings: Python randomises str hashes, so here a 32-bit FNV-1a over the
 *   UTF-16 code units (non-negative).
 * - `Date`s hash as their time value; symbols as their description; every
 *   other object as the FNV-1a hash of its canonical encoding (`keyOf`).
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

/** 32-bit FNV-1a over the UTF-16 code units of `s`: deterministic, by content, non-negative. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
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
  if (typeof x === 'string') return stringHash(x);
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
  if (typeof key === 'string') return stringHash(key) % numPartitions;
  hashInto(key, 0);
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
      rHi = 0;
      rLo = stringHash(x);
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
