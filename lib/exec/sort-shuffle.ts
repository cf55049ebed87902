/**
 * The shuffle of sortBy / sortByKey: range-partitioned, and columnar. A map
 * task drains its partition into two parallel arrays, keys and values (for
 * sortBy the element is the value and its key is computed: no pair is ever
 * built, and when every key is its element, as in `sortBy(x => x)`, one
 * array is both); bounds are sampled from the keys (PySpark's sortByKey:
 * about 20 per output partition); each map output is routed into
 * per-partition columns; a reduce task concatenates its columns in map order
 * and sorts them (a radix sort when every key is a number). Measured on 5 M
 * numbers: pairs made sortBy 4x a Float64Array sort, a quarter of it garbage
 * collection.
 */
import { InternalError } from '../errors.js';
import { asPair } from '../ops/pairs.js';
import type { SortSpec } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { arrayGrowth } from '../util/growth.js';
import { compare } from '../values/compare.js';
import type { MapOutput } from './executor.js';
import { BadResult, isThenable, taskFailure } from './failures.js';
import { taskCode } from './nesting.js';
import { runBounded, withRetries } from './schedule.js';
import { shuffleSpecOf } from './specs.js';
import type { TaskContext } from './task.js';

interface Columns {
  keys: unknown[];
  values: unknown[];
}

function sortSpecOf(node: PlanNode): SortSpec {
  const sort = shuffleSpecOf(node).sort;
  if (sort === undefined) throw new InternalError(`${node.op} is not a sort`);
  return sort;
}

/** One map task: the partition's keys and values, in order. */
async function mapTask(
  node: PlanNode,
  parent: PlanNode,
  mapPartition: number,
  job: TaskContext,
): Promise<Columns> {
  const { keyOfElement } = sortSpecOf(node);
  const keys: unknown[] = [];
  // For sortBy, undefined while every key is its element (sortBy(x => x)): the keys are the values too.
  let values: unknown[] | undefined = keyOfElement === undefined ? [] : undefined;
  const watch = job.watch(node.op, node.id, mapPartition, 'buffering its map output');
  try {
    if (keyOfElement !== undefined)
      await job.drain(
        parent,
        mapPartition,
        (x) => {
          const k = keyOfElement(x);
          if (keys.length === 0 && isThenable(k)) throw new BadResult('promise', k);
          keys.push(k);
          if (values !== undefined) values.push(x);
          else if (!Object.is(k, x)) {
            values = keys.slice(0, keys.length - 1);
            values.push(x);
          }
        },
        undefined,
        () => watch(2 * arrayGrowth(keys.length)),
      );
    else {
      const vs = values as unknown[];
      await job.drain(
        parent,
        mapPartition,
        (x) => {
          const kv = asPair(x, node.op);
          keys.push(kv[0]);
          vs.push(kv[1]);
        },
        undefined,
        () => watch(2 * arrayGrowth(keys.length)),
      );
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, mapPartition, e);
  }
  return { keys, values: values ?? keys };
}

/** Every map task's columns (each task retried on its own), in map-partition order. */
async function mapOutputs(node: PlanNode, job: TaskContext): Promise<Columns[]> {
  const parent = node.parents[0] as PlanNode;
  const m = await job.numPartitions(parent);
  return runBounded(
    job,
    m,
    job.runtime.concurrency,
    job.stageTasks(
      parent,
      m,
      (mp) => mp,
      (mp) => withRetries(job, () => mapTask(node, parent, mp, job)),
    ),
  );
}

/** Every how many keys of a map output one is sampled, `total` keys in all: about 20 per output partition. */
export function sampleStride(total: number, n: number): number {
  return Math.max(1, Math.floor(total / (n * 20)));
}

/** A map output's sampled sort keys: `keyfunc` of keys 0, stride, 2·stride ... */
function sampleOf(keys: readonly unknown[], stride: number, sort: SortSpec, out: unknown[] = []): unknown[] {
  for (let i = 0; i < keys.length; i += stride) out.push(sort.keyfunc(keys[i]));
  return out;
}

