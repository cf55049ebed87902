/**
 * Glue between batches and what user code sees: a partition handed to
 * `mapPartitions` is an `AsyncIterable<T>` of elements; what it returns (an
 * array, an Iterable, an AsyncIterable or a Promise of an array) is turned
 * back into batches.
 */
import { BATCH_SIZE } from './types.js';

/** Yields an array in batches of at most BATCH_SIZE, without copying a short array. */
export function* chunks<T>(array: readonly T[]): Generator<T[]> {
  if (array.length === 0) return;
  if (array.length <= BATCH_SIZE) {
    yield array as T[];
    return;
  }
  for (let i = 0; i < array.length; i += BATCH_SIZE) yield array.slice(i, i + BATCH_SIZE);
}

/**
 * The elements of a stream of batches, with early-stop (`return()`) passed
 * to the source; once `signal` fires, the next read throws its reason.
 */
export function elements<T>(batches: AsyncIterable<T[]>, signal?: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const source = batches[Symbol.asyncIterator]();
      let batch: T[] = [];
      let i = 0;
      return {
        async next(): Promise<IteratorResult<T>> {
          signal?.throwIfAborted();
          while (i >= batch.length) {
            const r = await source.next();
            if (r.done) return { value: undefined, done: true };
            batch = r.value;
            i = 0;
          }
          return { value: batch[i++] as T, done: false };
        },
        async return(): Promise<IteratorResult<T>> {
          await source.return?.();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return (typeof x === 'object' && x !== null) || typeof x === 'string'
    ? Symbol.iterator in Object(x)
    : false;
}

/**
 * Turns what a partition function returned into batches; synchronous results
 * are batched without awaits per element. An AsyncIterable stops at the
 * element after `signal` fires (it awaits per element anyway).
 */
export async function* toBatches(
  result: unknown,
  what: string,
  signal?: AbortSignal,
): AsyncGenerator<unknown[]> {
  const value = result instanceof Promise ? await result : result;
  if (Array.isArray(value)) {
    yield* chunks(value);
    return;
  }
  if (isAsyncIterable(value)) {
    let batch: unknown[] = [];
    for await (const x of value) {
      signal?.throwIfAborted();
      batch.push(x);
      if (batch.length >= BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  if (isIterable(value)) {
    let batch: unknown[] = [];
    for (const x of value) {
      batch.push(x);
      if (batch.length >= BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  if (value === undefined || value === null) return;
  throw new TypeError(`${what} must return an array, an Iterable or an AsyncIterable, got ${typeof value}`);
}
