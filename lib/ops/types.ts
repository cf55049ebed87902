/**
 * The shape every fused narrow operator takes. A partition flows as batches
 * (arrays); a fused stage runs each operator's `step` over a batch in one
 * synchronous loop, so no `await` is paid per element.
 */

/** Reads `batch` and appends its results to `out`. */
export type BatchFn<I, O> = (batch: readonly I[], out: O[]) => void;

/** One operator instance for one partition: `step` per batch, then `end` once after the last batch. */
export interface BatchOp<I, O> {
  readonly step: BatchFn<I, O>;
  readonly end?: (out: O[]) => void;
}

/** Builds the operator instance for a partition (state such as a seeded RNG or a running index lives here). */
export type BatchOpFactory<I, O> = (partition: number) => BatchOp<I, O>;

/** Number of elements a source puts in one batch. */
export const BATCH_SIZE = 4096;

/**
 * A stateless element-wise operator, fused by code generation into one loop
 * with its neighbours (see `lib/exec/fuse.ts`): `map` replaces the element,
 * `filter` keeps it when `fn` is truthy, `flatMap` replaces it with the
 * elements of the Iterable `fn` returns.
 */
export interface Kernel {
  readonly kind: 'map' | 'filter' | 'flatMap';
  readonly fn: (x: never) => unknown;
}