/** The `n - 1` bounds cut from the map outputs' samples (in map order), sorted ascending. */
export function boundsOfSample(sample: unknown[], n: number): unknown[] {
  sample.sort(compare);
  const bounds: unknown[] = [];
  for (let i = 0; i < n - 1; i++) bounds.push(sample[Math.floor((sample.length * (i + 1)) / n)]);
  return bounds;
}

/**
 * Sampled bounds, PySpark's way: about 20 sort keys per output partition
 * (every key when there are at most 20 × `n`, so the layout is PySpark's),
 * sorted ascending whatever the order asked, and cut at
 * `sample[floor(len · (i + 1) / n)]` for i < n - 1, duplicates kept (a run of
 * equal keys then leaves the partitions after its first one empty, as in
 * PySpark). On Spark the same three steps run with a counting job and a
 * sampling job (lib/spark/sort.ts).
 */
function rangeBounds(outputs: readonly Columns[], n: number, sort: SortSpec): unknown[] {
  let total = 0;
  for (const o of outputs) total += o.keys.length;
  if (total === 0 || n <= 1) return [];
  const stride = sampleStride(total, n);
  const sample: unknown[] = [];
  for (const o of outputs) sampleOf(o.keys, stride, sort, sample);
  return boundsOfSample(sample, n);
}

/**
 * The partition of a key: the number of (ascending) bounds ordered before it,
 * Python's `bisect_left`; for a descending sort the mirror image, `n - 1 -`
 * that, as PySpark's rangePartitioner. Plain comparisons for numbers.
 */
