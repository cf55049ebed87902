/** How failures inside a job are reported. */
import { SparklingError, TaskError } from '../errors.js';
import { AttemptsFailed } from '../ops/map-async.js';
import { describe, notPairError } from '../ops/pairs.js';
import { BadResult, isThenable } from '../ops/results.js';

export { BadResult, isThenable };

/** Why jobs were cancelled (the callers' AbortSignal reasons): passed through as they are, never wrapped. */
const cancellations = new WeakSet<object>();

export function markCancellation(reason: unknown): void {
  if (typeof reason === 'object' && reason !== null) cancellations.add(reason);
}

/** Wraps a user function's failure as a TaskError naming the operator, RDD id and partition. */
export function taskFailure(operator: string, rddId: number, partition: number, error: unknown): unknown {
  if (isA(error, AttemptsFailed))
    return new TaskError(operator, rddId, partition, error.error, error.attempts);
  if (isA(error, BadResult))
    return new TaskError(operator, rddId, partition, badResultError(operator, rddId, error));
  if (isSparklingError(error)) return error;
  if (typeof error === 'object' && error !== null && cancellations.has(error)) return error;
  return new TaskError(operator, rddId, partition, error);
}

/** The error an aborted job's tasks stop with: the signal's reason, as `fetch` does (a DOMException for timeouts). */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new SparklingError('the job was cancelled');
}

/** `e instanceof SparklingError`, false for a value whose prototype cannot be read (a Proxy that throws). */
export function isSparklingError(e: unknown): e is SparklingError {
  return isA(e, SparklingError);
}

/** `e instanceof C`, false when asking throws (a thrown Proxy whose traps throw). */
function isA<C>(e: unknown, c: abstract new (...args: never[]) => C): e is C {
  try {
    return e instanceof c;
  } catch {
    return false;
  }
}

/** The TypeError for a BadResult of `operator`'s function. */
function badResultError(operator: string, rddId: number, bad: BadResult): TypeError {
  const op = `${operator}[${rddId}]`;
  const asyncHint = `${operator} calls its function synchronously and does not await it: for an async function, use rdd.mapAsync(f, { concurrency }) (or mapPartitions)`;
  switch (bad.problem) {
    case 'promise':
      return new TypeError(`${op}'s function returned a Promise: ${asyncHint}`);
    case 'iterable':
      return isThenable(bad.value)
        ? new TypeError(`${op}'s function returned a Promise, not an iterable: ${asyncHint}`)
        : new TypeError(`${op}'s function returned ${describe(bad.value)}, not an iterable`);
    case 'pair':
      return notPairError(bad.value, operator);
  }
}
