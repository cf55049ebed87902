/**
 * The in-memory shuffle. The map side runs each parent partition's fused
 * pipeline once per job, turns records into `[key, value]` pairs, combines
 * them per distinct key when the operator allows it (so memory grows with
 * distinct keys, not records), and routes them into buckets by the
 * partitioner. A reduce task reads its bucket from every map output, in map
 * order, merges combiners and finishes with the operator's `reduce`. A parent
 * already partitioned by the same partitioner is read narrowly, with no map
 * side. Map outputs live in the job's memo and are released when the action ends.
 */
import { InternalError, TaskError } from '../errors.js';
import { readsNarrowly } from '../plan/explain.js';
import type { PlanNode, ShuffleNode, ShuffleSpec } from '../plan/nodes.js';
import { compare } from '../values/compare.js';
import { partitionOf } from '../values/hash.js';
import { keyOf } from '../values/key.js';
import { openPartition } from './compute.js';
import { abortError, taskFailure } from './failures.js';
import { chunks } from './iter.js';
import { type Job, runBounded } from './job.js';

type Pair = [unknown, unknown];
/** buckets[b] = the pairs routed to reduce partition b by one map task. */
type MapOutput = Pair[][];

/** Turns a batch of a parent's elements into pairs; checks the shape when the operator takes pairs as they are. */
function preparer(
  spec: ShuffleSpec,
  parentIndex: number,
  mapPartition: number,
  label: string,
): (batch: readonly unknown[], out: Pair[]) => void {
  if (spec.prepare !== undefined) return spec.prepare(parentIndex, mapPartition);
  return (batch, out) => {
    for (let i = 0; i < batch.length; i++) {
      const kv = batch[i];
      if (!Array.isArray(kv) || kv.length !== 2)
        throw new TypeError(`${label} expects [key, value] pairs, got ${describe(kv)}`);
      out.push(kv as Pair);
    }
  };
}

