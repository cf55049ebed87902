/**
 * HyperLogLog, as Spark's `countApproxDistinct` sizes it: precision
 * p = ceil(2·log2(1.054 / relativeSD)), 2^p one-byte registers over a 64-bit
 * hash (so no large-range correction is needed), linear counting while the
 * raw estimate is at most 2.5·2^p and a register is still empty. Spark's
 * HyperLogLog++ also corrects the raw estimate's bias between 2.5 and 5 times
 * the register count with empirical tables; without them the error there is
 * still within the few standard errors the method promises.
 *
 * Elements hash by value (`keyOf`): equal values by the contract's equality
 * count once, whatever their identity.
 */
import { ArgumentError } from '../errors.js';
import { sipHash64 } from '../values/hash.js';
import { keyOf } from '../values/key.js';
import { identityId } from '../values/kind.js';

/** Most registers a sketch may have: 2^24 (16 MiB). */
const MAX_PRECISION = 24;

/**
 * The precision for `relativeSD`, checked as PySpark and Spark check it.
 * @example
 * [precisionFor(0.05), precisionFor(0.01)];
 * // => [9, 14]
 */
export function precisionFor(relativeSD: unknown): number {
  if (typeof relativeSD !== 'number' || Number.isNaN(relativeSD))
    throw new ArgumentError(`relativeSD must be a number, got ${String(relativeSD)}`);
  if (relativeSD < 0.000017) throw new ArgumentError('relativeSD should be greater than 0.000017');
  const p = Math.ceil((2 * Math.log(1.054 / relativeSD)) / Math.LN2);
  if (p < 4)
    throw new ArgumentError(
      `relativeSD must be at most 0.37 (precision ${p} must be >= 4), got ${relativeSD}`,
    );
  if (p > MAX_PRECISION)
    throw new ArgumentError(
      `relativeSD ${relativeSD} needs 2^${p} registers; sparkling keeps at most 2^${MAX_PRECISION} (relativeSD >= 0.00027)`,
    );
  return p;
}

const words = new Int32Array(2);

/** The 64-bit hash of a value by its canonical key, into `words`. */
function hashValue(x: unknown): void {
  const k = keyOf(x);
  let s: string;
  switch (typeof k) {
    case 'string':
      s = k;
      break;
    case 'number':
      // keyOf keeps -0 apart from 0 only in a Map's eyes: both are 0 here.
      s = `\u0001f${k === 0 ? 0 : k}`;
      break;
    case 'bigint':
      s = `\u0001i${k}`;
      break;
    case 'boolean':
      s = k ? '\u0001t' : '\u0001F';
      break;
    case 'undefined':
      s = '\u0001u';
      break;
    default:
      s = k === null ? '\u0001n' : `\u0001o${identityId(k as object)}`;
  }
  sipHash64(s, words);
}

/** One HyperLogLog sketch. */
export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(readonly p: number) {
    this.registers = new Uint8Array(1 << p);
  }

  /** Adds a value. */
  add(x: unknown): void {
    hashValue(x);
    const hi = words[0] as number;
    const lo = words[1] as number;
    const p = this.p;
    const index = hi >>> (32 - p);
    const rest = (hi << p) >>> 0;
    // Leading zeros of the 64 - p bits after the index, plus one.
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : lo !== 0 ? 32 - p + Math.clz32(lo) + 1 : 64 - p + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  /** Takes the larger register of each pair: the sketch of both inputs. */
  merge(other: Uint8Array): this {
    const r = this.registers;
    for (let i = 0; i < r.length; i++) if ((other[i] as number) > (r[i] as number)) r[i] = other[i] as number;
    return this;
  }

  /**
   * The estimated number of distinct values added.
   * @example
   * const h = new HyperLogLog(10); for (let i = 0; i < 1000; i++) h.add(i % 100); Math.abs(h.estimate() - 100) <= 3;
   * // => true
   */
  estimate(): number {
    const r = this.registers;
    const m = r.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const v = r[i] as number;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(raw);
  }
}
