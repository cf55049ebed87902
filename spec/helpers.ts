/** Shared test helpers: a Context per test and the partition counts every operator is checked at. */
import { Context } from '../lib/index.js';

/** Every operator is compared with a plain-array reference at these partition counts. */
export const PARTITIONS = [1, 2, 7] as const;

export function context(): Context {
  return new Context({ defaultParallelism: 2 });
}

/** Natural sort for test references (numbers numerically, everything else by JSON). */
export function sorted<T>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : JSON.stringify(a) < JSON.stringify(b)
        ? -1
        : JSON.stringify(a) > JSON.stringify(b)
          ? 1
          : 0,
  );
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * A plan's layout without the executor notes a Context with worker threads
 * adds (`executor=workers`, `executor=main reason="..."`): for specs about the
 * layout, which also run with SPARKLING_WORKERS set. spec/workers/ checks the notes.
 */
export const layout = (plan: string): string => plan.replace(/ executor=(workers|main reason="[^"]*")/g, '');
