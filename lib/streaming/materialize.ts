/**
 * Cutting lineage. A stateful stream's RDD of each batch is computed from its
 * RDD of the batch before (`updateStateByKey`, `reduceByKeyAndWindow` with an
 * inverse function), so left lazy its lineage would grow by a few nodes every
 * batch and every batch would recompute the whole history. Spark cuts it by
 * checkpointing those RDDs; sparkling computes each one once, keeps its
 * partitions in memory, and makes the next batch read them back through a
 * `parallelize` of the same partitioning: lineage stays a few nodes deep and
 * memory grows with the state, not with the number of batches.
 */
import type { Context } from '../context.js';
import type { RDD } from '../rdd.js';

const partitionsOf = new WeakMap<RDD<unknown>, readonly unknown[][]>();

/** An RDD reading back `parts` as its partitions. */
export function fromPartitions<T>(sc: Context, parts: readonly T[][]): RDD<T> {
  const rdd = parts.length === 0 ? sc.emptyRDD<T>() : sc.parallelize(parts, parts.length).flatMap(elementsOf);
  partitionsOf.set(rdd as RDD<unknown>, parts);
  return rdd;
}

/** Computes `rdd` once and returns an RDD over its kept partitions. */
export async function materialize<T>(rdd: RDD<T>, options?: { signal?: AbortSignal }): Promise<RDD<T>> {
  const parts = await rdd.glom().collect(options);
  return fromPartitions(rdd.context, parts);
}

/** The partitions of an RDD, from memory when `fromPartitions` made it. */
export async function partitionsOfRDD<T>(
  rdd: RDD<T>,
  options?: { signal?: AbortSignal },
): Promise<readonly T[][]> {
  const kept = partitionsOf.get(rdd as RDD<unknown>);
  return kept !== undefined ? (kept as readonly T[][]) : rdd.glom().collect(options);
}

// No captured variables: the stage can run on worker threads.
const elementsOf = <T>(part: T[]): T[] => part;
