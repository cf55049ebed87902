/**
 * The range shuffles (sortBy, sortByKey) and the operators that need a job
 * of their own first (zipWithIndex, zipWithUniqueId), plus
 * repartitionAndSortWithinPartitions, on the 2-worker standalone cluster
 * (spec/spark/cluster.sh): each program's collect() and glom().collect()
 * equal the same program's on a local Context. One Context (one Spark
 * application) serves the file; the tests run serially. Without Java or
 * Spark every test is reported as skipped with the reason;
 * SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { Context, type RDD, TaskError } from '../../lib/index.js';
import { seeded, sparkSuite } from './harness.js';

let file: string;
const local = new Context({ defaultParallelism: 2 });
const suite = sparkSuite({
  name: 'sort',
  cleanup: () => local.stop(),
  async prepare(work) {
    // Lines of 1 to 6 words from a small vocabulary: many equal first words.
    const rnd = seeded(16);
    const words = ['pear', 'Apple', 'fig', 'kiwi', 'date', 'lime', 'Plum', 'yuzu', 'sloe', 'nut'];
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(
        Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * 10)]).join(' '),
      );
    file = path.join(work, 'fruit.txt');
    await writeFile(file, `${lines.join('\n')}\n`);
  },
});
const { sparkTest } = suite;

type Program = (c: Context) => RDD<unknown>;

/** Runs each program on Spark and locally: collect() and glom().collect() equal. */
async function sameAsLocal(t: ExecutionContext, programs: [string, Program][]): Promise<void> {
  for (const [name, program] of programs) {
    const want = program(local);
    const got = program(suite.sc);
    const wantAll = await want.collect();
    const wantGlom = await want.glom().collect();
    t.deepEqual(await got.collect(), wantAll, `${name}: collect`);
    t.deepEqual(await got.glom().collect(), wantGlom, `${name}: glom`);
  }
}

const numbers = (() => {
  const rnd = seeded(7);
  return Array.from({ length: 1500 }, () => Math.floor(rnd() * 1000) - 300);
})();

sparkTest('sortBy: numbers up and down into 1, 2 and 7 partitions, from parallelize', async (t) => {
  const programs: [string, Program][] = [];
  for (const n of [1, 2, 7])
    for (const ascending of [true, false])
      programs.push([
        `sortBy(x => x, ${ascending}, ${n})`,
        (c) => c.parallelize(numbers, 3).sortBy((x) => x, ascending, n),
      ]);
  programs.push([
    'sortBy(x => x % 10) with the default partition count',
    (c) => c.parallelize(numbers, 3).sortBy((x) => x % 10),
  ]);
  programs.push([
    'sortBy(x => -x, true, 7) of floats and -0',
    (c) => c.parallelize([...numbers.map((x) => x / 7), -0, 0, 0.5], 4).sortBy((x) => -x, true, 7),
  ]);
  await sameAsLocal(t, programs);
});

sparkTest('sortBy and sortByKey of a text file: strings, keyfunc, many equal keys', async (t) => {
  const programs: [string, Program][] = [];
  // Each partition count both ways between the two programs.
  for (const [n, ascending] of [
    [1, true],
    [2, false],
    [7, true],
  ] as const) {
    programs.push([
      `lines sortBy(first word, ${ascending}, ${n})`,
      (c) => c.textFile(file, 3).sortBy((l) => l.split(' ')[0], ascending, n),
    ]);
    programs.push([
      `words sortByKey(${!ascending}, ${n}, toLowerCase)`,
      (c) =>
        c
          .textFile(file, 2)
          .flatMap((l) => l.split(' '))
          .map((w) => [w, w.length] as [string, number])
          .sortByKey(!ascending, n, (k) => k.toLowerCase()),
    ]);
  }
  programs.push([
    'sortBy(line length) after reduceByKey',
    (c) =>
      c
        .textFile(file, 3)
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 3)
        .sortBy((kv) => kv[1], false, 2),
  ]);
  await sameAsLocal(t, programs);
});

sparkTest('sortByKey: tuples and numbers as keys, an empty RDD, all keys equal', async (t) => {
  const pairs = numbers.map((x, i) => [[x % 5, `k${i % 13}`], i] as [[number, string], number]);
  await sameAsLocal(t, [
    ['tuple keys ascending, 7', (c) => c.parallelize(pairs, 3).sortByKey(true, 7)],
    ['tuple keys descending, 2', (c) => c.parallelize(pairs, 3).sortByKey(false, 2)],
    [
      'number keys with keyfunc -k, 3',
      (c) =>
        c
          .parallelize(numbers, 4)
          .map((x) => [x, x * 2] as [number, number])
          .sortByKey(true, 3, (k) => -k),
    ],
    ['empty parallelize sortBy, 3', (c) => c.parallelize([] as number[], 3).sortBy((x) => x, true, 3)],
    ['emptyRDD sortByKey', (c) => c.emptyRDD<[number, number]>().sortByKey()],
    [
      'all keys equal, 7',
      (c) =>
        c
          .parallelize(
            Array.from({ length: 600 }, (_, i) => ['same', i] as [string, number]),
            3,
          )
          .sortByKey(true, 7),
    ],
    [
      'mostly equal keys, descending, 7',
      (c) =>
        c
          .parallelize(
            Array.from({ length: 600 }, (_, i) => (i % 50 === 0 ? i : 1)),
            3,
          )
          .sortBy((x) => x, false, 7),
    ],
  ]);
});