export function rangeRouter(bounds: readonly unknown[], sort: SortSpec): (key: unknown) => number {
  const { ascending, keyfunc } = sort;
  const last = bounds.length;
  const byCompare = (key: unknown): number => {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(bounds[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return ascending ? lo : last - lo;
  };
  if (!bounds.every((b) => typeof b === 'number' && !Number.isNaN(b))) return (k) => byCompare(keyfunc(k));
  const nb = Float64Array.from(bounds as number[]);
  return (k) => {
    const key = keyfunc(k);
    if (typeof key !== 'number' || Number.isNaN(key)) return byCompare(key);
    let lo = 0;
    let hi = nb.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((nb[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return ascending ? lo : last - lo;
  };
}

/**
 * A map output grouped by reduce partition without copying it: `order` lists
 * the record indices of partition 0, then 1 ... (a counting sort by
 * partition, stable), partition b's being `order[starts[b]..starts[b+1])`.
 */
interface Routed extends Columns {
  order: Uint32Array;
  starts: Uint32Array;
}

/** The map side, routed: every map output with its records grouped by reduce partition. */
async function mapSide(node: PlanNode, n: number, job: TaskContext): Promise<Routed[]> {
  const sort = sortSpecOf(node);
  const outputs = await mapOutputs(node, job);
  const route = rangeRouter(rangeBounds(outputs, n, sort), sort);
  return outputs.map((o, m) => {
    const size = o.keys.length;
    // Two arrays of a record index each.
    job.watch(node.op, node.id, m, 'routing its map output')(6 * size);
    const target = n <= 0x10000 ? new Uint16Array(size) : new Uint32Array(size);
    const starts = new Uint32Array(n + 1);
    try {
      for (let i = 0; i < size; i++) {
        const b = route(o.keys[i]);
        target[i] = b;
        (starts[b + 1] as number)++;
      }
    } catch (e) {
      throw taskFailure(node.op, node.id, m, e);
    }
    for (let b = 0; b < n; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
    const next = starts.slice(0, n);
    const order = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      const b = target[i] as number;
      order[next[b] as number] = i;
      next[b] = (next[b] as number) + 1;
    }
    return { ...o, order, starts };
  });
}

const memoKeys = new WeakMap<PlanNode, object>();

/** One reduce partition of a sort: its records from every map output, in map order, sorted. */
export async function sortedPartition(
  node: PlanNode,
  partition: number,
  job: TaskContext,
): Promise<unknown[]> {
  if (job.shuffleRead !== undefined) return sortedFromTransport(node, partition, job);
  const n = await job.numPartitions(node);
  let key = memoKeys.get(node);
  if (key === undefined) memoKeys.set(node, (key = {}));
  const outputs = await job.memo(key, () => mapSide(node, n, job));
  let total = 0;
  for (const o of outputs) total += (o.starts[partition + 1] as number) - (o.starts[partition] as number);
  // The columns gathered here, then the sort's own arrays (a key pattern and an index per record, and the output).
  const watch = job.watch(node.op, node.id, partition, 'sorting it');
  watch(16 * total);
  const keys: unknown[] = new Array(total);
  // When every map output's keys are its values, so are the partition's: one column to gather.
  const shared = outputs.every((o) => o.values === o.keys);
  const values: unknown[] = shared ? keys : new Array(total);
  let j = 0;
  for (const o of outputs) {
    const end = o.starts[partition + 1] as number;
    for (let i = o.starts[partition] as number; i < end; i++, j++) {
      const r = o.order[i] as number;
      keys[j] = o.keys[r];
      if (!shared) values[j] = o.values[r];
    }
  }
  watch(24 * total);
  return finish(node, partition, keys, values);
}

/** The reduce partition's records sorted by the operator's `finish`. */
function finish(node: PlanNode, partition: number, keys: unknown[], values: unknown[]): unknown[] {
  taskCode.depth++;
  try {
    return sortSpecOf(node).finish(keys, values);
  } catch (e) {
    throw taskFailure(node.op, node.id, partition, e);
  } finally {
    taskCode.depth--;
  }
}

/**
 * Outside the driver (a Spark executor's reduce task): the `[key, value]`
 * pairs the map tasks routed here come from the shuffle's transport, in map
 * order. For sortBy, a partition whose every key is its element is sorted
 * as one column, as local mode does when every key is.
 */
async function sortedFromTransport(node: PlanNode, partition: number, job: TaskContext): Promise<unknown[]> {
  const pairs = await (job.shuffleRead as NonNullable<TaskContext['shuffleRead']>)(node, 0, partition);
  const total = pairs.length;
  job.watch(node.op, node.id, partition, 'sorting it')(40 * total);
  const keys: unknown[] = new Array(total);
  let values: unknown[] | undefined = sortSpecOf(node).keyOfElement === undefined ? undefined : keys;
  for (let i = 0; i < total; i++) {
    const kv = pairs[i] as [unknown, unknown];
    keys[i] = kv[0];
    if (values === keys) {
      if (Object.is(kv[0], kv[1])) continue;
      values = keys.slice(0, i);
    }
    if (values === undefined) values = new Array(total);
    values[i] = kv[1];
  }
  return finish(node, partition, keys, values ?? keys);
}

/**
 * Outside the driver (a Spark executor): a sort's map task given the bounds
 * the driver cut from the samples — its parent's partition as keys and
 * values (exactly as a local map task), routed by binary search over the
 * bounds into `[key, value]` pairs per reduce partition, in order.
 */
export async function rangeMapTask(
  node: PlanNode,
  mapPartition: number,
  bounds: readonly unknown[],
  job: TaskContext,
): Promise<MapOutput> {
  const { keys, values } = await mapTask(node, node.parents[0] as PlanNode, mapPartition, job);
  const route = rangeRouter(bounds, sortSpecOf(node));
  const byPartition = new Map<number, [unknown, unknown][]>();
  try {
    for (let i = 0; i < keys.length; i++) {
      const b = route(keys[i]);
      let bucket = byPartition.get(b);
      if (bucket === undefined) byPartition.set(b, (bucket = []));
      bucket.push([keys[i], values[i]]);
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, mapPartition, e);
  }
  return { partitions: [...byPartition.keys()], buckets: [...byPartition.values()] };
}

/**
 * Outside the driver (a Spark executor): a sort's sampling task, the sort
 * keys local mode samples from map partition `mapPartition` (every
 * `stride`-th, from the first); the driver cuts the bounds from all of them.
 */
export async function rangeSampleTask(
  node: PlanNode,
  mapPartition: number,
  stride: number,
  job: TaskContext,
): Promise<unknown[]> {
  const sort = sortSpecOf(node);
  const { keys } = await mapTask(node, node.parents[0] as PlanNode, mapPartition, job);
  try {
    return sampleOf(keys, stride, sort);
  } catch (e) {
    throw taskFailure(node.op, node.id, mapPartition, e);
  }
}
