/**
 * An hour of 1-second batches on the manual clock: a stateful word count
 * over 3,600 batches keeps exact totals in bounded memory. State is computed
 * once per batch and read back from memory, so neither lineage nor the heap
 * grows with the number of batches.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import type { DStream, RDD } from '../../lib/index.js';
import { harness } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BATCHES = 3600;
const VOCABULARY = 500;
const PER_BATCH = 40;

/** The words of the batch at `time` (deterministic). */
function wordsAt(time: number): string[] {
  let x = time / 1000;
  const out: string[] = [];
  for (let i = 0; i < PER_BATCH; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(`w${x % VOCABULARY}`);
  }
  return out;
}

test('3,600 batches of a stateful word count: exact totals, bounded memory', async (t) => {
  t.timeout(600_000);
  const h = harness(t, 1, 1);
  const sc = h.sc;
  const words = h.ssc
    .queueStream<number>([], true, [0])
    .transform((time: Date, _rdd: RDD<number>) => sc.parallelize(wordsAt(time.getTime()), 2));
  const totals = words
    .map((w) => [w, 1] as [string, number])
    .updateStateByKey((ones: number[], total: number | undefined) => (total ?? 0) + ones.length);
  const seen = new Map<number, [string, number][]>();
  totals.foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
    if (time.getTime() % 600_000 === 0) seen.set(time.getTime(), await rdd.collect());
  });
  const expected = new Map<string, number>();
  const heap: number[] = [];
  const kept: number[] = [];
  await h.ssc.start();
  for (let i = 1; i <= BATCHES; i++) {
    await h.step();
    for (const w of wordsAt(i * 1000)) expected.set(w, (expected.get(w) ?? 0) + 1);
    if (i % 600 === 0) {
      const byWord = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      t.deepEqual(
        (seen.get(i * 1000) ?? []).sort(byWord),
        [...expected].sort(byWord),
        `totals after ${i} batches`,
      );
      seen.clear();
      gc();
      heap.push(process.memoryUsage().heapUsed);
      kept.push(Math.max(...h.ssc._streams.map((s: DStream<unknown>) => s._generated.size)));
    }
  }
  await h.ssc.stop(false);
  const mb = heap.map((b) => (b / 2 ** 20).toFixed(1));
  t.log(`heap after GC every 600 batches (MiB): ${mb.join(', ')}`);
  t.true(Math.max(...kept) <= 2, `RDDs kept per stream: ${kept.join(', ')}`);
  // From the first sample on, the heap does not grow with the batches (a few MiB of noise allowed).
  t.true(
    (heap.at(-1) as number) - (heap[0] as number) < 8 * 2 ** 20,
    `heap grew from ${mb[0]} to ${mb.at(-1)} MiB`,
  );
});
