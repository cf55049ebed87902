/** Per-partition bodies of the in-memory sources: `parallelize` and `range`. */

import { TURN_EVERY, turn } from '../util/turn.js';
import { BATCH_SIZE, type SourceOp } from './types.js';

/** Spark's slicing of a sequence: partition i of n holds indexes floor(i·len/n) up to floor((i+1)·len/n). */
export function sliceBounds(length: number, numSlices: number, i: number): [number, number] {
  return [Math.floor((i * length) / numSlices), Math.floor(((i + 1) * length) / numSlices)];
}

/** PySpark's largest batch when it sends a list to the JVM (its `batchSize` default). */
const PYSPARK_BATCH = 1024;

/**
 * PySpark's slicing of a list: `parallelize` sends it to the JVM in batches
 * of max(1, min(floor(len/n), 1024)) elements, and Spark slices the batches,
 * not the elements (batch j to partition i for floor(i·b/n) <= j <
 * floor((i+1)·b/n), b batches). 20 elements into 7 partitions: 2, 2, 4, 2,
 * 4, 2, 4 (where slicing elements gives 2, 3, 3, 3, 3, 3, 3). With fewer
 * than two elements per partition, a batch is one element and both agree.
 */
export function listSliceBounds(length: number, numSlices: number, i: number): [number, number] {
  const batch = Math.max(1, Math.min(Math.floor(length / numSlices), PYSPARK_BATCH));
  const [from, to] = sliceBounds(Math.ceil(length / batch), numSlices, i);
  return [Math.min(length, from * batch), Math.min(length, to * batch)];
}

/** Elements `from` up to `to` of an array, as freshly copied batches. */
export async function* sliceBatches<T>(items: readonly T[], from: number, to: number): AsyncGenerator<T[]> {
  for (let i = from, k = 1; i < to; i += BATCH_SIZE, k++) {
    yield items.slice(i, Math.min(i + BATCH_SIZE, to));
    if (k % TURN_EVERY === 0) await turn();
  }
}

/** In-place ranges need no batch-sized arrays: fewer, longer calls into the fused loop. */
const RANGE_SIZE = 16 * BATCH_SIZE;

/** Elements `from` up to `to` of an array, as ranges of at most RANGE_SIZE read in place. */
export function* sliceRanges<T>(
  items: readonly T[],
  from: number,
  to: number,
): Generator<[readonly T[], number, number]> {
  for (let i = from; i < to; i += RANGE_SIZE) yield [items, i, Math.min(i + RANGE_SIZE, to)];
}

/** Number of elements of Python's `range(start, end, step)`. */
export function rangeLength(start: number, end: number, step: number): number {
  if (step > 0) return start < end ? Math.floor((end - start - 1) / step) + 1 : 0;
  return start > end ? Math.floor((start - end - 1) / -step) + 1 : 0;
}

/** The first and past-the-end index of partition `split` of PySpark's `parallelize(range(...), numSlices)`. */
function rangeSplit(size: number, numSlices: number, split: number): [number, number] {
  return [Math.trunc((split * size) / numSlices), Math.trunc(((split + 1) * size) / numSlices)];
}

/**
 * Partition `split` of PySpark's `parallelize(range(...), numSlices)`: it
 * starts at `start + trunc(split·size/numSlices)·step`. Generated lazily, one
 * batch at a time; nothing is materialised.
 */
export async function* rangeBatches(
  start: number,
  step: number,
  size: number,
  numSlices: number,
  split: number,
): AsyncGenerator<number[]> {
  const [from, to] = rangeSplit(size, numSlices, split);
  for (let i = from, k = 1; i < to; i += BATCH_SIZE, k++) {
    const n = Math.min(BATCH_SIZE, to - i);
    const batch: number[] = [];
    let x = start + i * step;
    for (let j = 0; j < n; j++, x += step) batch.push(x);
    yield batch;
    if (k % TURN_EVERY === 0) await turn();
  }
}

/**
 * The same partition for a fused loop that consumes each range before asking
 * for the next: one buffer is refilled in place, so nothing is allocated.
 */
export function* rangeRanges(
  start: number,
  step: number,
  size: number,
  numSlices: number,
  split: number,
): Generator<[readonly number[], number, number]> {
  const [from, to] = rangeSplit(size, numSlices, split);
  const buffer: number[] = [];
  for (let i = from; i < to; i += BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, to - i);
    let x = start + i * step;
    for (let j = 0; j < n; j++, x += step) buffer[j] = x;
    yield [buffer, 0, n];
  }
}

export interface ParallelizeArgs {
  /** The user's array (read when an action runs, as Scala Spark does), or a copy of another Iterable. */
  readonly data: readonly unknown[];
  readonly numSlices: number;
}

/** `sc.parallelize(data, numSlices)`: sliced as PySpark slices a list; the data stays in the driver's memory. */
export const parallelize: SourceOp<ParallelizeArgs> = {
  kind: 'source',
  local: true,
  knownPartitions: (a) => a.numSlices,
  partitions: (a) => a.numSlices,
  open: (a, split) => sliceBatches(a.data, ...listSliceBounds(a.data.length, a.numSlices, split)),
  ranges: (a, split) => sliceRanges(a.data, ...listSliceBounds(a.data.length, a.numSlices, split)),
};

export interface RangeArgs {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly numSlices: number;
}

/** `sc.range(start, end, step, numSlices)`: generated lazily per partition, never materialised. */
export const range: SourceOp<RangeArgs> = {
  kind: 'source',
  describe: (a) => [['range', `${a.start}..${a.end}${a.step === 1 ? '' : ` step ${a.step}`}`]],
  knownPartitions: (a) => a.numSlices,
  partitions: (a) => a.numSlices,
  open: (a, split) => rangeBatches(a.start, a.step, rangeLength(a.start, a.end, a.step), a.numSlices, split),
  ranges: (a, split) => rangeRanges(a.start, a.step, rangeLength(a.start, a.end, a.step), a.numSlices, split),
};

/** `sc.emptyRDD()`: no partitions. */
export const emptyRDD: SourceOp<Record<string, never>> = {
  kind: 'source',
  knownPartitions: () => 0,
  partitions: () => 0,
  open: async function* () {},
};
