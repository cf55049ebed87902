/**
 * Per-partition folds of the actions, by name, so that a worker thread can
 * run one (it has the same table) with the action's arguments sent over:
 * `count` returns a number instead of the partition's elements.
 */
import { Smallest } from '../ops/take-ordered.js';
import { StatCounter } from '../stat-counter.js';
import { freshCopy } from '../util/clone.js';
import { compare } from '../values/compare.js';
import { ValueMap } from '../values/value-map.js';

/** One partition's accumulator: `add` is the sink of the partition's fused loop. */
export interface PartitionFold<R = unknown> {
  readonly add: (x: unknown) => void;
  readonly result: () => R;
  /** How many elements it keeps (the folds that keep what they are given: `collect`). */
  readonly kept?: () => number;
}

type Step = (acc: unknown, x: unknown) => unknown;

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
  sum: (): PartitionFold<number> => {
    // A typed-array slot, not a closure variable: storing a non-small-integer
    // number into a closure variable allocates a heap number on every add.
    const s = new Float64Array(1);
    return {
      add: (x) => {
        s[0] = (s[0] as number) + (x as number);
      },
      result: () => s[0] as number,
    };
  },
  collect: (): PartitionFold<unknown[]> => {
    const all: unknown[] = [];
    return { add: (x) => all.push(x), result: () => all, kept: () => all.length };
  },
  /** Folds from a fresh copy of `zero` with `step`. */
  fold: (zero: unknown, step: Step): PartitionFold => {
    let acc = freshCopy(zero);
    return {
      add: (x) => {
        acc = step(acc, x);
      },
      result: () => acc,
    };
  },
  /** Reduces with `f` from a copy of the first element (`f` may mutate its first argument): `[]` when empty, else `[result]`. */
  reduce: (f: Step): PartitionFold<unknown[]> => {
    let started = false;
    let acc: unknown;
    return {
      add: (x) => {
        if (started) acc = f(acc, x);
        else {
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
