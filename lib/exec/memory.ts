/**
 * The memory budget. The shuffle is in memory by design (no spill), so a
 * job can outgrow the heap; V8 then aborts the whole process (`FATAL ERROR:
 * Reached heap limit`), which no one can catch. Instead, everything that
 * buffers a job's data (shuffle map outputs and reduce partitions, sort
 * columns, `collect`/`take` results, caches, partitions handed to worker
 * threads) checks the heap once per batch: past the budget, the task fails
 * with a MemoryError, the job's buffers are released, and the process goes
 * on.
 *
 * A check reads V8's heap statistics (about 1 µs, once per batch of up to
 * 4,096 elements). The heap in use counts garbage too, so when it is over
 * the budget a full garbage collection says whether the live data really
 * is; after one that says it is not, the next is forced only once the heap
 * has grown by a quarter of the live data (at most half-way from the budget
 * to V8's own limit), so a job living just under the budget does not
 * collect at every batch.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, resourceLimits } from 'node:worker_threads';
import { ArgumentError, MemoryError } from '../errors.js';

const MiB = 2 ** 20;

/** The default budget's share of the old generation's limit. */
const DEFAULT_SHARE = 0.75;

/**
 * What V8 reserves for the young generation on the main thread (three
 * semi-spaces of 16 MiB in Node 20 on 64-bit): `heap_size_limit` counts it,
 * but long-lived data never goes there.
 */
const YOUNG_RESERVE = 48 * MiB;

/** V8's limit for long-lived data (the old generation) in this thread: `--max-old-space-size`, or a worker's own limit. */
export function oldGenerationLimit(): number {
  const worker = resourceLimits.maxOldGenerationSizeMb;
  if (worker !== undefined && worker > 0) return worker * MiB;
  const total = getHeapStatistics().heap_size_limit;
  return total > 2 * YOUNG_RESERVE ? total - YOUNG_RESERVE : total / 2;
}

/** A full garbage collection (V8's `gc`, exposed once, on first need). */
let collect: (() => void) | undefined;
function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

/** The heap budget of one Context (in a worker thread, of its twin there). */
export class MemoryBudget {
  /** Bytes of heap that buffered data may bring the heap to. */
  readonly limit: number;
  /** V8's limit for long-lived data. */
  private readonly hard: number;
  /** Below this, no collection is forced: the last one found the live data under the budget. */
  private floor = 0;

  /**
   * `limitMb`: the Context's `memoryLimitMb` (an ArgumentError above V8's
   * own limit, where it could never apply); default: 75% of V8's limit for
   * long-lived data. In a worker thread, whose heap is smaller, a budget
   * above its limit falls back to the default.
   */
  constructor(readonly limitMb?: number) {
    this.hard = oldGenerationLimit();
    const fallback = Math.floor(DEFAULT_SHARE * this.hard);
    if (limitMb === undefined) this.limit = fallback;
    else if (limitMb * MiB <= this.hard) this.limit = limitMb * MiB;
    else if (!isMainThread) this.limit = fallback;
    else
      throw new ArgumentError(
        `memoryLimitMb (${limitMb}) is above V8's heap limit for long-lived data (${Math.round(this.hard / MiB)} MiB): ` +
          'lower it, or start node with a larger --max-old-space-size',
      );
  }

  /**
   * Throws a MemoryError naming `operator[rddId]` and `partition` when the
   * heap is past the budget, counting `extra` bytes about to be allocated.
   * What the task was doing (`doing`) goes into the message.
   */
  check(operator: string, rddId: number, partition: number, doing: string, extra = 0): void {
    const used = getHeapStatistics().used_heap_size + extra;
    if (used <= this.limit || used <= this.floor) return;
    collectGarbage();
    const live = getHeapStatistics().used_heap_size + extra;
    if (live <= this.limit) {
      this.floor = Math.min(Math.max(this.limit, 1.25 * live), this.limit + (this.hard - this.limit) / 2);
      return;
    }
    throw new MemoryError(operator, rddId, partition, doing, this.limit, live);
  }
}
