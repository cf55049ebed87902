/**
 * Per-partition folds of the actions, by name, so that a worker thread can
 * run one (it has the same table) with the action's arguments sent over:
 * `count` returns a number instead of the partition's elements.
 */

import { ArgumentError } from '../errors.js';
import { type HistogramSpec, histogramCounter } from '../ops/histogram.js';
import { HyperLogLog } from '../ops/hyperloglog.js';
import { describe } from '../ops/pairs.js';
import { Smallest } from '../ops/take-ordered.js';
import { StatCounter } from '../stat-counter.js';
import { freshCopy } from '../util/clone.js';
import { arrayGrowth, tableGrowth } from '../util/growth.js';
import { compare } from '../values/compare.js';
import { ValueMap } from '../values/value-map.js';
import { BadResult, isThenable } from './failures.js';

/** One partition's accumulator: `add` is the sink of the partition's fused loop. */
export interface PartitionFold<R = unknown> {
  readonly add: (x: unknown) => void;
  readonly result: () => R;
  /**
   * Bytes the next growth of what it keeps may allocate at once (folds that
   * keep what they are given, as `collect`, or a table per distinct value):
   * the memory budget's checks count them (see lib/util/growth.ts).
   */
  readonly grows?: () => number;
}

type Step = (acc: unknown, x: unknown) => unknown;

/**
 * A partition's sum: a number when it held no bigint (the common case, and
 * what other threads and processes exchange), else its numbers' float sum
 * and its bigints' exact sum.
 */
export type SumPartial = number | { readonly n: number; readonly big: bigint };

/** Python's TypeError for adding up something that is not a number. */
export function notANumber(action: string, x: unknown): TypeError {
  const kind = x === null ? 'null' : typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x;
  return new TypeError(`${action}() takes numbers, bigints or booleans, got ${describe(x)} (${kind})`);
}

/**
 * The sum of the partitions' partials: a number, or a bigint when there were
 * bigints, to which the numbers' sum is added exactly when it is an integer;
 * when it is not, a TypeError (JavaScript has no exact sum of a bigint and a
 * fraction; Python goes to floats). Checking the numbers' sum, not each
 * number, keeps the fused loop's add free of a test per element.
 */
export function sumPartials(parts: readonly SumPartial[]): number | bigint {
  let n = 0;
  let big: bigint | null = null;
  for (const p of parts) {
    if (typeof p === 'number') n += p;
    else {
      n += p.n;
      big = big === null ? p.big : big + p.big;
    }
  }
  if (big === null) return n;
  if (!Number.isInteger(n))
    throw new TypeError(
      `sum() got bigints and numbers adding up to ${n}, not an integer: convert one to the other first (Number(x) or BigInt(x))`,
    );
  return big + BigInt(n);
}

