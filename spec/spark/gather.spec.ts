/**
 * Operators whose task reads several partitions, on the standalone test
 * cluster (spec/spark/cluster.sh): coalesce without a shuffle, zip,
 * cartesian, a union of RDDs partitioned alike, and joins or reductions over
 * RDDs partitioned alike, which read their inputs where they are instead of
 * shuffling them again. Each program's collect() and glom().collect() equal
 * local mode's; Spark's REST API shows that no extra shuffle ran. Without
 * Java or Spark every test is reported as skipped with the reason;
 * SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { ArgumentError, Context, type RDD } from '../../lib/index.js';
import type { SparkCluster } from '../../lib/spark/cluster.js';
import { eventually, getJson, rejects, sparkSuite } from './harness.js';

const local = new Context({ defaultParallelism: 2 });
const suite = sparkSuite({ name: 'gather', cleanup: () => local.stop() });
const { sparkTest } = suite;

async function app() {
  const bridge = await (suite.sc._runtime.cluster as SparkCluster).bridge();
  return { id: bridge.info.applicationId, ui: bridge.info.uiUrl as string, pid: bridge.pid };
}

function rest<T>(url: string): Promise<T> {
  return eventually(`GET ${url}`, 60_000, () => getJson<T>(url));
}

/** The Spark stages (not skipped) that the jobs `action` started ran. */
async function stagesRun(action: () => Promise<unknown>): Promise<number> {
  const a = await app();
  type SparkJob = { jobId: number; status: string; stageIds: number[] };
  const jobsUrl = `${a.ui}/api/v1/applications/${a.id}/jobs`;
  const before = new Set((await rest<SparkJob[]>(jobsUrl)).map((j) => j.jobId));
  await action();
  const jobs = await eventually('the jobs in the REST API', 60_000, async () => {
    const js = (await rest<SparkJob[]>(jobsUrl)).filter((j) => !before.has(j.jobId));
    return js.length > 0 && js.every((j) => j.status === 'SUCCEEDED') ? js : undefined;
  });
  const stages = await rest<{ stageId: number; status: string }[]>(
    `${a.ui}/api/v1/applications/${a.id}/stages`,
  );
  const ids = new Set(jobs.flatMap((j) => j.stageIds));
  return stages.filter((s) => ids.has(s.stageId) && s.status !== 'SKIPPED').length;
}

/** collect() and glom().collect() of `program` on Spark equal local mode's. */
async function same(t: ExecutionContext, name: string, program: (c: Context) => RDD<unknown>): Promise<void> {
  const wantGlom = await program(local).glom().collect();
  const gotGlom = await program(suite.sc).glom().collect();
  t.deepEqual(gotGlom, wantGlom, `${name}: glom`);
  t.deepEqual(await program(suite.sc).collect(), await program(local).collect(), `${name}: collect`);
}

