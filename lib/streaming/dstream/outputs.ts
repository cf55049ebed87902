/**
 * The output operations of `DStream`: `foreachRDD`, `pprint`,
 * `saveAsTextFiles`. They register with the StreamingContext and run once per
 * batch, in registration order, each awaited before the next.
 */
import { inspect } from 'node:util';
import * as args from '../../args.js';
import { ArgumentError, PathExistsError } from '../../errors.js';
import type { RDD } from '../../rdd.js';
import type { DStream } from '../dstream.js';
import { pythonDateTime } from '../duration.js';
import { DStreamState } from './state.js';
import type { RDDFunction } from './transforms.js';

/** What an output operation does with one batch's RDD. */
export interface OutputOperation {
  /** The operation's name in errors: `foreachRDD`, `pprint`, `saveAsTextFiles`. */
  readonly name: string;
  readonly stream: DStream<unknown>;
  run(time: number, rdd: RDD<unknown>, signal: AbortSignal): unknown;
}

/** The output directory of one batch: `prefix-<time>[.suffix]` (PySpark's `rddToFileName`). */
export function batchPath(prefix: string, suffix: string | undefined, time: number): string {
  return suffix === undefined || suffix === '' ? `${prefix}-${time}` : `${prefix}-${time}.${suffix}`;
}

/**
 * The lines `pprint` prints for a batch: `taken` holds up to `num + 1` elements.
 * @example
 * pprintLines(new Date(2024, 0, 1, 0, 0, 2).getTime(), ['a', [1, 2]], 1);
 * // => ['-------------------------------------------', 'Time: 2024-01-01 00:00:02', '-------------------------------------------', 'a', '...', '']
 */
export function pprintLines(time: number, taken: readonly unknown[], num: number): string[] {
  const dashes = '-'.repeat(43);
  const lines = [dashes, `Time: ${pythonDateTime(new Date(time))}`, dashes];
  for (const x of taken.slice(0, num)) lines.push(printable(x));
  if (taken.length > num) lines.push('...');
  lines.push('');
  return lines;
}

function printable(x: unknown): string {
  return (typeof x === 'object' && x !== null) || typeof x === 'function' ? inspect(x) : String(x);
}

export class DStreamOutputs<T> extends DStreamState<T> {
  /** @internal Registers an output operation of this stream with the context. */
  protected _output(name: string, run: (time: number, rdd: RDD<T>, signal: AbortSignal) => unknown): void {
    this._ssc._addOutput({
      name,
      stream: this as unknown as DStream<unknown>,
      run: run as (time: number, rdd: RDD<unknown>, signal: AbortSignal) => unknown,
    });
  }

  /**
   * Runs `f(rdd)`, or `f(time, rdd)` when `f` declares two parameters, for
   * every batch, on the main thread, one batch after another; a Promise it
   * returns is awaited before the next output operation or batch. If it
   * throws or rejects, the context stops and `awaitTermination` rejects with
   * a `TaskError` naming `foreachRDD` and the batch time.
   */
  foreachRDD(f: (rdd: RDD<T>) => unknown): void;
  foreachRDD(f: (time: Date, rdd: RDD<T>) => unknown): void;
  foreachRDD(f: RDDFunction<T, unknown>): void {
    args.func('func', f);
    const two = f.length >= 2;
    this._output('foreachRDD', (time, rdd) =>
      two
        ? (f as (time: Date, rdd: RDD<T>) => unknown)(new Date(time), rdd)
        : (f as (rdd: RDD<T>) => unknown)(rdd),
    );
  }

  /**
   * Prints the first `num` elements of every batch as PySpark does: a line
   * of 43 dashes, `Time: <batch time>` (local time, as Python prints a
   * `datetime`), 43 dashes, one line per element (`String(x)` for
   * primitives, `util.inspect` otherwise), `...` when there are more, and an
   * empty line.
   */
  pprint(num = 10): void {
    const n = args.nonNegativeInt('num', num);
    this._output('pprint', async (time, rdd, signal) => {
      const taken = await rdd.take(n + 1, { signal });
      for (const line of pprintLines(time, taken, n)) console.log(line);
    });
  }

  /**
   * Saves every batch with `saveAsTextFile` under `prefix-<batch time in
   * epoch ms>[.suffix]`, one atomic directory per batch, empty batches
   * included. As in PySpark, a directory that exists already (a batch run
   * again after recovery) is left as it is.
   */
  saveAsTextFiles(prefix: string, suffix?: string): void {
    if (typeof prefix !== 'string' || prefix === '')
      throw new ArgumentError(`prefix must be a non-empty string, got ${String(prefix)}`);
    if (suffix !== undefined && suffix !== null && typeof suffix !== 'string')
      throw new ArgumentError(`suffix must be a string, got ${String(suffix)}`);
    this._output('saveAsTextFiles', async (time, rdd, signal) => {
      try {
        await rdd.saveAsTextFile(batchPath(prefix, suffix ?? undefined, time), undefined, { signal });
      } catch (e) {
        if (!(e instanceof PathExistsError)) throw e;
      }
    });
  }
}