export const FOLDS = {
  count: (): PartitionFold<number> => {
    let n = 0;
    return {
      add: () => {
        n++;
      },
      result: () => n,
    };
  },
  /**
   * Numbers added as floats (booleans as 0 and 1, as in Python), bigints
   * exactly, apart; anything else is a TypeError, as Python's `sum` raises
   * (see `sumPartials` for how the two sums meet).
   */
  sum: (): PartitionFold<SumPartial> => {
    // A typed-array slot, not a closure variable: storing a non-small-integer
    // number into a closure variable allocates a heap number on every add.
    const s = new Float64Array(1);
    let big: bigint | null = null;
    return {
      add: (x) => {
        if (typeof x === 'number') s[0] = (s[0] as number) + x;
        else if (typeof x === 'bigint') big = big === null ? x : big + x;
        else if (typeof x === 'boolean') s[0] = (s[0] as number) + (x ? 1 : 0);
        else throw notANumber('sum', x);
      },
      result: () => (big === null ? (s[0] as number) : { n: s[0] as number, big }),
    };
  },
  collect: (): PartitionFold<unknown[]> => {
    const all: unknown[] = [];
    return { add: (x) => all.push(x), result: () => all, grows: () => arrayGrowth(all.length) };
  },
  /** Folds from a fresh copy of `zero` with `step` (whose first result must not be a Promise: see BadResult). */
  fold: (zero: unknown, step: Step): PartitionFold => {
    let acc = freshCopy(zero);
    let checked = false;
    return {
      add: (x) => {
        acc = step(acc, x);
        if (!checked) {
          checked = true;
          if (isThenable(acc)) throw new BadResult('promise', acc);
        }
      },
      result: () => acc,
    };
  },
  /** Reduces with `f` from a copy of the first element (`f` may mutate its first argument): `[]` when empty, else `[result]`. */
  reduce: (f: Step): PartitionFold<unknown[]> => {
    let started = false;
    let checked = false;
    let acc: unknown;
    return {
      add: (x) => {
        if (started) {
          acc = f(acc, x);
          if (!checked) {
            checked = true;
            if (isThenable(acc)) throw new BadResult('promise', acc);
          }
        } else {
          acc = freshCopy(x);
          started = true;
        }
      },
      result: () => (started ? [acc] : []),
    };
  },
  /** `max()` (sign 1) or `min()` (-1): the partition's first extreme element by `compare` of `key(x)` (or x); `[]` when empty, else `[it]`. */
  extreme: (sign: number, key?: (x: unknown) => unknown): PartitionFold<unknown[]> => {
    let started = false;
    let best: unknown;
    let bestKey: unknown;
    return {
      add: (x) => {
        const k = key === undefined ? x : key(x);
        if (!started || sign * compare(k, bestKey) > 0) {
          best = x;
          bestKey = k;
          started = true;
        }
      },
      result: () => (started ? [best] : []),
    };
  },
  /** `takeOrdered()` (sign 1) and `top()` (-1): the partition's `num` smallest under `sign · compare` of `key(x)` (or x), in order. */
  smallest: (num: number, sign: number, key?: (x: unknown) => unknown): PartitionFold<unknown[]> => {
    const cmp =
      key === undefined
        ? (a: unknown, b: unknown) => sign * compare(a, b)
        : (a: unknown, b: unknown) => sign * compare(key(a), key(b));
    const s = new Smallest(num, cmp);
    return { add: (x) => s.add(x), result: () => s.result() };
  },
  /** `stats()`: a StatCounter's state as plain numbers (StatCounter._fromState rebuilds it). */
  stats: (): PartitionFold<number[]> => {
    const s = new StatCounter();
    return { add: (x) => s.merge(x as number), result: () => s._state() };
  },
  /** `countByValue()`: each distinct value with its count, in the order first seen. */
  countByValue: (): PartitionFold<[unknown, number][]> => {
    const counts = new ValueMap<unknown, number>();
    return {
      add: (x) => counts.set(x, (counts.get(x) ?? 0) + 1),
      result: () => [...counts],
    };
  },
  /** `histogram(count)`'s first pass: the partition's least and greatest number and how many (non-numbers are an error). */
  minmax: (): PartitionFold<{ lo: number; hi: number; n: number }> => {
    const s = new Float64Array([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0]);
    return {
      add: (x) => {
        if (typeof x !== 'number') throw new ArgumentError('Can not generate buckets with non-number in RDD');
        if (x < (s[0] as number)) s[0] = x;
        if (x > (s[1] as number)) s[1] = x;
        s[2] = (s[2] as number) + 1;
      },
      result: () => ({ lo: s[0] as number, hi: s[1] as number, n: s[2] as number }),
    };
  },
  /** `countApproxDistinct()`: the partition's HyperLogLog registers (2^p of them). */
  hyperLogLog: (p: number): PartitionFold<Uint8Array> => {
    const h = new HyperLogLog(p);
    return { add: (x) => h.add(x), result: () => h.registers };
  },
  /** `reduceByKeyLocally()`: the partition's pairs reduced by key with `f` (the first value copied), as entries in the order first seen. */
  reduceByKey: (f: Step): PartitionFold<[unknown, unknown][]> => {
    const m = new ValueMap<unknown, unknown>();
    return {
      add: (x) => {
        const [k, v] = x as [unknown, unknown];
        m.set(k, m.has(k) ? f(m.get(k), v) : freshCopy(v));
      },
      result: () => [...m],
      grows: () => 2 * tableGrowth(m.size),
    };
  },
  /** `histogram()`: the partition's count per bucket of `spec` (ops/histogram.ts). */
  histogram: (spec: HistogramSpec<number>): PartitionFold<number[]> => {
    const c = histogramCounter(spec);
    const one: unknown[] = [undefined];
    return {
      add: (x) => {
        one[0] = x;
        c.add(one);
      },
      result: () => c.counts(),
    };
  },
} as const;

export type FoldName = keyof typeof FOLDS;

/** A fold by name and its arguments (functions among them are shipped by source). */
export interface NamedFold {
  readonly name: FoldName;
  readonly args: readonly unknown[];
}

/** A partition's accumulator for a named fold. */
export function startFold(fold: NamedFold): PartitionFold {
  const make = FOLDS[fold.name] as (...args: readonly unknown[]) => PartitionFold;
  return make(...fold.args);
}
