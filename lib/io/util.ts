/** Small helpers shared by the I/O modules. */
import { setTimeout as sleep } from 'node:timers/promises';
import { IOError, SparklingError } from '../errors.js';
import { DEFAULT_IO_RETRIES, type IoOptions } from './options.js';

/** Counters for tests and diagnostics: files opened/closed by the local filesystem, bytes it read. */
export const ioCounters = { opened: 0, closed: 0, bytesRead: 0 };

/** The message of an unknown thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

/** The `code` property of a Node system error, if any. */
export function codeOf(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/**
 * For `catch` blocks that wrap foreign errors: rethrows the abort reason when
 * `signal` fired, and sparkling's own errors unchanged; returns otherwise.
 */
export function rethrowKnown(e: unknown, signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason;
  if (e instanceof SparklingError || isAbortError(e)) throw e;
}

/** Maps `items` through `fn` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Joins chunks into one new, exactly-sized Uint8Array (not a Buffer, not a view into a pool). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  const size = total ?? chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** A signal that fires when any of `signals` does (undefined entries ignored). */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}

/**
 * Wraps an input so a consumer can tell the input's own errors (user code,
 * a failing source) from errors of what it feeds (a socket, a process): the
 * former are passed on unchanged.
 */
export class InputGuard<T> implements AsyncIterable<T> {
  failed = false;
  error: unknown;

  /** With `signal`: the input ends with its reason when it fires, even while a read of it is pending. */
  constructor(
    private readonly input: AsyncIterable<T>,
    private readonly signal?: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      yield* this.signal === undefined ? this.input : abortable(this.input, this.signal);
    } catch (e) {
      // Ended by the signal: not the input's own failure.
      if (this.signal?.aborted !== true) {
        this.failed = true;
        this.error = e;
      }
      throw e;
    }
  }
}

/**
 * `input`, ending with `signal`'s reason as soon as it fires, even while a
 * read is pending (a source stuck on a promise that never settles is
 * abandoned: told to return, not waited for).
 */
export async function* abortable<T>(input: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = input[Symbol.asyncIterator]();
  // A listener per read, removed when the read settles: a promise raced against one long-lived
  // "aborted" promise would keep every chunk alive through the reactions piling up on it.
  const next = () =>
    new Promise<IteratorResult<T>>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      it.next().then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  let finished = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const r = await next();
      if (r.done === true) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) it.return?.()?.catch(() => undefined);
  }
}

/**
 * Sends a request again after a transient IOError (a 5xx answer, a dropped
 * or stalled connection), up to `ioRetries` more times, pausing
 * `retryWaitMs` before each: for requests that are not part of a task,
 * which the scheduler would run again (listings, a file's size).
 */
export async function withIoRetries<T>(
  opts: IoOptions,
  request: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const retries = opts.ioRetries ?? DEFAULT_IO_RETRIES;
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      if (!(e instanceof IOError && e.transient) || attempt >= retries || signal?.aborted === true) throw e;
      if ((opts.retryWaitMs ?? 0) > 0) await sleep(opts.retryWaitMs, undefined, { signal });
    }
  }
}
