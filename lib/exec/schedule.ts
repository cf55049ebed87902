/**
 * Scheduling a job's tasks: bounded concurrency with early stop on the first
 * failure, and retries of a failed task from its source.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { IOError, TaskError } from '../errors.js';
import { abortError, isSparklingError } from './failures.js';
import type { RetryPolicy } from './runtime.js';

/** What scheduling needs of a job. */
export interface Schedulable {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  readonly runtime: { readonly retries: RetryPolicy; readonly concurrency: number };
}

/** Errors that another attempt cannot change: bad arguments, missing paths, corrupt input, bugs, cancellation. */
function retryable(e: unknown): boolean {
  if (!isSparklingError(e)) return true;
  return e instanceof IOError || e instanceof TaskError;
}

/**
 * Runs a task, and runs it again from its source after a failure while the
 * retry policy allows; the last failure is reported with its attempt count.
 */
export async function withRetries<R>(job: Schedulable, run: (attempt: number) => Promise<R>): Promise<R> {
  const policy = job.runtime.retries;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(attempt);
    } catch (e) {
      if (job.signal.aborted || !retryable(e)) throw e;
      const ours = isSparklingError(e);
      const transient = ours && e instanceof IOError && e.transient;
      const limit = transient ? Math.max(policy.maxRetries, policy.ioRetries) : policy.maxRetries;
      if (attempt >= limit) {
        if (attempt > 0 && ours && e instanceof TaskError)
          throw new TaskError(e.operator, e.rddId, e.partition, e.cause, attempt + 1);
        throw e;
      }
      if (policy.retryWaitMs > 0) await sleep(policy.retryWaitMs, undefined, { signal: job.signal });
    }
  }
}

/**
 * Runs `count` tasks with at most `width` at once; results in task order. The
 * first failure aborts `job` and stops new tasks; the returned promise
 * rejects with it once every running task has stopped (so sources are closed).
 */
export async function runBounded<R>(
  job: Schedulable,
  count: number,
  width: number,
  task: (index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(count);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next++;
      try {
        if (job.signal.aborted) throw abortError(job.signal);
        results[index] = await task(index);
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
          job.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, count)) }, worker));
  if (failed) throw failure;
  return results;
}
