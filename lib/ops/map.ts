/**
 * The element-wise operators: `map`, `flatMap`, `filter` and their pair
 * forms (`mapValues`, `flatMapValues`, `keyBy`, `keys`, `values`). Each is a
 * stateless kernel: the executor fuses a run of them into one generated loop
 * (lib/exec/fuse.ts), one call site per user function.
 */
import type { Kernel, KernelOp } from './types.js';

type F = (x: unknown) => unknown;

/** Arguments of an operator taking one user function. */
export interface FnArgs {
  readonly f: F;
}

const kernel = (kind: Kernel['kind'], fn: F): Kernel => ({ kind, fn });

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
  kernel: ({ f }) => kernel('map', (x) => [f(x), x]),
};

/** `rdd.keys()` of a pair RDD. */
export const keys: KernelOp<Record<string, never>> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: () => kernel('map', (kv) => (kv as [unknown, unknown])[0]),
};

/** `rdd.values()` of a pair RDD. */
export const values: KernelOp<Record<string, never>> = {
  kind: 'kernel',
  keepsPartitioner: false,
  kernel: () => kernel('map', (kv) => (kv as [unknown, unknown])[1]),
};

/** `rdd.mapValues(f)`: `[k, f(v)]`, keeping keys and partitioning. */
export const mapValues: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ f }) =>
    kernel('map', (x) => {
      const kv = x as [unknown, unknown];
      return [kv[0], f(kv[1])];
    }),
};

/** `rdd.flatMapValues(f)`: `[k, u]` for each `u` of `f(v)`, keeping keys and partitioning. */
export const flatMapValues: KernelOp<FnArgs> = {
  kind: 'kernel',
  keepsPartitioner: true,
  kernel: ({ f }) =>
    kernel('flatMap', (x) => {
      const kv = x as [unknown, unknown];
      const out: [unknown, unknown][] = [];
      for (const u of f(kv[1]) as Iterable<unknown>) out.push([kv[0], u]);
      return out;
    }),
};
