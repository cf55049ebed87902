/**
 * Cached partitions (`cache()`/`persist()`, and `localCheckpoint()`): a
 * partition is computed whole the first time any job touches it (as
 * Spark's block manager does), shared by concurrent jobs, and served from
 * memory after that. A failed computation is forgotten so a later job
 * retries. A job that was waiting for another job's computation, and sees it
 * fail because that other job was cancelled or failed elsewhere, computes the
 * partition itself instead of taking on the other job's error.
 */
import { InternalError } from '../errors.js';
import type { PlanNode } from '../plan/nodes.js';
import { ownBatch } from '../values/copy.js';
import type { CachedPartition } from './runtime.js';
import type { TaskContext, Watch } from './task.js';

export async function* openCached(
  node: PlanNode,
  partition: number,
  job: TaskContext,
  compute: (node: PlanNode, partition: number, job: TaskContext) => AsyncIterable<unknown[]>,
  own = true,
): AsyncGenerator<unknown[]> {
  const store = job.runtime.cacheOf(node.id);
  if (store === undefined) throw new InternalError(`RDD ${node.id} is not persisted`);
  for (;;) {
    let entry = store.get(partition);
    if (entry === undefined) {
      const computing = collectBatches(
        job.runtime.executor?.open(job, node, partition, true) ?? compute(node, partition, job),
        job.watch(node.op, node.id, partition, 'caching it'),
      );
      const started: CachedPartition = { batches: computing, signal: job.signal, done: false };
      entry = started;
      store.set(partition, started);
      computing.then(
        () => {
          started.done = true;
        },
        () => {
          if (store.get(partition) === started) store.delete(partition);
        },
      );
    }
    let batches: unknown[][];
    try {
      batches = await entry.batches;
    } catch (e) {
      if (entry.signal !== job.signal && entry.signal.aborted && !job.signal.aborted) continue;
      throw e;
    }
    // Each reader gets its own copies: user code never changes what the cache holds.
    if (own) for (const b of batches) yield ownBatch(b);
    else yield* batches;
    return;
  }
}

async function collectBatches(batches: AsyncIterable<unknown[]>, watch: Watch): Promise<unknown[][]> {
  const all: unknown[][] = [];
  for await (const b of batches) {
    all.push(b);
    watch();
  }
  return all;
}
