/** Helpers for streaming specs: a StreamingContext on a manual clock, stepped batch by batch. */
import type { ExecutionContext } from 'ava';
import { Context, type DStream, ManualClock, type RDD, StreamingContext } from '../../lib/index.js';

export interface Harness {
  readonly sc: Context;
  readonly clock: ManualClock;
  readonly ssc: StreamingContext;
  /** Batch interval in ms. */
  readonly batchMs: number;
  /** Moves the clock one batch forward (resolves when that batch has run). */
  step(): Promise<void>;
}

/**
 * A Context (`defaultParallelism`) and a StreamingContext of `batchDuration`
 * seconds on a ManualClock at `start` ms; both stopped when the test ends.
 */
export function harness(
  t: ExecutionContext,
  batchDuration = 0.5,
  defaultParallelism = 2,
  start = 0,
): Harness {
  const sc = new Context({ defaultParallelism });
  const clock = new ManualClock(start);
  const ssc = new StreamingContext(sc, batchDuration, { clock });
  t.teardown(async () => {
    await ssc.stop(true);
    sc.stop();
  });
  const batchMs = Math.round(batchDuration * 1000);
  return { sc, clock, ssc, batchMs, step: () => clock.advance(batchMs) };
}

/**
 * PySpark's `_collect`: runs the stream batch by batch and gathers each
 * batch's collected RDD, skipping empty ones, until `n` are gathered (or
 * `maxBatches` ran). Stops the StreamingContext (not the Context).
 */
export async function collectBatches<T>(
  h: Harness,
  stream: DStream<T>,
  n: number,
  maxBatches = n + 10,
): Promise<T[][]> {
  const out: T[][] = [];
  stream.foreachRDD(async (rdd: RDD<T>) => {
    if (out.length >= n) return;
    const r = await rdd.collect();
    if (r.length > 0) out.push(r);
  });
  await h.ssc.start();
  for (let i = 0; i < maxBatches && out.length < n; i++) await h.step();
  await h.ssc.stop(false);
  return out;
}

/** Every batch's collected RDD, empty ones included, for `batches` batches. */
export async function everyBatch<T>(h: Harness, stream: DStream<T>, batches: number): Promise<T[][]> {
  const out: T[][] = [];
  stream.foreachRDD(async (rdd: RDD<T>) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  for (let i = 0; i < batches; i++) await h.step();
  await h.ssc.stop(false);
  return out;
}

/** PySpark's `_test_func`: queue input (one RDD of one partition per batch) through `f`, first `expected.length` non-empty outputs. */
export async function runFunc<T, U>(
  h: Harness,
  input: readonly (readonly T[])[],
  f: (s: DStream<T>) => DStream<U>,
  n: number,
): Promise<U[][]> {
  const stream = h.ssc.queueStream(input.map((d) => h.sc.parallelize([...d], 1)));
  return collectBatches(h, f(stream), n);
}

/** Two queue inputs through `f`. */
export async function runFunc2<T, T2, U>(
  h: Harness,
  input: readonly (readonly T[])[],
  input2: readonly (readonly T2[])[],
  f: (a: DStream<T>, b: DStream<T2>) => DStream<U>,
  n: number,
): Promise<U[][]> {
  const a = h.ssc.queueStream(input.map((d) => h.sc.parallelize([...d], 1)));
  const b = h.ssc.queueStream(input2.map((d) => h.sc.parallelize([...d], 1)));
  return collectBatches(h, f(a, b), n);
}

const key = (x: unknown): string => JSON.stringify(x, (_k, v) => (v === undefined ? null : v));

/** Sorts each batch by its pairs' keys (PySpark's `_sort_result_based_on_key`), then by the whole element. */
export function byKey<T>(batches: T[][]): T[][] {
  return batches.map((b) =>
    [...b].sort((x, y) => {
      const kx = key(Array.isArray(x) ? x[0] : x);
      const ky = key(Array.isArray(y) ? y[0] : y);
      if (kx !== ky) return kx < ky ? -1 : 1;
      const ax = key(x);
      const ay = key(y);
      return ax < ay ? -1 : ax > ay ? 1 : 0;
    }),
  );
}

export const range = (a: number, b?: number): number[] =>
  b === undefined ? Array.from({ length: a }, (_, i) => i) : Array.from({ length: b - a }, (_, i) => a + i);
