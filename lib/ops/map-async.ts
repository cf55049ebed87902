/**
 * Per-partition body of `rdd.mapAsync`: an async function over each element,
 * awaited for up to `concurrency` elements of the partition at once, results
 * handed on in input order, in batches of what is ready. A failing element
 * is tried again on its own (not its whole partition) after `retryWaitMs`,
 * up to `retries` times. Input is read no further ahead than the results
 * waiting behind a slow element allow, so `take` reads little and memory
 * stays bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SparklingError } from '../errors.js';
import { BATCH_SIZE, type PartitionOp } from './types.js';

/** A user function that failed every attempt an operator gave it (mapAsync's retries): the last error, and how many. */
export class AttemptsFailed extends Error {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {
    super(`failed ${attempts} times`, { cause: error });
  }
}

/** The error a cancelled task stops with: the signal's reason, as the executor's own tasks stop. */
const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new SparklingError('the job was cancelled');

/** What `mapAsync` hands `f` besides the element: aborted when the task ends early (cancellation, failure, `take`). */
export interface MapAsyncContext {
  readonly signal: AbortSignal;
}

export interface MapAsyncOptions {
  /** Elements of one partition awaited at once (default 8). */
  readonly concurrency?: number;
  /** Further attempts for an element whose call threw or rejected (default 0). */
  readonly retries?: number;
  /** Pause before each further attempt, in milliseconds (default 0). */
  readonly retryWaitMs?: number;
}

export const MAP_ASYNC_DEFAULTS: Required<MapAsyncOptions> = { concurrency: 8, retries: 0, retryWaitMs: 0 };

/** Results waiting behind a slow element, per call in flight: how far input is read ahead. */
const AHEAD = 4;

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

interface Slot {
  outcome: Outcome | undefined;
}

/** One element's calls: the first, then one per retry, until one succeeds or the retries are spent. */
async function attempt(
  f: (x: unknown, context: MapAsyncContext) => unknown,
  x: unknown,
  options: Required<MapAsyncOptions>,
  signal: AbortSignal,
): Promise<Outcome> {
  for (let tries = 1; ; tries++) {
    try {
      return { ok: true, value: await f(x, { signal }) };
    } catch (error) {
      if (tries > options.retries || signal.aborted)
        return { ok: false, error: tries > 1 ? new AttemptsFailed(error, tries) : error };
    }
    if (options.retryWaitMs > 0)
      await sleep(options.retryWaitMs, undefined, { signal }).catch(() => undefined);
  }
}

export function mapAsyncPartition(
  f: (x: unknown, context: MapAsyncContext) => unknown,
  options: Required<MapAsyncOptions>,
): (input: AsyncIterable<unknown[]>, signal: AbortSignal) => AsyncGenerator<unknown[]> {
  return async function* (input, jobSignal) {
    // Aborted with the job, and when this partition's consumer stops early: calls in flight are told.
    const stop = new AbortController();
    const onAbort = () => stop.abort(jobSignal.reason);
    jobSignal.addEventListener('abort', onAbort, { once: true });
    const signal = stop.signal;
    const source = input[Symbol.asyncIterator]();
    const slots: Slot[] = [];
    let running = 0;
    let inputDone = false;
    let batch: unknown[] = [];
    let next = 0;
    let wake: (() => void) | undefined;
    const settled = () => {
      wake?.();
      wake = undefined;
    };
    signal.addEventListener('abort', settled, { once: true });
    const start = (x: unknown) => {
      const slot: Slot = { outcome: undefined };
      slots.push(slot);
      running++;
      void attempt(f, x, options, signal).then((outcome) => {
        slot.outcome = outcome;
        running--;
        settled();
      });
    };
    try {
      for (;;) {
        // Start calls while there is room and input; input is read batch by batch.
        while (!inputDone && running < options.concurrency && slots.length < AHEAD * options.concurrency) {
          if (next < batch.length) {
            start(batch[next++]);
            continue;
          }
          const r = await source.next();
          if (r.done === true) inputDone = true;
          else [batch, next] = [r.value, 0];
          if (jobSignal.aborted) throw abortError(jobSignal);
        }
        // Hand on what is ready, in order; a failed element fails the task at once.
        const out: unknown[] = [];
        while (out.length < BATCH_SIZE && slots.length > 0 && (slots[0] as Slot).outcome !== undefined) {
          const outcome = (slots.shift() as Slot).outcome as Outcome;
          if (!outcome.ok) throw outcome.error;
          out.push(outcome.value);
        }
        const failed = slots.find((s) => s.outcome?.ok === false);
        if (failed !== undefined) throw (failed.outcome as Outcome & { ok: false }).error;
        if (out.length > 0) {
          yield out;
          continue;
        }
        if (inputDone && slots.length === 0) return;
        if (jobSignal.aborted) throw abortError(jobSignal);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        if (jobSignal.aborted) throw abortError(jobSignal);
      }
    } finally {
      jobSignal.removeEventListener('abort', onAbort);
      // Calls still in flight are abandoned (their outcomes never reject) and told to stop.
      stop.abort(new Error('mapAsync: the task ended'));
      await source.return?.();
    }
  };
}

export interface MapAsyncArgs extends Required<MapAsyncOptions> {
  readonly f: (x: unknown, context: MapAsyncContext) => unknown;
}

/** `rdd.mapAsync(f, options)`: a whole-partition operator awaiting `f` per element (see above). */
export const mapAsync: PartitionOp<MapAsyncArgs> = {
  kind: 'partition',
  describe: (a) => [['concurrency', String(a.concurrency)]],
  keepsPartitioner: () => false,
  run: (a, input, _partition, env) => mapAsyncPartition(a.f, a)(input, env.signal),
};
