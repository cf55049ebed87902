/**
 * Model-based properties: random chains of operators (spec/reliability/chains.ts)
 * through sparkling and through a plain-array model of the same chain, then
 * compared; and regressions the property found.
 *
 * `FC_SEED` and `FC_RUNS` override the fixed seed and run count.
 */
import test from 'ava';
import fc from 'fast-check';
import { Context } from '../../lib/index.js';
import { bag, joinRef } from '../reference.js';
import { drawn, fitChain, RUNS, run, SEED, sortNat, source } from './chains.js';

test(`random operator chains ≡ the plain-array model (seed ${SEED}, ${RUNS} runs)`, async (t) => {
  // A run that hangs fails after 30 s and is shrunk like any other: give the shrinking time to finish.
  t.timeout(10 * 60_000);
  // Worker threads (SPARKLING_WORKERS) start once, before the timed runs, and this Context keeps them
  // while the runs' own Contexts come and go: a run's 30 s are for its own work, even on a busy machine.
  const warm = new Context({ defaultParallelism: 2 });
  await warm
    .parallelize([1, 2], 2)
    .map((x) => x + 1)
    .sum();
  try {
    await t.notThrowsAsync(() =>
      fc.assert(
        fc.asyncProperty(source, fc.array(drawn, { minLength: 1, maxLength: 6 }), async (src, ops) => {
          await run(src, fitChain(src, ops));
        }),
        { numRuns: RUNS, seed: SEED, includeErrorInReport: true, timeout: 30_000 },
      ),
    );
  } finally {
    warm.stop();
  }
});

// -------------------------------------------------------------- regressions
// Found by the property above. A shuffle that keys elements afresh (distinct,
// groupBy, subtract, intersection) read a parent hash-partitioned with the same
// count narrowly, as if it were laid out by the new key; and distinct, subtract
// and intersection claimed a hash partitioner for output laid out by whole
// elements, so a later reduceByKey, join or lookup skipped its shuffle.

const add = (a: number, b: number): number => a + b;

test('regression: distinct() output is not laid out by key, so reduceByKey, join and lookup after it see every key', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const xs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 2],
    [0, 3],
  ];
  const d = sc.parallelize(xs, 1).distinct(2);
  t.deepEqual(await d.reduceByKey(add).collect(), [[0, 6]]);
  t.deepEqual(bag(await d.join(d).collect()), bag(joinRef(xs, xs, 'inner')));
  t.deepEqual(sortNat(await d.lookup(0)), [0, 1, 2, 3]);
});

test('regression: groupBy, subtract and intersection over a hash-partitioned parent key its elements afresh', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const a = sc
    .parallelize<[number, number]>(
      [
        [0, 1],
        [1, 1],
      ],
      1,
    )
    .reduceByKey(add, 2);
  const grouped = await a
    .groupBy((kv) => kv[1], 2)
    .mapValues(sortNat)
    .collect();
  t.deepEqual(grouped, [
    [
      1,
      [
        [0, 1],
        [1, 1],
      ],
    ],
  ]);
  const b = sc.parallelize<[number, number]>(
    [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ],
    1,
  );
  const c = sc.parallelize<[number, number]>([
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
  const partitioned = b.reduceByKey(add, 2);
  t.deepEqual(await partitioned.subtract(c, 2).collect(), [[0, 0]]);
  t.deepEqual(sortNat(await partitioned.intersection(c, 2).collect()), [
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
});
