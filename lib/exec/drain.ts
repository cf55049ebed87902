/**
 * Draining a partition into an action's sink or a shuffle's combine target.
 * When the partition ends in a run of kernels, they are compiled with the
 * sink as their last step, so the final batch is never materialised (the
 * fast path of sum, count, collect, foreach, reduce, and of reduceByKey's
 * map side); an in-memory source is read in place.
 */
import { opOf } from '../ops/registry.js';
import { BATCH_SIZE } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { TURN_EVERY, turn } from '../util/turn.js';
import { abortError } from './failures.js';
import type { CombineTarget } from './fuse.js';
import { asTaskCode } from './nesting.js';
import { openPartition, sharesItsData } from './open.js';
import {
  combineStep,
  fusibleChain,
  type KernelSegment,
  kernelFailure,
  pipeline,
  type Segment,
  segmentsOf,
  sinkStep,
} from './pipeline.js';
import type { TaskContext, Watch } from './task.js';

/**
 * Feeds every element of one partition to `sink`, or folds it into `combine`
 * when given (`sink` then being that same fold as a function); `watch` (the
 * memory budget's check) runs after each batch.
 */
export async function drainPartition(
  node: PlanNode,
  partition: number,
  job: TaskContext,
  sink: (x: unknown) => void,
  combine?: CombineTarget,
  watch?: Watch,
): Promise<void> {
  if (node.kind === 'kernel' && !job.readElsewhere(node)) {
    const { feed, chain } = fusibleChain(node, job);
    const segments = segmentsOf(chain);
    const last = segments.pop() as Segment as KernelSegment;
    const def = feed.kind === 'source' ? opOf(feed) : undefined;
    const ranges =
      segments.length === 0 && def?.kind === 'source' && def.ranges !== undefined && !job.readElsewhere(feed)
        ? def.ranges.bind(def)
        : undefined;
    // Shared data read in place: the loop copies each object it reads (the task's own, see openPartition).
    const own = ranges !== undefined && sharesItsData(feed);
    const run: (batch: readonly unknown[], from?: number, to?: number) => void =
      combine === undefined ? bindStep(sinkStep(last, own), sink) : bindStep(combineStep(last, own), combine);
    if (ranges !== undefined) {
      // In-memory source: run the loop over its arrays in place.
      let k = 0;
      for (const [array, from, to] of ranges(feed.args, partition)) {
        if (job.signal.aborted) throw abortError(job.signal);
        try {
          if (watch === undefined) asTaskCode(() => run(array, from, to));
          else
            for (let at = from; at < to; at += BATCH_SIZE) {
              asTaskCode(() => run(array, at, Math.min(at + BATCH_SIZE, to)));
              watch();
            }
        } catch (e) {
          throw kernelFailure(last, partition, e);
        }
        if (++k % TURN_EVERY === 0) await turn();
      }
      return;
    }
    const input =
      segments.length === 0
        ? openPartition(feed, partition, job)
        : pipeline(openPartition(feed, partition, job), segments, partition, job);
    await drainInTurns(job, input, (batch) => {
      try {
        asTaskCode(() => run(batch));
      } catch (e) {
        throw kernelFailure(last, partition, e);
      }
      watch?.();
    });
    return;
  }
  await drainInTurns(job, openPartition(node, partition, job), (batch) => {
    asTaskCode(() => {
      for (let i = 0; i < batch.length; i++) sink(batch[i]);
    });
    watch?.();
  });
}

/**
 * `for await (const batch of input) work(batch)`, with the job's CPU turn
 * taken for each batch (see turns.ts): a task whose batches are ready works
 * through them without the job's other tasks cutting in at every batch.
 */
async function drainInTurns(
  job: TaskContext,
  input: AsyncIterable<unknown[]>,
  work: (batch: unknown[]) => void,
): Promise<void> {
  const me = {};
  const it = input[Symbol.asyncIterator]();
  // As for await: the iterator is closed when the loop exits early, not when it ended or threw itself.
  let closed = false;
  try {
    for (;;) {
      job.turns.waitingFor(me);
      let r: IteratorResult<unknown[]>;
      try {
        r = await it.next();
      } catch (e) {
        closed = true;
        throw e;
      }
      if (r.done === true) {
        closed = true;
        return;
      }
      if (job.signal.aborted) throw abortError(job.signal);
      const wait = job.turns.take(me);
      if (wait !== undefined) {
        await wait;
        if (job.signal.aborted) throw abortError(job.signal);
      }
      work(r.value);
    }
  } finally {
    job.turns.release(me);
    if (!closed) await it.return?.();
  }
}

/** A compiled step with its second argument (sink or combine target) fixed. */
function bindStep<T>(
  step: (batch: readonly unknown[], to: T, from?: number, end?: number) => void,
  target: T,
): (batch: readonly unknown[], from?: number, to?: number) => void {
  return (batch, from, to) => step(batch, target, from, to);
}
