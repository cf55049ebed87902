/**
 * A small, fast, seeded random number generator for `sample`, `randomSplit`
 * and `takeSample`: xoshiro128** (Blackman & Vigna) on 32-bit integer
 * arithmetic, seeded through an integer hash so that nearby seeds (0, 1, 2
 * ... or one seed per partition) give unrelated streams. The same seed
 * always gives the same sequence, on every platform.
 */

import { randomBytes } from 'node:crypto';
import { ArgumentError } from '../errors.js';

/** A seeded stream of random numbers. */
export interface Rng {
  /** Uniform double in [0, 1), with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n) for a positive safe integer `n`. */
  nextInt(n: number): number;
  /** A draw from the Poisson distribution with the given mean (>= 0, finite). */
  poisson(mean: number): number;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;

/** A bijective 32-bit integer hash (Wellons' "lowbias32" constants). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

const seedView = new DataView(new ArrayBuffer(8));

/** The 64 bits of a seed (as a float64, so every finite number is a distinct seed; -0 is 0). */
function seedWords(seed: number, what: string): [number, number] {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ArgumentError(`${what} must be a finite number, got ${String(seed)}`);
  }
  seedView.setFloat64(0, seed + 0);
  return [seedView.getUint32(4), seedView.getUint32(0)];
}

interface PtrsConstants {
  mean: number;
  logMean: number;
  a: number;
  b: number;
  logInvAlpha: number;
  vr: number;
}

class Xoshiro128StarStar implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Constants of the last mean `poisson` saw, reused while the mean stays the same. */
  private knuthMean = Number.NaN;
  private knuthLimit = 0;
  private ptrs: PtrsConstants | undefined;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    const b = this.b;
    const r = Math.imul(b, 5);
    const result = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  }

  nextInt(n: number): number {
    if (!(n > 0 && Number.isSafeInteger(n))) {
      throw new ArgumentError(`nextInt bound must be a positive safe integer, got ${String(n)}`);
    }
    return Math.floor(this.next() * n);
  }

  poisson(mean: number): number {
    if (!(mean >= 0 && mean < Number.POSITIVE_INFINITY)) {
      throw new ArgumentError(`Poisson mean must be a finite number >= 0, got ${String(mean)}`);
    }
    if (mean === 0) return 0;
    return mean < PTRS_MIN_MEAN ? this.poissonKnuth(mean) : this.poissonPtrs(mean);
  }

  /** Knuth: multiply uniforms until the product drops to exp(-mean); O(mean) draws. */
  private poissonKnuth(mean: number): number {
    if (mean !== this.knuthMean) {
      this.knuthMean = mean;
      this.knuthLimit = Math.exp(-mean);
    }
    const limit = this.knuthLimit;
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k += 1;
      p *= this.next();
    }
    return k;
  }

  /**
   * Hörmann's PTRS (transformed rejection with squeeze, 1993), exact for
   * means >= 10, about 1.2 pairs of uniforms per draw whatever the mean.
   */
  private poissonPtrs(mean: number): number {
    let c = this.ptrs;
    if (c === undefined || c.mean !== mean) {
      const b = 0.931 + 2.53 * Math.sqrt(mean);
      c = this.ptrs = {
        mean,
        logMean: Math.log(mean),
        a: -0.059 + 0.02483 * b,
        b,
        logInvAlpha: Math.log(1.1239 + 1.1328 / (b - 3.4)),
        vr: 0.9277 - 3.6224 / (b - 2),
      };
    }
    const { logMean, a, b, logInvAlpha, vr } = c;
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) {
        return k;
      }
    }
  }
}

/** Below this mean `poisson` uses Knuth's method, from it on PTRS (which needs mean >= 10). */
const PTRS_MIN_MEAN = 10;

const LOG_FACTORIAL_TABLE_SIZE = 256;
let logFactorialTable: Float64Array | undefined;

/** ln(k!) for an integer k >= 0: a table below 256, Stirling's series above (truncation error < 1e-19). */
function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) {
    if (logFactorialTable === undefined) {
      const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
      for (let i = 2; i < LOG_FACTORIAL_TABLE_SIZE; i++) table[i] = table[i - 1]! + Math.log(i);
      logFactorialTable = table;
    }
    return logFactorialTable[k]!;
  }
  const inv = 1 / k;
  const inv2 = inv * inv;
  return (k + 0.5) * Math.log(k) - k + 0.9189385332046728 + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

/**
 * A generator seeded with `seed` (any finite number; integers are usual).
 * @example
 * const a = makeRng(42);
 * const b = makeRng(42);
 * [a.next() === b.next(), a.nextInt(10) === b.nextInt(10)];
 * // => [true, true]
 */
export function makeRng(seed: number): Rng {
  const [lo, hi] = seedWords(seed, 'seed');
  const h = mix32(hi ^ 0x3c6ef372);
  let x = mix32(lo ^ 0x9e3779b9);
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    words.push(mix32(x ^ mix32((h + Math.imul(i + 1, 0x85ebca6b)) | 0)));
  }
  return new Xoshiro128StarStar(words[0]!, words[1]!, words[2]!, words[3]!);
}

/**
 * A generator started from an explicit xoshiro128** state (four 32-bit
 * words): for checking the generator against its published definition.
 * @example
 * makeRngFromState(1, 2, 3, 4).next() < 1;
 * // => true
 */
export function makeRngFromState(a: number, b: number, c: number, d: number): Rng & { nextUint32(): number } {
  return new Xoshiro128StarStar(a, b, c, d);
}

/**
 * The seed of partition `partition`'s stream under the job seed `seed`: a
 * non-negative safe integer, different for every partition of one seed, and
 * hashed so that the partitions' streams are unrelated.
 * @example
 * partitionSeed(7, 0) === partitionSeed(7, 1);
 * // => false
 */
export function partitionSeed(seed: number, partition: number): number {
  if (!(Number.isInteger(partition) && partition >= 0)) {
    throw new ArgumentError(`partition must be a non-negative integer, got ${String(partition)}`);
  }
  const [lo, hi] = seedWords(seed, 'seed');
  const p = mix32(partition >>> 0);
  const q = mix32(Math.floor(partition / TWO_POW_32) ^ 0x5bd1e995);
  // For a fixed seed, `low` is a bijection of the partition's low 32 bits.
  const low = mix32(mix32(lo ^ q) ^ p);
  const high = mix32(mix32(hi ^ 0x27d4eb2f) ^ low) & 0x1fffff; // 21 bits: the result stays < 2^53
  return high * TWO_POW_32 + low;
}

/**
 * A fresh seed from the operating system's random source, for random
 * operations called without one: a non-negative safe integer.
 * @example
 * Number.isSafeInteger(randomSeed());
 * // => true
 */
export function randomSeed(): number {
  const bytes = randomBytes(8);
  return (bytes.readUInt32LE(4) & 0x1fffff) * TWO_POW_32 + bytes.readUInt32LE(0);
}
