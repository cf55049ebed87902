/**
 * The element-wise operators: `map`, `flatMap`, `filter` and their pair
 * forms (`mapValues`, `flatMapValues`, `keyBy`, `keys`, `values`). Each is a
 * stateless kernel: the executor fuses a run of them into one generated loop
 * (lib/exec/fuse.ts), one call site per user function.
 */
import { equals } from '../values/key.js';
import { asPair } from './pairs.js';
import type { Kernel, KernelOp } from './types.js';

type F = (x: unknown) => unknown;

/** Arguments of an operator taking one user function. */
export interface FnArgs {
  readonly f: F;
}

const kernel = (kind: Exclude<Kernel['kind'], 'keys' | 'values'>, fn: F): Kernel => ({ kind, fn });

/** `rdd.map(f)`: `f(x)` for every element. */
export const map: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: ({ f }) => kernel('map', f),
};

/** `rdd.flatMap(f)`: the elements of the Iterable `f(x)` returns. */
export const flatMap: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: ({ f }) => kernel('flatMap', f),
};

/** `rdd.filter(f)`: the elements for which `f(x)` is truthy; keeps the partitioner. */
export const filter: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ f }) => kernel('filter', f),
};

/** `rdd.keyBy(f)`: `[f(x), x]`. */
export const keyBy: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: ({ f }) => kernel('keyBy', f),
};

/** `rdd.keys()` of a pair RDD (an element that is not a pair fails naming the operator). */
export const keys: KernelOp<Record<string, never>> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: () => ({ kind: 'keys' }),
};

/** `rdd.values()` of a pair RDD. */
export const values: KernelOp<Record<string, never>> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: () => ({ kind: 'values' }),
};

/** `rdd.mapValues(f)`: `[k, f(v)]`, keeping keys and partitioning. */
export const mapValues: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ f }) => kernel('mapValues', f),
};

/** `rdd.flatMapValues(f)`: `[k, u]` for each `u` of `f(v)`, keeping keys and partitioning. */
export const flatMapValues: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ f }) => kernel('flatMapValues', f),
};

/** `rdd.countByKey()`'s keys: `keys()` under the action's name, so a non-pair is named as countByKey's. */
export const countByKey: KernelOp<Record<string, never>> = { ...keys, describe: () => [] };

export interface LookupArgs {
  readonly key: unknown;
}

/** `rdd.lookup(key)`'s pairs with that key (then `values()`); a non-pair is named as lookup's. */
export const lookup: KernelOp<LookupArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ key }) => kernel('filter', (kv) => equals(asPair(kv, 'lookup')[0], key)),
};