async function textFile(): Promise<string> {
  const file = path.join(suite.work, 'lines.txt');
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

sparkTest(
  'coalesce without a shuffle groups partitions as local mode does (text file, parallelize)',
  async (t) => {
    const file = await textFile();
    t.is(
      await suite.sc.textFile(file, 7).getNumPartitions(),
      await local.textFile(file, 7).getNumPartitions(),
    );
    for (const n of [1, 2, 3]) {
      await same(t, `textFile coalesce(${n})`, (c) => c.textFile(file, 7).coalesce(n));
      await same(t, `parallelize coalesce(${n})`, (c) =>
        c
          .parallelize(
            Array.from({ length: 100 }, (_, i) => i),
            7,
          )
          .coalesce(n),
      );
    }
    // After a shuffle, and with a map on either side of it.
    await same(t, 'reduceByKey then coalesce', (c) =>
      c
        .parallelize(
          Array.from({ length: 200 }, (_, i) => [i % 23, i] as [number, number]),
          4,
        )
        .reduceByKey((a, b) => a + b, 5)
        .map(([k, v]) => [k, v * 2] as [number, number])
        .coalesce(2),
    );
    await same(t, 'range coalesce', (c) => c.range(0, 50, 1, 7).coalesce(3));
    t.is(await suite.sc.textFile(file, 7).coalesce(2).count(), 3000);
  },
);

sparkTest(
  'zip reads partition i of both sides; unequal partition counts or sizes fail as locally',
  async (t) => {
    const file = await textFile();
    await same(t, 'zip of parallelize', (c) =>
      c
        .parallelize(
          Array.from({ length: 50 }, (_, i) => i),
          3,
        )
        .zip(
          c.parallelize(
            Array.from({ length: 50 }, (_, i) => `v${i}`),
            3,
          ),
        ),
    );
    await same(t, 'zip of a text file with its own map', (c) => {
      const lines = c.textFile(file, 4);
      return lines.zip(lines.map((l) => l.length));
    });
    await same(t, 'zip of an RDD with itself', (c) => {
      const r = c.parallelize(['a', 'b', 'c', 'd', 'e'], 2);
      return r.zip(r);
    });
    // Different partition counts: zip itself throws, as locally.
    const counts = t.throws(() => suite.sc.parallelize([1, 2, 3], 2).zip(suite.sc.parallelize([1, 2, 3], 3)));
    const localCounts = t.throws(() => local.parallelize([1, 2, 3], 2).zip(local.parallelize([1, 2, 3], 3)));
    t.true(counts instanceof ArgumentError, String(counts));
    t.is(counts?.message, localCounts?.message);
    // Same partition count, different sizes: the task fails as a local task does.
    const sizes = await rejects(
      t,
      suite.sc
        .parallelize([1, 2, 3, 4], 2)
        .zip(suite.sc.parallelize([1, 2, 3, 4, 5], 2))
        .collect(),
    );
    t.regex(String(sizes), /same number of elements in each partition/);
  },
);

sparkTest('cartesian pairs partitions (i, j) as local mode lays them out', async (t) => {
  await same(t, 'cartesian', (c) =>
    c.parallelize([1, 2, 3, 4, 5], 2).cartesian(c.parallelize(['a', 'b', 'c'], 3)),
  );
  await same(t, 'cartesian of an RDD with itself', (c) => {
    const r = c.parallelize([1, 2, 3], 2);
    return r.cartesian(r);
  });
  // A right partition bigger than cartesian's block is read again for each left element: kept by the executor.
  const big = (c: Context) =>
    c.parallelize([1, 2, 3], 3).cartesian(
      c.parallelize(
        Array.from({ length: 40000 }, (_, i) => i),
        2,
      ),
    );
  t.is(await big(suite.sc).count(), 3 * 40000);
  t.deepEqual(await big(suite.sc).take(3), await big(local).take(3));
});

sparkTest(
  'a union of RDDs partitioned alike is aligned and keeps the partitioner (no second shuffle)',
  async (t) => {
    const pairs = (c: Context, base: number) =>
      c.parallelize(
        Array.from({ length: 40 }, (_, i) => [(i * 7) % 13, base + i] as [number, number]),
        3,
      );
    const program = (c: Context) => pairs(c, 0).partitionBy(4).union(pairs(c, 100).partitionBy(4));
    await same(t, 'aligned union', program);
    t.is(await program(suite.sc).getNumPartitions(), 4);
    // The partitioner is kept: a reduceByKey over it runs in place.
    await same(t, 'reduceByKey over an aligned union', (c) => program(c).reduceByKey((a, b) => a + b));
    // Two partitionBy map stages, one result stage.
    t.is(
      await stagesRun(() =>
        program(suite.sc)
          .reduceByKey((a, b) => a + b)
          .collect(),
      ),
      3,
    );
  },
);

sparkTest('a join or reduceByKey over RDDs partitioned alike reads them where they are', async (t) => {
  const left = (c: Context) =>
    c
      .parallelize(
        Array.from({ length: 60 }, (_, i) => [`k${i % 11}`, i] as [string, number]),
        3,
      )
      .partitionBy(3);
  const right = (c: Context) =>
    c
      .parallelize(
        Array.from({ length: 30 }, (_, i) => [`k${i % 7}`, `v${i}`] as [string, string]),
        2,
      )
      .partitionBy(3);
  await same(t, 'join, both partitioned alike', (c) => left(c).join(right(c)));
  await same(t, 'fullOuterJoin, both partitioned alike', (c) => left(c).fullOuterJoin(right(c), 3));
  await same(t, 'cogroup, both partitioned alike', (c) =>
    left(c)
      .cogroup(right(c))
      .mapValues(([vs, ws]) => [[...vs], [...ws]]),
  );
  await same(t, 'join, one side partitioned alike, the other shuffled', (c) =>
    left(c).join(
      c.parallelize(
        Array.from({ length: 30 }, (_, i) => [`k${i % 5}`, i] as [string, number]),
        2,
      ),
      3,
    ),
  );
  await same(t, 'reduceByKey after partitionBy', (c) => left(c).reduceByKey((a, b) => a + b, 3));
  await same(t, 'a join of a coalesced side', (c) => left(c).coalesce(2).join(right(c).coalesce(2), 2));
  // Each side's partitionBy is a shuffle; the join adds none: 2 map stages and the result.
  t.is(await stagesRun(() => left(suite.sc).join(right(suite.sc)).collect()), 3);
  // One partitionBy, the reduce in place: 1 map stage and the result.
  t.is(
    await stagesRun(() =>
      left(suite.sc)
        .reduceByKey((a, b) => a + b, 3)
        .collect(),
    ),
    2,
  );
});

sparkTest(
  'gathered reads of a cached RDD, of shuffle outputs and of a groupWith of three RDDs',
  async (t) => {
    const nums = (c: Context) =>
      c.parallelize(
        Array.from({ length: 90 }, (_, i) => i),
        7,
      );
    const cached = nums(suite.sc)
      .map((x) => x * 3)
      .cache();
    await cached.count();
    const cachedLocal = nums(local)
      .map((x) => x * 3)
      .cache();
    t.deepEqual(await cached.coalesce(3).glom().collect(), await cachedLocal.coalesce(3).glom().collect());
    t.deepEqual(
      await cached.zip(cached).glom().collect(),
      await cachedLocal.zip(cachedLocal).glom().collect(),
    );
    cached.unpersist();
    const sums = (c: Context, m: number) =>
      nums(c)
        .map((x): [number, number] => [x % m, x])
        .reduceByKey((a, b) => a + b, 3);
    await same(t, 'zip of two shuffle outputs', (c) => sums(c, 5).zip(sums(c, 5).mapValues((v) => -v)));
    await same(t, 'cartesian of two shuffle outputs', (c) => sums(c, 4).cartesian(sums(c, 2)));
    // Two sides partitioned alike read in place, the third shuffled (tagged lines).
    await same(t, 'coalesce of a groupWith of three RDDs', (c) =>
      sums(c, 5)
        .groupWith(
          sums(c, 7),
          nums(c).map((x): [number, number] => [x % 4, -x]),
        )
        .mapValues((sides) => sides.map((s) => [...s]))
        .coalesce(2),
    );
  },
);
