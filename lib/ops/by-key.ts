/**
 * The per-key wide operators: `combineByKey` and its forms (`reduceByKey`,
 * `foldByKey`, `aggregateByKey`), `groupByKey`, `groupBy`, `partitionBy`.
 * Each is one hash shuffle; the combining ones combine map-side first, so a
 * map task's memory grows with its distinct keys, not its records.
 */
import { freshCopy } from '../util/clone.js';
import { BadResult, isThenable } from './results.js';
import { hashShuffle, type Partitioning, pairs } from './shuffle-op.js';
import type { ShuffleSpec } from './types.js';

type F1 = (x: unknown) => unknown;
type F2 = (a: unknown, b: unknown) => unknown;

function combining(create: F1, merge: F2, mergeCombiners: F2): ShuffleSpec {
  return { combine: { create, merge, mergeCombiners, mapSide: true }, reduce: pairs };
}

export interface CombineByKeyArgs extends Partitioning {
  readonly createCombiner: F1;
  readonly mergeValue: F2;
  readonly mergeCombiners: F2;
}

export const combineByKey = hashShuffle<CombineByKeyArgs>((a) =>
  combining(a.createCombiner, a.mergeValue, a.mergeCombiners),
);

export interface ReduceByKeyArgs extends Partitioning {
  readonly f: F2;
}

/** The combiner starts from a copy of the key's first value: `f` may mutate its first argument. */
export const reduceByKey = hashShuffle<ReduceByKeyArgs>((a) => combining(freshCopy, a.f, a.f));

export interface FoldByKeyArgs extends Partitioning {
  readonly zeroValue: unknown;
  readonly f: F2;
}

export const foldByKey = hashShuffle<FoldByKeyArgs>((a) =>
  combining((v) => a.f(freshCopy(a.zeroValue), v), a.f, a.f),
);

export interface AggregateByKeyArgs extends Partitioning {
  readonly zeroValue: unknown;
  readonly seqFunc: F2;
  readonly combFunc: F2;
}

export const aggregateByKey = hashShuffle<AggregateByKeyArgs>((a) =>
  combining((v) => a.seqFunc(freshCopy(a.zeroValue), v), a.seqFunc, a.combFunc),
);

/** Groups values into arrays; as Spark, on the reduce side only (grouping map-side saves no memory). */
const grouping = (prepare?: ShuffleSpec['prepare']): ShuffleSpec => ({
  ...(prepare === undefined ? {} : { prepare }),
  combine: {
    create: (v) => [v],
    merge: (c, v) => {
      (c as unknown[]).push(v);
      return c;
    },
    mergeCombiners: (a, b) => {
      for (const x of b as unknown[]) (a as unknown[]).push(x);
      return a;
    },
    mapSide: false,
  },
  reduce: pairs,
});

export const groupByKey = hashShuffle<Partitioning>(() => grouping());

export interface GroupByArgs extends Partitioning {
  readonly f: F1;
}

/** Groups elements by `f(x)`: every element is keyed afresh. */
export const groupBy = hashShuffle<GroupByArgs>(
  (a) =>
    grouping(() => {
      // A map task's first key: a Promise means an async function (see BadResult).
      let checked = false;
      return (x) => {
        const k = a.f(x);
        if (!checked) {
          checked = true;
          if (isThenable(k)) throw new BadResult('promise', k);
        }
        return [k, x];
      };
    }),
  { rekeys: true },
);

export const partitionBy = hashShuffle<Partitioning>(() => ({ reduce: pairs }));
