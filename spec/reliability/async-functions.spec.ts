/**
 * An async function where a synchronous one is expected (`map(async (u) =>
 * fetch(u))`) fails the action with a TaskError naming the operator and
 * pointing to mapAsync, instead of Promises in the data, a filter keeping
 * everything or a NaN sum; and its rejections never go unhandled.
 */
import test from 'ava';
import { TaskError } from '../../lib/index.js';
import { context, PARTITIONS, range } from '../helpers.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

/** Pairs with each key repeated within and across partitions, so every combiner is called. */
const PAIRS: [string, number][] = Array.from({ length: 40 }, (_, i) => [`k${i % 3}`, i]);

/** An async function that rejects: a rejection left unawaited would be reported as unhandled. */
const rejects = async (): Promise<never> => {
  throw new Error('rejected');
};

/** A function passed where TypeScript would refuse it, as a JavaScript caller may pass it. */
const loose = (f: unknown): never => f as never;

type Case = [operator: string, action: (sc: ReturnType<typeof context>, n: number) => Promise<unknown>];

const cases: Case[] = [
  [
    'map',
    (sc, n) =>
      sc
        .parallelize([1, 2, 3], n)
        .map(async (x) => x)
        .collect(),
  ],
  ['map', (sc, n) => sc.parallelize([1, 2, 3], n).map<number>(loose(rejects)).sum()],
  // Reached only by later elements of the batch: checked on the first result it gives.
  [
    'map',
    (sc, n) =>
      sc
        .parallelize(range(100), n)
        .filter((x) => x % 50 === 49)
        .map(async (x) => x)
        .count(),
  ],
  [
    'filter',
    (sc, n) =>
      sc
        .parallelize([1, 2, 3], n)
        .filter(async () => false)
        .collect(),
  ],
  [
    'flatMap',
    (sc, n) =>
      sc
        .parallelize([1, 2, 3], n)
        .flatMap(loose(async (x: number) => [x]))
        .collect(),
  ],
  ['mapValues', (sc, n) => sc.parallelize(PAIRS, n).mapValues(loose(rejects)).count()],
  [
    'flatMapValues',
    (sc, n) =>
      sc
        .parallelize(PAIRS, n)
        .flatMapValues(loose(async (v: number) => [v]))
        .collect(),
  ],
  ['keyBy', (sc, n) => sc.parallelize([1, 2, 3], n).keyBy(loose(rejects)).collect()],
  ['reduce', (sc, n) => sc.parallelize([1, 2, 3, 4, 5, 6, 7], n).reduce(loose(rejects))],
  // Partitions of one element never call it: the driver does.
  ['reduce', (sc) => sc.parallelize([1, 2, 3], 3).reduce(loose(async (a: number, b: number) => a + b))],
  [
    'treeReduce',
    (sc, n) =>
      sc.parallelize([1, 2, 3, 4, 5, 6, 7], n).treeReduce(loose(async (a: number, b: number) => a + b)),
  ],
  [
    'fold',
    (sc, n) =>
      sc.parallelize([1, 2, 3], n).fold(
        0,
        loose(async (a: number, b: number) => a + b),
      ),
  ],
  [
    'aggregate',
    (sc, n) =>
      sc.parallelize([1, 2, 3], n).aggregate(
        0,
        loose(rejects),
        loose((a: number, b: number) => a + b),
      ),
  ],
  [
    'aggregate',
    (sc) =>
      sc.parallelize([1, 2, 3], 3).aggregate(
        0,
        loose((a: number, b: number) => a + b),
        loose(rejects),
      ),
  ],
  [
    'treeAggregate',
    (sc) =>
      sc.parallelize([1, 2, 3], 3).treeAggregate(
        0,
        loose((a: number, b: number) => a + b),
        loose(rejects),
      ),
  ],
  ['reduceByKey', (sc, n) => sc.parallelize(PAIRS, n).reduceByKey(loose(rejects)).collect()],
  // One value per key in each partition: only the reduce side's merge calls the function.
  [
    'reduceByKey',
    (sc) =>
      sc
        .parallelize(
          [
            ['a', 1],
            ['a', 2],
          ] as [string, number][],
          2,
        )
        .reduceByKey(loose(async (a: number, b: number) => a + b))
        .collect(),
  ],
  ['foldByKey', (sc, n) => sc.parallelize(PAIRS, n).foldByKey(0, loose(rejects)).collect()],
  [
    'aggregateByKey',
    (sc, n) =>
      sc
        .parallelize(PAIRS, n)
        .aggregateByKey(
          0,
          loose(rejects),
          loose((a: number, b: number) => a + b),
        )
        .collect(),
  ],
  [
    'combineByKey',
    (sc, n) =>
      sc
        .parallelize(PAIRS, n)
        .combineByKey(
          async (v) => [v],
          loose((c: unknown[], v: unknown) => [...c, v]),
          loose((a: unknown[], b: unknown[]) => [...a, ...b]),
        )
        .collect(),
  ],
  [
    'combineByKey',
    (sc, n) =>
      sc
        .parallelize(PAIRS, n)
        .combineByKey(
          (v) => [v],
          loose(rejects),
          (a: number[], b: number[]) => [...a, ...b],
        )
        .collect(),
  ],
  [
    'groupBy',
    (sc, n) =>
      sc
        .parallelize([1, 2, 3], n)
        .groupBy(async (x) => x % 2)
        .collect(),
  ],
  ['sortBy', (sc, n) => sc.parallelize([3, 1, 2], n).sortBy(loose(rejects)).collect()],
];

for (const n of PARTITIONS)
  test(`an async function where a synchronous one is expected: a TaskError naming the operator, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [operator, action] of cases) {
      const e = await t.throwsAsync(() => action(sc, n), { instanceOf: TaskError }, operator);
      t.is(e?.operator, operator);
      t.true(e?.cause instanceof TypeError);
      t.regex(
        e?.message ?? '',
        new RegExp(
          `^${operator}\\[\\d+\\] failed in partition -?\\d+: TypeError: ${operator}\\[\\d+\\]'s function returned a Promise(, not an iterable)?: .*use rdd\\.mapAsync`,
        ),
        operator,
      );
    }
    // The Context keeps working.
    t.deepEqual(
      await sc
        .parallelize([1, 2, 3], n)
        .map((x) => x * 2)
        .collect(),
      [2, 4, 6],
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.deepEqual(unhandled, []);
  });
