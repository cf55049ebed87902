/**
 * The rest of the operators on the 2-worker standalone cluster
 * (spec/spark/cluster.sh): broadcasts shipped once per executor, the
 * whole-file sources, pipe, mapAsync, histogram, the approximate actions,
 * reduceByKeyLocally and saveAsTextFile with xz and zstd. Each program runs
 * on a Spark Context and on a local one: collect() and glom().collect()
 * equal. One Context (one Spark application) serves every test; the tests
 * run serially. Without Java or Spark every test is reported as skipped
 * with the reason; SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ExecutionContext } from 'ava';
import { Context, type RDD, SparklingError, TaskError } from '../../lib/index.js';
import type { SparkCluster } from '../../lib/spark/cluster.js';
import { rejects, sparkSuite } from './harness.js';

const local = new Context({ defaultParallelism: 2 });
const suite = sparkSuite({
  name: 'io',
  // A task that keeps failing fails the job after 2 attempts (the destroyed broadcast's test).
  conf: { 'spark.task.maxFailures': 2 },
  cleanup: () => local.stop(),
});
const { sparkTest } = suite;

function spark(): SparkCluster {
  return suite.sc._runtime.cluster as SparkCluster;
}

/** `program` on Spark and locally: its collect() and glom().collect() are equal. */
async function same<T>(t: ExecutionContext, name: string, program: (c: Context) => RDD<T>): Promise<void> {
  const want = program(local);
  const got = program(suite.sc);
  t.deepEqual(await got.glom().collect(), await want.glom().collect(), `${name}: glom`);
  t.deepEqual(await got.collect(), await want.collect(), `${name}: collect`);
}

/** An action's result on Spark and locally is equal. */
async function sameResult<R>(t: ExecutionContext, name: string, action: (c: Context) => Promise<R>) {
  t.deepEqual(await action(suite.sc), await action(local), name);
}

// --- Broadcasts ---

sparkTest(
  'a ~5 MB broadcast read by a 24-task stage travels once per executor: each task is sent a small stage; results equal local mode',
  async (t) => {
    const table = new Map<number, string>();
    for (let i = 0; i < 50_000; i++) table.set(i, `v${i.toString(36).padStart(96, '.')}`);
    const program = (c: Context) => {
      const b = c.broadcast(table);
      return c
        .range(0, 48_000, 1, 24)
        .map((i) => `${i}:${b.value.get((i * 7919) % 50_000)?.slice(-4)}`)
        .filter((s) => s.endsWith('a'));
    };
    const t0 = Date.now();
    await same(t, 'broadcast lookups', program);
    t.log(`local and Spark in ${Date.now() - t0} ms`);
    // What each task of the last job's stages was sent with its header: the stage without the value.
    const sizes = spark().taskDataBytes;
    t.log(`each task's data: ${Math.max(...sizes)} bytes at most (the broadcast's JSON is ~5.2 MB)`);
    t.true(sizes.length > 0);
    t.true(Math.max(...sizes) < 20_000, `per-task data ${sizes.join(', ')} bytes`);
    const got = program(suite.sc);
    t.is(await got.getNumPartitions(), 24);
    t.is(await got.count(), await program(local).count());
  },
);

sparkTest('broadcasts: unpersist keeps the value usable; a destroyed one fails as locally', async (t) => {
  const run = async (c: Context) => {
    const b = c.broadcast([10, 20, 30]);
    const rdd = c.parallelize([0, 1, 2, 0], 2).map((i) => b.value[i]);
    const first = await rdd.collect();
    b.unpersist();
    const second = await rdd.collect();
    b.destroy();
    const e = await rejects(t, rdd.collect());
    return { first, second, e };
  };
  const want = await run(local);
  const got = await run(suite.sc);
  t.deepEqual(got.first, [10, 20, 30, 10]);
  t.deepEqual(got.second, want.second);
  // Local mode raises the broadcast's SparklingError as it is (not wrapped in a TaskError); so does Spark.
  t.true(want.e instanceof SparklingError, String(want.e));
  t.false(want.e instanceof TaskError);
  t.is((got.e as Error).constructor, SparklingError, String(got.e));
  t.is((got.e as Error).message, (want.e as Error).message);
  t.regex((got.e as Error).message, /Attempted to use a broadcast variable after it was destroyed/);
  // The Context keeps working.
  t.is(await suite.sc.parallelize([1, 2, 3], 2).count(), 3);
});

// --- Whole-file sources ---

