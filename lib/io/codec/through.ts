/** Plumbing shared by the codecs: run a byte stream through a Node stream or a child process. */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputGuard } from '../util.js';

/**
 * Feeds `input` into `sink` and yields what `source` produces (for a zlib
 * transform both are the same stream; for a child process they are its stdin
 * and stdout), with backpressure on both sides.
 *
 * Errors: an error of `input` itself is rethrown as is (an IOError of the
 * file, an abort); otherwise the error of `source`. An error that only hit the
 * writing side (EPIPE when a child process quit) is left for the caller to
 * judge (by the exit status).
 *
 * On every exit (end, error, or the consumer stopping early) both streams are
 * destroyed and `input`'s own cleanup (`finally`) has run before this
 * generator returns.
 */
export async function* through(
  input: AsyncIterable<Uint8Array>,
  sink: Writable,
  source: Readable,
): AsyncGenerator<Uint8Array> {
  const guard = new InputGuard(input);
  const feeder = Readable.from(guard, { objectMode: false, highWaterMark: 1 });
  const feeding = pipeline(feeder, sink).catch(() => undefined);
  try {
    for await (const chunk of source) yield chunk as Uint8Array;
    await feeding;
    if (guard.failed) throw guard.error;
  } catch (e) {
    if (guard.failed) throw guard.error;
    throw e;
  } finally {
    feeder.destroy();
    sink.destroy();
    source.destroy();
    await feeding;
    if (!feeder.closed) await new Promise((resolve) => feeder.once('close', resolve));
  }
}

/**
 * Runs `body` over `input` unless `input` has no bytes at all (a zero-byte
 * file is empty whatever its suffix: no process is spawned, no decoder
 * complains of a missing header). Owns `input`: closes it on every exit.
 * An error of `input` itself comes out unchanged, even if `body` wrapped it.
 */
export async function* unlessEmpty<T>(
  input: AsyncIterable<Uint8Array>,
  body: (input: AsyncIterable<Uint8Array>) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const it = input[Symbol.asyncIterator]();
  try {
    let first: Uint8Array | undefined;
    while (first === undefined) {
      const r = await it.next();
      if (r.done) return;
      if (r.value.length > 0) first = r.value;
    }
    let replayed = false;
    let inputFailed = false;
    let inputError: unknown;
    const rest: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          if (!replayed) {
            replayed = true;
            return { done: false, value: first };
          }
          try {
            return await it.next();
          } catch (e) {
            inputFailed = true;
            inputError = e;
            throw e;
          }
        },
      }),
    };
    try {
      yield* body(rest);
    } catch (e) {
      // The input's own error (a dropped connection, an abort) is not the codec's: pass it on unchanged.
      throw inputFailed ? inputError : e;
    }
  } finally {
    await it.return?.();
  }
}