function describe(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Reads one partition of `parent` as pairs (and combined by key when the shuffle combines map-side). */
async function readPairs(
  node: ShuffleNode,
  parentIndex: number,
  parent: PlanNode,
  partition: number,
  job: Job,
): Promise<Pair[]> {
  const combine = node.spec.combine;
  const pairs: Pair[] = [];
  const combined = combine?.mapSide ? new Map<unknown, Pair>() : undefined;
  try {
    const prepare = preparer(node.spec, parentIndex, partition, node.label);
    for await (const batch of openPartition(parent, partition, job)) {
      if (job.signal.aborted) throw abortError(job.signal);
      const start = pairs.length;
      prepare(batch, pairs);
      if (combined !== undefined && combine !== undefined) {
        for (let i = start; i < pairs.length; i++) {
          const [k, v] = pairs[i] as Pair;
          const id = keyOf(k);
          const entry = combined.get(id);
          if (entry === undefined) combined.set(id, [k, combine.create(v)]);
          else entry[1] = combine.merge(entry[1], v);
        }
        pairs.length = start;
      }
    }
  } catch (e) {
    throw taskFailure(node.label, node.id, partition, e);
  }
  return combined === undefined ? pairs : [...combined.values()];
}

/** Key to partition by a user's partition function: its integer result modulo `n`, Python's way (never negative). */
export function customRouter(fn: (key: unknown) => number, n: number): (key: unknown) => number {
  return (k) => {
    const h = fn(k);
    if (typeof h !== 'number' || !Number.isInteger(h))
      throw new TypeError(
        `partition function returned ${describe(h)} for key ${describe(k)}, not an integer`,
      );
    return ((h % n) + n) % n;
  };
}

/** The function from key to reduce partition, for a shuffle with `n` output partitions. */
async function router(node: ShuffleNode, n: number, job: Job): Promise<(key: unknown) => number> {
  const p = node.route;
  if (p.kind === 'hash') return (k) => partitionOf(k, n);
  if (p.kind === 'custom') return customRouter(p.fn, n);
  const sort = node.spec.sort;
  if (sort === undefined) throw new InternalError(`${node.label}: a range partitioner needs a sort order`);
  const bounds = await job.memo(p, () => rangeBounds(node, n, job));
  const cmp = (a: unknown, b: unknown) => (sort.ascending ? compare(a, b) : compare(b, a));
  return (k) => {
    const key = sort.keyfunc(k);
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(bounds[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Sampled bounds of a range partitioner (PySpark's sortByKey): about 20 keys
 * per output partition sampled from the parent, sorted, cut at even ranks.
 * Uses the map outputs' pairs directly, so the parent is computed once.
 */
async function rangeBounds(node: ShuffleNode, n: number, job: Job): Promise<unknown[]> {
  const sort = node.spec.sort;
  if (sort === undefined || n <= 1) return [];
  const outputs = await job.memo(mapKey(node, 0, 'pairs'), () => mapPairs(node, 0, job));
  let total = 0;
  for (const o of outputs) total += o.length;
  if (total === 0) return [];
  const stride = Math.max(1, Math.floor(total / (n * 20)));
  const sample: unknown[] = [];
  for (const o of outputs)
    for (let i = 0; i < o.length; i += stride) sample.push(sort.keyfunc((o[i] as Pair)[0]));
  const cmp = (a: unknown, b: unknown) => (sort.ascending ? compare(a, b) : compare(b, a));
  sample.sort(cmp);
  const bounds: unknown[] = [];
  for (let i = 0; i < n - 1; i++) {
    const b = sample[Math.floor((sample.length * (i + 1)) / n)];
    if (bounds.length === 0 || cmp(bounds[bounds.length - 1], b) < 0) bounds.push(b);
  }
  return bounds;
}

const mapKeys = new WeakMap<ShuffleNode, Map<string, object>>();
/** A stable memo key per (shuffle, parent or reduce partition, what). */
function mapKey(node: ShuffleNode, index: number, what: string): object {
  let m = mapKeys.get(node);
  if (m === undefined) mapKeys.set(node, (m = new Map()));
  const name = `${index}:${what}`;
  let k = m.get(name);
  if (k === undefined) m.set(name, (k = {}));
  return k;
}

/** The map side's pairs of every partition of one parent, before routing. */
async function mapPairs(node: ShuffleNode, parentIndex: number, job: Job): Promise<Pair[][]> {
  const parent = node.parents[parentIndex] as PlanNode;
  const m = await job.numPartitions(parent);
  return runBounded(job, m, job.runtime.concurrency, (p) => readPairs(node, parentIndex, parent, p, job));
}

/** The map side of one parent: every map task's pairs routed into `n` buckets. */
async function mapSide(node: ShuffleNode, parentIndex: number, n: number, job: Job): Promise<MapOutput[]> {
  const outputs = await job.memo(mapKey(node, parentIndex, 'pairs'), () => mapPairs(node, parentIndex, job));
  const route = await router(node, n, job);
  return outputs.map((pairs, m) => {
    const buckets: MapOutput = Array.from({ length: n }, () => []);
    try {
      for (let i = 0; i < pairs.length; i++) {
        const kv = pairs[i] as Pair;
        (buckets[route(kv[0])] as Pair[]).push(kv);
      }
    } catch (e) {
      throw taskFailure(node.label, node.id, m, e);
    }
    outputs[m] = [];
    return buckets;
  });
}

/** Merges the bucket's pairs by key with the operator's combiner functions, in first-seen order. */
function combineBucket(spec: ShuffleSpec, pairs: readonly Pair[], combined: boolean): Pair[] {
  const combine = spec.combine;
  if (combine === undefined) return pairs as Pair[];
  const byKey = new Map<unknown, Pair>();
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i] as Pair;
    const id = keyOf(k);
    const entry = byKey.get(id);
    if (entry === undefined) byKey.set(id, [k, combined ? v : combine.create(v)]);
    else entry[1] = combined ? combine.mergeCombiners(entry[1], v) : combine.merge(entry[1], v);
  }
  return [...byKey.values()];
}

/**
 * One reduce partition of a shuffle, computed once per job: a job may read it
 * twice (a self-join or self-union, `zip` with a derived RDD, `zipWithIndex`'s
 * counting pass), and merging combiners may mutate the map outputs' combiners
 * (`groupByKey`, an `aggregateByKey` that pushes), so reducing them again
 * would merge values twice. Each bucket is released once its partition is
 * computed.
 */
export async function* computeShuffle(
  node: ShuffleNode,
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  yield* await job.memo(mapKey(node, partition, 'output'), () => reducePartition(node, partition, job));
}

async function reducePartition(node: ShuffleNode, partition: number, job: Job): Promise<unknown[][]> {
  const n = await job.numPartitions(node);
  const records: Pair[][] = [];
  for (let p = 0; p < node.parents.length; p++) {
    const parent = node.parents[p] as PlanNode;
    if (readsNarrowly(node, parent)) {
      const pairs = await readPairs(node, p, parent, partition, job);
      records.push(pairs);
      continue;
    }
    const outputs = await job.memo(mapKey(node, p, 'buckets'), () => mapSide(node, p, n, job));
    const bucket: Pair[] = [];
    for (const o of outputs) {
      const b = o[partition] as Pair[];
      for (let i = 0; i < b.length; i++) bucket.push(b[i] as Pair);
      o[partition] = [];
    }
    records.push(bucket);
  }
  let output: Iterable<unknown[]> | AsyncIterable<unknown[]>;
  try {
    const mapCombined = node.spec.combine?.mapSide === true;
    const input =
      node.spec.combine === undefined
        ? records
        : records.map((r) => combineBucket(node.spec, r, mapCombined));
    output = node.spec.reduce({ records: input }, partition);
  } catch (e) {
    throw e instanceof TaskError ? e : taskFailure(node.label, node.id, partition, e);
  }
  const batches: unknown[][] = [];
  try {
    for await (const batch of output) for (const b of chunks(batch)) batches.push(b);
  } catch (e) {
    throw taskFailure(node.label, node.id, partition, e);
  }
  return batches;
}