sparkTest(
  'wholeTextFiles, binaryFiles and binaryRecords: the partitions local mode cuts, absolute and relative paths',
  async (t) => {
    const dir = path.join(suite.work, 'files');
    mkdirSync(dir);
    for (let i = 0; i < 7; i++)
      await writeFile(
        path.join(dir, `f${i}.txt`),
        Array.from({ length: i * 3 }, (_, j) => `line ${i}.${j}`).join('\n'),
      );
    await writeFile(path.join(dir, 'z.txt.gz'), gzipSync('packed\ntext\n'));
    const rel = path.relative(process.cwd(), dir);
    for (const min of [1, 2, 3, 7]) {
      await same(t, `wholeTextFiles ${min}`, (c) => c.wholeTextFiles(dir, min));
      await same(t, `binaryFiles ${min}`, (c) =>
        c.binaryFiles(`${dir}/*.txt`, min).mapValues((b) => Buffer.from(b).toString('hex')),
      );
    }
    await same(t, 'wholeTextFiles relative', (c) => c.wholeTextFiles(rel, 3).mapValues((s) => s.length));
    await same(t, 'binaryRecords', (c) => c.binaryRecords(`${dir}/f3.txt`, 4).map((b) => Array.from(b)));
    await sameResult(t, 'wholeTextFiles count', (c) => c.wholeTextFiles(dir, 2).count());
  },
);

// --- Operators and actions ---

sparkTest('pipe and mapAsync equal local mode', async (t) => {
  await same(t, 'pipe', (c) =>
    c.parallelize(['b', 'a', 'c', 'd', 'e'], 3).pipe("tr 'a-z' 'A-Z'", { LC_ALL: 'C' }, true),
  );
  await same(t, 'mapAsync', (c) =>
    c.range(0, 500, 1, 4).mapAsync(async (x) => {
      await new Promise((r) => setTimeout(r, x % 3));
      return x * 2;
    }),
  );
});

sparkTest('histogram, the approximate actions and reduceByKeyLocally equal local mode', async (t) => {
  const nums = (c: Context) =>
    c.parallelize(
      Array.from({ length: 1000 }, (_, i) => ((i * 37) % 101) - 20.5),
      5,
    );
  await sameResult(t, 'histogram(4)', (c) => nums(c).histogram(4));
  await sameResult(t, 'histogram(1)', (c) => nums(c).histogram(1));
  await sameResult(t, 'histogram(buckets)', (c) => nums(c).histogram([-30, 0, 10, 80.5]));
  await sameResult(t, 'histogram of a constant', (c) => c.parallelize([3, 3, 3], 2).histogram(5));
  await sameResult(t, 'countApprox', (c) => nums(c).countApprox(60_000));
  await sameResult(t, 'sumApprox', async (c) => {
    const s = await nums(c).sumApprox(60_000);
    return [+s, s.confidence, s.low, s.high];
  });
  await sameResult(t, 'meanApprox', async (c) => +(await nums(c).meanApprox(60_000)));
  await sameResult(t, 'countApproxDistinct', (c) => nums(c).countApproxDistinct(0.01));
  await sameResult(t, 'reduceByKeyLocally', async (c) => [
    ...(await c
      .range(0, 300, 1, 3)
      .map((x): [string, number] => [`k${x % 7}`, x])
      .reduceByKeyLocally((a, b) => a + b)),
  ]);
  // An empty RDD's histogram(count) fails on both.
  const e1 = await rejects(t, local.parallelize([] as number[], 2).histogram(2));
  const e2 = await rejects(t, suite.sc.parallelize([] as number[], 2).histogram(2));
  t.is((e2 as Error).constructor, (e1 as Error).constructor);
  t.is((e2 as Error).message, (e1 as Error).message);
});

sparkTest('saveAsTextFile with xz and zstd: the parts local mode writes, read back equal', async (t) => {
  for (const codec of ['xz', 'zstd'] as const) {
    const rdd = (c: Context) => c.range(0, 2000, 1, 3).map((x) => `row ${x}`);
    const want = path.join(suite.work, `local-${codec}`);
    const got = path.join(suite.work, `spark-${codec}`);
    await rdd(local).saveAsTextFile(want, codec);
    await rdd(suite.sc).saveAsTextFile(got, codec);
    const parts = (d: string) =>
      readdirSync(d)
        .filter((f) => f.startsWith('part-'))
        .sort();
    t.deepEqual(parts(got), parts(want), codec);
    t.true(readdirSync(got).includes('_SUCCESS'));
    t.deepEqual(await local.textFile(got).glom().collect(), await local.textFile(want).glom().collect());
  }
});