sparkTest('repartitionAndSortWithinPartitions', async (t) => {
  const pairs = numbers.map((x, i) => [x, i] as [number, number]);
  await sameAsLocal(t, [
    ['hash, 3', (c) => c.parallelize(pairs, 2).repartitionAndSortWithinPartitions(3)],
    [
      'partitionFunc, descending, keyfunc',
      (c) =>
        c.parallelize(pairs, 3).repartitionAndSortWithinPartitions(
          2,
          (k) => (k < 0 ? 0 : 1),
          false,
          (k) => Math.abs(k),
        ),
    ],
    [
      'strings from a text file, 7',
      (c) =>
        c
          .textFile(file, 2)
          .map((l) => [l, l.length] as [string, number])
          .repartitionAndSortWithinPartitions(7),
    ],
  ]);
});

sparkTest('zipWithIndex and zipWithUniqueId over several partitions', async (t) => {
  await sameAsLocal(t, [
    ['zipWithIndex of parallelize, 7', (c) => c.parallelize(numbers, 7).zipWithIndex()],
    [
      'zipWithIndex after a filter (uneven partitions)',
      (c) =>
        c
          .parallelize(numbers, 5)
          .filter((x) => x > 400)
          .zipWithIndex(),
    ],
    ['zipWithIndex of a text file', (c) => c.textFile(file, 3).zipWithIndex()],
    ['zipWithIndex of one partition', (c) => c.parallelize(numbers, 1).zipWithIndex()],
    ['zipWithIndex twice', (c) => c.parallelize(numbers, 3).zipWithIndex().zipWithIndex()],
    [
      'zipWithIndex after a sort',
      (c) =>
        c
          .textFile(file, 2)
          .sortBy((l) => l.length, true, 3)
          .zipWithIndex(),
    ],
    ['zipWithUniqueId, 4', (c) => c.parallelize(numbers, 4).zipWithUniqueId()],
    ['zipWithUniqueId of a text file', (c) => c.textFile(file, 3).zipWithUniqueId()],
  ]);
});

sparkTest("a sort's key function's accumulator updates count once per element, as locally", async (t) => {
  const count = async (c: Context) => {
    const calls = c.accumulator(0);
    await c
      .parallelize(numbers, 3)
      .sortBy(
        (x) => {
          calls.add(1);
          return x;
        },
        true,
        4,
      )
      .collect();
    return calls.value;
  };
  t.is(await count(suite.sc), await count(local));
});

sparkTest(
  "a sort's key function that throws: the TaskError local mode raises; the Context keeps working",
  async (t) => {
    const program = (c: Context) =>
      c.parallelize([1, 2, 3, 4], 2).sortBy((x) => {
        if (x === 3) throw new RangeError(`bad ${x}`);
        return x;
      });
    const outcome = async (c: Context) => {
      const rdd = program(c);
      const e = await rdd.collect().then(
        () => undefined,
        (err: unknown) => err,
      );
      t.true(e instanceof TaskError, String(e));
      const te = e as TaskError;
      return [
        te.operator,
        te.rddId === rdd.id(),
        te.partition,
        (te.cause as Error).name,
        (te.cause as Error).message,
      ];
    };
    t.deepEqual(await outcome(suite.sc), await outcome(local));
    t.deepEqual(
      await suite.sc
        .parallelize([3, 1, 2], 2)
        .sortBy((x) => x, true, 2)
        .collect(),
      [1, 2, 3],
    );
  },
);

sparkTest('sortBy of a ~5 MB file equals local mode, glom layouts included (times logged)', async (t) => {
  const big = path.join(suite.work, 'big.txt');
  const rnd = seeded(5);
  const lines = Array.from({ length: 120_000 }, () => `${Math.floor(rnd() * 1e9).toString(36)} ${rnd()}`);
  await writeFile(big, `${lines.join('\n')}\n`);
  const program = (c: Context) => c.textFile(big, 4).sortBy((l) => l.split(' ')[0], true, 4);
  const t0 = Date.now();
  const want = await program(local).glom().collect();
  const t1 = Date.now();
  const got = await program(suite.sc).glom().collect();
  const t2 = Date.now();
  t.log(`sortBy of ${lines.length} lines into 4 partitions: local ${t1 - t0} ms, Spark ${t2 - t1} ms`);
  t.deepEqual(
    got.map((p) => p.length),
    want.map((p) => p.length),
  );
  t.deepEqual(got, want);
});

sparkTest('take, first, count and a cached sort over a sorted RDD equal local mode', async (t) => {
  const outcome = async (c: Context) => {
    const sorted = c.parallelize(numbers, 3).sortBy((x) => x, false, 4);
    const cached = c
      .parallelize(numbers, 2)
      .map((x) => [x % 7, x] as [number, number])
      .sortByKey(true, 3)
      .cache();
    const out = [
      await sorted.take(5),
      await sorted.first(),
      await sorted.count(),
      await cached.glom().collect(),
      await cached.zipWithIndex().values().sum(),
    ];
    cached.unpersist();
    return out;
  };
  t.deepEqual(await outcome(suite.sc), await outcome(local));
});
