/** Per-partition bodies of the in-memory sources: `parallelize` and `range`. */
import { BATCH_SIZE } from './types.js';

/** PySpark's slicing: partition i of n holds indexes floor(i·len/n) up to floor((i+1)·len/n). */
export function sliceBounds(length: number, numSlices: number, i: number): [number, number] {
  return [Math.floor((i * length) / numSlices), Math.floor(((i + 1) * length) / numSlices)];
}

/** Number of elements of Python's `range(start, end, step)`. */
export function rangeLength(start: number, end: number, step: number): number {
  if (step > 0) return start < end ? Math.floor((end - start - 1) / step) + 1 : 0;
  return start > end ? Math.floor((start - end - 1) / -step) + 1 : 0;
}

/**
 * Partition `split` of PySpark's `parallelize(range(...), numSlices)`: it
 * starts at `start + trunc(split·size/numSlices)·step`. Generated lazily, one
 * batch at a time; nothing is materialised.
 */
export function* rangeBatches(
  start: number,
  step: number,
  size: number,
  numSlices: number,
  split: number,
): Generator<number[]> {
  const from = Math.trunc((split * size) / numSlices);
  const to = Math.trunc(((split + 1) * size) / numSlices);
  for (let i = from; i < to; i += BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, to - i);
    const batch: number[] = new Array(n);
    let x = start + i * step;
    for (let j = 0; j < n; j++, x += step) batch[j] = x;
    yield batch;
  }
}
