/**
 * The sorting wide operators: `sortByKey` and `sortBy` (range-partitioned:
 * partition i holds keys ordered before partition i+1's; bounds are sampled
 * when the job runs, see lib/exec/sort-shuffle.ts), and
 * `repartitionAndSortWithinPartitions` (hash-partitioned, each partition sorted).
 */
import type { Attrs } from '../plan/nodes.js';
import { sortedValues, sortPairs } from './group.js';
import { hashShuffle, type Partitioning } from './shuffle-op.js';
import type { ShuffleOp } from './types.js';

type F1 = (x: unknown) => unknown;
const identity = (x: unknown): unknown => x;
const ascendingAttr = (a: { readonly ascending: boolean }): Attrs => [['ascending', String(a.ascending)]];

export interface SortByKeyArgs {
  readonly ascending: boolean;
  readonly numPartitions: number | undefined;
  /** Sorts by `keyfunc(key)` when given. */
  readonly keyfunc: F1 | undefined;
}

export const sortByKey: ShuffleOp<SortByKeyArgs> = {
  kind: 'shuffle',
  describe: ascendingAttr,
  requested: (a) => a.numPartitions,
  route: (_a, numPartitions, id) => ({ kind: 'range', numPartitions, id }),
  keepsPartitioner: true,
  rekeys: false,
  spec: ({ ascending, keyfunc }) => ({
    sort: {
      ascending,
      keyfunc: keyfunc ?? identity,
      finish: (keys, values) => sortPairs(keys, values, ascending, keyfunc),
    },
  }),
};

export interface SortByArgs {
  readonly keyfunc: F1;
  readonly ascending: boolean;
  readonly numPartitions: number | undefined;
}

/** Sorts elements by `keyfunc(x)`: the output has no partitioner (its elements are not keyed). */
export const sortBy: ShuffleOp<SortByArgs> = {
  kind: 'shuffle',
  describe: ascendingAttr,
  requested: (a) => a.numPartitions,
  route: (_a, numPartitions, id) => ({ kind: 'range', numPartitions, id }),
  keepsPartitioner: false,
  rekeys: false,
  spec: ({ ascending, keyfunc }) => ({
    sort: {
      ascending,
      keyfunc: identity,
      keyOfElement: keyfunc,
      finish: (keys, values) => sortedValues(keys, values, ascending),
    },
  }),
};

export interface RepartitionAndSortArgs extends Partitioning {
  readonly ascending: boolean;
  readonly keyfunc: F1 | undefined;
}

export const repartitionAndSortWithinPartitions = hashShuffle<RepartitionAndSortArgs>(
  ({ ascending, keyfunc }) => ({
    reduce: ({ records }) => {
      const pairs = records[0] ?? [];
      return [
        sortPairs(
          pairs.map((kv) => kv[0]),
          pairs.map((kv) => kv[1]),
          ascending,
          keyfunc,
        ),
      ];
    },
  }),
);
