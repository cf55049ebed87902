/**
 * `new Context({ master })` on a real standalone cluster of one master and
 * two 1-core workers (spec/spark/cluster.sh): the same programs as in local
 * mode give the same results, partition layouts included, under an injected
 * task failure and a killed worker too. One Context (one Spark application)
 * serves every test; the tests run serially, in order. Without Java or Spark
 * every test is reported as skipped with the reason; SPARKLING_REQUIRE_SPARK=1
 * (CI) makes that a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArgumentError, Context, TaskError } from '../../lib/index.js';
import type { SparkCluster } from '../../lib/spark/cluster.js';
import { alive, eventually, getJson, ROOT, rejects, seeded, sparkSuite } from './harness.js';

const local = new Context({ defaultParallelism: 2 });
const suite = sparkSuite({ name: 'context', cleanup: () => local.stop() });
const { sparkTest } = suite;

/** The Context's bridge (its application id, UI, PID). */
async function app() {
  const bridge = await (suite.sc._runtime.cluster as SparkCluster).bridge();
  return { id: bridge.info.applicationId, ui: bridge.info.uiUrl as string, pid: bridge.pid };
}

/** About `mb` MB of text: lines of 1 to 12 words from a skewed vocabulary of 20,000. */
async function corpus(file: string, mb: number, seed: number): Promise<void> {
  const rnd = seeded(seed);
  const vocab = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}${'xyz'[i % 3]}`);
  const lines: string[] = [];
  let size = 0;
  while (size < mb * 1e6) {
    const n = 1 + Math.floor(rnd() * 12);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(vocab[Math.floor(rnd() ** 3 * vocab.length)] as string);
    const line = ws.join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  await writeFile(file, `${lines.join('\n')}\n`);
}

const wordCount = (c: Context, file: string, minPartitions: number, reducers: number) =>
  c
    .textFile(file, minPartitions)
    .flatMap((line) => line.split(' '))
    .filter((w) => w !== '')
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b, reducers);

const byKey = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The application's jobs in Spark's REST API. */
async function sparkJobs(): Promise<
  { jobId: number; status: string; stageIds: number[]; numTasks: number }[]
> {
  const a = await app();
  return rest(`${a.ui}/api/v1/applications/${a.id}/jobs`);
}

/** A GET of Spark's REST API, tried again for up to a minute (the driver's UI answers slowly on a loaded machine). */
function rest<T>(url: string): Promise<T> {
  return eventually(`GET ${url}`, 60_000, () => getJson<T>(url));
}

// --- Same results as local mode ---

sparkTest(
  'word count of a ~50 MB file equals local mode: sorted collect byte for byte, glom layouts',
  async (t) => {
    const file = path.join(suite.work, 'words-50.txt');
    await corpus(file, 50, 1);
    const t0 = Date.now();
    const want = wordCount(local, file, 2, 3);
    const wantGlom = await want.glom().collect();
    const t1 = Date.now();
    const got = wordCount(suite.sc, file, 2, 3);
    const gotGlom = await got.glom().collect();
    const t2 = Date.now();
    t.log(`local ${t1 - t0} ms, Spark ${t2 - t1} ms`);
    t.is(gotGlom.length, 3);
    t.is(JSON.stringify(gotGlom.flat().sort(byKey)), JSON.stringify(wantGlom.flat().sort(byKey)));
    t.deepEqual(gotGlom, wantGlom);
    // The same job's other actions.
    t.is(await got.count(), wantGlom.flat().length);
    t.deepEqual(await got.take(5), wantGlom.flat().slice(0, 5));
  },
);

sparkTest('sources, narrow operators, by-key operators and actions equal local mode', async (t) => {
  const file = path.join(suite.work, 'small.txt');
  await corpus(file, 0.3, 2);
  const programs: [string, (c: Context) => Promise<unknown>][] = [
    [
      'parallelize glom (PySpark slicing)',
      (c) =>
        c
          .parallelize(
            Array.from({ length: 2500 }, (_, i) => i),
            7,
          )
          .glom()
          .collect(),
    ],
    ['parallelize empty slices', (c) => c.parallelize([1, 2], 5).glom().collect()],
    ['range', (c) => c.range(3, 200, 7, 4).glom().collect()],
    ['textFile minPartitions', (c) => c.textFile(file, 3).getNumPartitions()],
    ['textFile count', (c) => c.textFile(file, 3).count()],
    [
      'narrow chain',
      (c) =>
        c
          .parallelize(
            Array.from({ length: 1000 }, (_, i) => i),
            3,
          )
          .map((x) => x * 3)
          .filter((x) => x % 2 === 0)
          .flatMap((x) => [x, -x])
          .mapPartitionsWithIndex((i, it) =>
            (async function* () {
              for await (const x of it) yield [i, x];
            })(),
          )
          .glom()
          .collect(),
    ],
    ['sample', (c) => c.range(0, 1000, 1, 3).sample(false, 0.1, 7).collect()],
    [
      'values and keys',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
            ] as [string, number][],
            2,
          )
          .mapValues((v) => v * 10)
          .keyBy((kv) => kv[0])
          .collect(),
    ],
    [
      'foldByKey',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .foldByKey(0, (a, b) => a + b, 2)
          .glom()
          .collect(),
    ],
    [
      'aggregateByKey',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .aggregateByKey(
            [0, 0] as [number, number],
            (acc, v) => [acc[0] + v, acc[1] + 1] as [number, number],
            (x, y) => [x[0] + y[0], x[1] + y[1]] as [number, number],
          )
          .collect(),
    ],
    [
      'combineByKey',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .combineByKey(
            (v) => [v],
            (acc: number[], v) => [...acc, v],
            (x, y) => [...x, ...y],
            3,
          )
          .glom()
          .collect(),
    ],
    [
      'countByKey',
      async (c) => [
        ...(await c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .countByKey()),
      ],
    ],
    [
      'countByValue',
      async (c) =>
        [
          ...(await c
            .textFile(file, 2)
            .flatMap((l) => l.split(' '))
            .countByValue()),
        ].slice(0, 50),
    ],
    ['reduce', (c) => c.range(0, 1000, 1, 3).reduce((a, b) => a + b)],
    [
      'lookup, partitioned or not',
      async (c) => {
        const kv = c.parallelize(
          [
            ['a', 1],
            ['b', 2],
            ['a', 3],
            [[1, 2], 4],
          ] as [unknown, number][],
          3,
        );
        return [
          await kv.lookup('a'),
          await kv.partitionBy(2).lookup([1, 2]),
          await kv.partitionBy(2).lookup('zz'),
        ];
      },
    ],
    [
      'sc.runJob over some partitions',
      (c) =>
        c.runJob(
          c.range(0, 20, 1, 4),
          (it) =>
            (async function* () {
              for await (const x of it) yield x * x;
            })(),
          [2, 0],
        ),
    ],
    [
      'union (text, parallelize, range, a shuffle)',
      (c) =>
        c
          .union([
            c.textFile(file, 2).map((l) => l.length),
            c.parallelize([1, 2, 3], 2),
            c.range(0, 5, 1, 2),
            c
              .parallelize([['a', 1]] as [string, number][], 1)
              .reduceByKey((x, y) => x + y, 2)
              .values(),
          ])
          .glom()
          .collect(),
    ],
    [
      'distinct, groupBy, repartition, coalesce with a shuffle',
      async (c) => [
        await c.parallelize([1, 2, 2, 3, 3, 3, 'a', 'a'], 3).distinct(2).glom().collect(),
        await c
          .range(0, 30, 1, 3)
          .groupBy((x) => x % 4, 2)
          .mapValues((v) => [...v])
          .glom()
          .collect(),
        await c.range(0, 30, 1, 3).repartition(4).glom().collect(),
        await c.range(0, 30, 1, 3).coalesce(2, true).glom().collect(),
      ],
    ],
    [
      'top, takeOrdered (with a key)',
      async (c) => [
        await c.range(0, 100, 1, 3).top(5),
        await c.parallelize(['bb', 'a', 'ccc', 'dd'], 2).takeOrdered(3, (x) => -x.length),
      ],
    ],
    ['takeSample', (c) => c.range(0, 1000, 1, 3).takeSample(false, 10, 7)],
    [
      'treeReduce, treeAggregate',
      async (c) => [
        await c.range(0, 100, 1, 5).treeReduce((a, b) => a + b),
        await c.range(0, 100, 1, 5).treeAggregate(
          0,
          (a, x) => a + x,
          (a, b) => a + b,
          3,
        ),
      ],
    ],
    [
      'groupByKey',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
              [[1, 2], 4],
            ] as [unknown, number][],
            3,
          )
          .groupByKey(2)
          .mapValues((vs) => [...vs])
          .glom()
          .collect(),
    ],
    [
      'partitionBy with a partition function',
      (c) =>
        c
          .parallelize(
            [
              [1, 'a'],
              [2, 'b'],
              [3, 'c'],
              [4, 'd'],
            ] as [number, string][],
            2,
          )
          .partitionBy(3, (k) => k * 7)
          .glom()
          .collect(),
    ],
    [
      'reduceByKey over an RDD partitioned alike (no second shuffle)',
      (c) =>
        c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .partitionBy(2)
          .reduceByKey((a, b) => a + b, 2)
          .glom()
          .collect(),
    ],
    [
      'collectAsMap',
      async (c) => [
        ...(await c
          .parallelize(
            [
              ['a', 1],
              ['b', 2],
              ['a', 3],
            ] as [string, number][],
            2,
          )
          .collectAsMap()),
      ],
    ],
    ['fold', (c) => c.parallelize([1, 2, 3, 4], 3).fold(10, (a, b) => a + b)],
    [
      'aggregate',
      (c) =>
        c.parallelize([1, 2, 3, 4], 2).aggregate(
          [0, 0],
          (acc: number[], x: number) => [(acc[0] as number) + x, (acc[1] as number) + 1],
          (a: number[], b: number[]) => [
            (a[0] as number) + (b[0] as number),
            (a[1] as number) + (b[1] as number),
          ],
        ),
    ],
    ['sum, mean', async (c) => [await c.range(0, 100, 1, 3).sum(), await c.range(0, 100, 1, 3).mean()]],
    ['stats', async (c) => (await c.parallelize([1, 2.5, 3, 10], 3).stats()).asDict()],
    [
      'max, min',
      async (c) => [await c.parallelize([3, 9, 1], 2).max(), await c.parallelize(['b', 'a'], 2).min()],
    ],
    [
      'first, take, isEmpty',
      async (c) => [
        await c.range(0, 50, 1, 5).first(),
        await c.range(0, 50, 1, 5).take(23),
        await c.parallelize([], 3).isEmpty(),
        await c.range(0, 50, 1, 5).take(0),
      ],
    ],
    ['take past a run of empty partitions', (c) => c.parallelize([1, 2, 3, 4, 5], 12).take(4)],
    [
      'values beyond JSON',
      (c) =>
        c
          .parallelize([Number.NaN, undefined, -0, 10n, new Map([[1, 2]]), new Date(0)], 2)
          .map((x) => [x])
          .collect(),
    ],
    [
      'the join family (each side tagged, one shuffle of both)',
      async (c) => {
        const left = c.parallelize(
          [
            ['a', 1],
            ['b', 2],
            ['a', 3],
            [[1, 2], 4],
            ['c', 5],
            [7, 6],
          ] as [unknown, number][],
          3,
        );
        const right = c
          .parallelize(
            [
              ['a', 'x'],
              ['c', 'y'],
              ['d', 'z'],
              [[1, 2], 'w'],
              ['a', 'v'],
            ] as [unknown, string][],
            2,
          )
          .reduceByKey((a, b) => a + b, 2);
        const out: unknown[] = [];
        for (const joined of [
          left.join(right, 3),
          left.leftOuterJoin(right, 2),
          left.rightOuterJoin(right),
          left.fullOuterJoin(right, 3),
          left.join(left, 2),
          // Partitioned alike: read where they are, on Spark as locally (a gather node).
          left.partitionBy(2).join(right, 2),
          left.partitionBy(2).fullOuterJoin(right.partitionBy(2), 2),
          left
            .partitionBy(3)
            .cogroup(right.partitionBy(3))
            .mapValues(([vs, ws]) => [[...vs], [...ws]]),
        ])
          out.push(await joined.glom().collect());
        out.push(
          await left
            .cogroup(right, 3)
            .mapValues(([vs, ws]) => [[...vs], [...ws]])
            .glom()
            .collect(),
        );
        out.push(
          await left
            .groupWith(right, left)
            .mapValues((sides) => sides.map((s) => [...s]))
            .glom()
            .collect(),
        );
        return out;
      },
    ],
    [
      'subtract, subtractByKey, intersection',
      async (c) => {
        const xs = c.parallelize([1, 2, 2, 3, 4, 'a', [1], 5], 3);
        const ys = c.parallelize([2, 4, 'a', [1], 6], 2);
        const kv = c.parallelize(
          [
            ['a', 1],
            ['b', 2],
            ['c', 3],
            ['a', 4],
          ] as [string, number][],
          2,
        );
        return [
          await xs.subtract(ys).glom().collect(),
          await xs.subtract(ys, 3).glom().collect(),
          await xs.intersection(ys).glom().collect(),
          await kv
            .subtractByKey(c.parallelize([['a', 0]] as [string, number][], 1))
            .glom()
            .collect(),
          await kv
            .subtractByKey(c.parallelize([['c', 0]] as [string, number][], 3), 3)
            .glom()
            .collect(),
        ];
      },
    ],
    [
      'toLocalIterator',
      async (c) => {
        const out = [];
        for await (const x of c.range(0, 10, 1, 3).toLocalIterator()) out.push(x);
        return out;
      },
    ],
  ];
  for (const [name, program] of programs) {
    const want = await program(local);
    const got = await program(suite.sc);
    t.deepEqual(got, want, name);
  }
});

sparkTest(
  'saveAsTextFile: Spark commits the parts (gzip and bzip2 too), read back as written locally',
  async (t) => {
    const data = suite.sc.parallelize(['a', 'b\nc', 'd', 7, [1, 2]], 3);
    for (const codec of [undefined, 'gzip', 'bzip2'] as const) {
      const out = path.join(suite.work, `saved-${codec ?? 'plain'}`);
      await data.saveAsTextFile(out, codec);
      t.true(existsSync(path.join(out, '_SUCCESS')));
      const parts = readdirSync(out)
        .filter((f) => f.startsWith('part-'))
        .sort();
      t.is(parts.length, 3, parts.join(','));
      if (codec === 'gzip') t.true(parts.every((p) => p.endsWith('.gz')));
      t.deepEqual(await local.textFile(out).collect(), ['a', 'b', 'c', 'd', '7', '1,2']);
    }
    const e = await rejects(t, data.saveAsTextFile(path.join(suite.work, 'saved-plain')));
    t.is((e as Error).name, 'PathExistsError');
  },
);

sparkTest('explain() prints the same plan, each stage marked executor=spark', async (t) => {
  const rdd = suite.sc
    .textFile('/data/in.txt')
    .map((l) => [l, 1] as [string, number])
    .reduceByKey((a, b) => a + b, 2);
  const text = rdd.explain();
  const plain = local
    .textFile('/data/in.txt')
    .map((l) => [l, 1] as [string, number])
    .reduceByKey((a, b) => a + b, 2)
    .explain();
  // Where each stage runs (and, on Spark, the bridge RDDs it becomes) is all that differs
  // (with SPARKLING_WORKERS, local mode's says workers or main).
  const plan = (x: string) =>
    x.replace(/ executor=\S+(?: reason="[^"]*")?(?: rdds=\S+)?/g, '').replace(/\[\d+\]/g, '');
  t.is(plan(text), plan(plain));
  t.is(text.match(/executor=spark rdds=/g)?.length, 2, text);
  t.regex(text, /reduceByKey\[\d+\] .* executor=spark rdds=pipe\(2\)<-shuffle\(2\)\n/);
  t.regex(text, /map\[\d+\] executor=spark rdds=pipe\(\?\)<-textFile\(\?\)\n/);
});

// --- What cannot travel ---

sparkTest(
  'a function whose capture cannot travel rejects before a Spark job starts, naming the variable',
  async (t) => {
    const before = (await sparkJobs()).length;
    const base = new URL('http://example.com/');
    const e = await rejects(
      t,
      suite.sc
        .parallelize(['a'], 1)
        .map((p) => new URL(p, base).href)
        .collect(),
    );
    t.true(e instanceof ArgumentError, String(e));
    t.regex((e as Error).message, /'base'/);
    t.is((await sparkJobs()).length, before);
  },
);

// --- Failures ---

sparkTest(
  'a task that fails on its first attempt only (a marker) gives the exact result; an accumulator counts kept attempts once',
  async (t) => {
    const marker = path.join(suite.work, 'failed-once');
    const seen = suite.sc.accumulator(0);
    const rdd = suite.sc.range(0, 3000, 1, 3).map((x) => {
      seen.add(1);
      if (x === 1500 && !existsSync(marker)) {
        mkdirSync(marker);
        throw new Error('the first attempt fails');
      }
      return [x % 10, x] as [number, number];
    });
    const got = await rdd
      .reduceByKey((a, b) => a + b, 2)
      .glom()
      .collect();
    const want = await local
      .range(0, 3000, 1, 3)
      .map((x) => [x % 10, x] as [number, number])
      .reduceByKey((a, b) => a + b, 2)
      .glom()
      .collect();
    t.true(existsSync(marker));
    t.deepEqual(got, want);
    t.is(seen.value, 3000);
  },
);

sparkTest(
  'cache() keeps the records in Spark: a second action does not run the functions again; unpersist() lets go',
  async (t) => {
    const calls = suite.sc.accumulator(0);
    const rdd = suite.sc
      .range(0, 300, 1, 3)
      .map((x) => {
        calls.add(1);
        return [x % 7, x] as [number, number];
      })
      .cache();
    const sums = rdd.reduceByKey((a, b) => a + b, 2);
    const want = await local
      .range(0, 300, 1, 3)
      .map((x) => [x % 7, x] as [number, number])
      .reduceByKey((a, b) => a + b, 2)
      .glom()
      .collect();
    t.deepEqual(await sums.glom().collect(), want);
    t.is(calls.value, 300);
    t.is(await rdd.count(), 300);
    t.deepEqual(await rdd.take(2), [
      [0, 0],
      [1, 1],
    ]);
    t.is(calls.value, 300, 'read from the cache');
    t.regex(sums.explain(), /map\[\d+\] cached executor=spark/);
    rdd.unpersist();
    t.is(await rdd.count(), 300);
    t.is(calls.value, 600, 'computed again after unpersist()');
  },
);

sparkTest(
  'foreach and foreachPartition run on the executors; what they add to accumulators comes back',
  async (t) => {
    const sum = suite.sc.accumulator(0);
    await suite.sc.range(0, 1000, 1, 3).foreach((x) => {
      sum.add(x);
    });
    t.is(sum.value, 499500);
    const sizes = suite.sc.accumulator(0);
    await suite.sc.range(0, 1000, 1, 3).foreachPartition(async (it) => {
      for await (const _ of it) sizes.add(1);
    });
    t.is(sizes.value, 1000);
  },
);

sparkTest(
  'a function that keeps failing: TaskError with operator, partition, attempts and the original error; the Context keeps working',
  async (t) => {
    const rdd = suite.sc.parallelize([1, 2, 3, 4], 2).map((x) => {
      if (x === 3) throw new RangeError(`bad ${x}`);
      return x;
    });
    const e = await rejects(t, rdd.collect());
    t.true(e instanceof TaskError, String(e));
    const te = e as TaskError;
    t.is(te.operator, 'map');
    t.is(te.rddId, rdd.id());
    t.is(te.partition, 1);
    t.is(te.attempts, 4, 'spark.task.maxFailures (4 on a cluster)');
    t.is((te.cause as Error).name, 'RangeError');
    t.is((te.cause as Error).message, 'bad 3');
    t.regex((te.cause as Error).stack ?? '', /RangeError: bad 3/);
    t.is(await suite.sc.parallelize([1, 2, 3], 2).count(), 3);
  },
);

sparkTest('first() over a 20-split file runs one task (Spark REST API)', async (t) => {
  const file = path.join(suite.work, 'twenty.txt');
  await corpus(file, 1, 4);
  const rdd = suite.sc.textFile(file, 20);
  t.true((await rdd.getNumPartitions()) >= 20);
  const before = new Set((await sparkJobs()).map((j) => j.jobId));
  t.is(await rdd.first(), readFileSync(file, 'utf8').split('\n')[0] as string);
  const jobs = await eventually('the job in the REST API', 30_000, async () => {
    const js = (await sparkJobs()).filter((j) => !before.has(j.jobId));
    return js.length > 0 && js.every((j) => j.status === 'SUCCEEDED') ? js : undefined;
  });
  t.is(jobs.length, 1);
  t.is(jobs[0]?.numTasks, 1);
  const a = await app();
  const stages = await rest<{ stageId: number; numTasks: number; status: string }[]>(
    `${a.ui}/api/v1/applications/${a.id}/stages`,
  );
  const ran = stages.filter((s) => jobs[0]?.stageIds.includes(s.stageId) && s.status !== 'SKIPPED');
  t.is(ran.length, 1);
  t.is(ran[0]?.numTasks, 1);
});

/** The worker (name, PID) whose web UI lists an executor of this application. */
async function workerOfApp(appId: string): Promise<{ name: string; pid: number } | undefined> {
  for (const name of readdirSync(path.join(suite.cluster.dir, 'ui'))) {
    const ui = readFileSync(path.join(suite.cluster.dir, 'ui', name), 'utf8').trim();
    const pidFile = path.join(suite.cluster.dir, 'pids', `${name}.pid`);
    if (!existsSync(pidFile)) continue;
    const w = await rest<{ executors: { appid: string }[] }>(`${ui}/json/`).catch(() => undefined);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (alive(pid) && w?.executors.some((e) => e.appid === appId)) return { name, pid };
  }
  return undefined;
}

sparkTest(
  'a worker killed (SIGKILL) in the middle of a word count with a shuffle: the result is still exact',
  async (t) => {
    const a = await app();
    const activeExecutors = async () =>
      (
        await rest<{ id: string; isActive: boolean }[]>(`${a.ui}/api/v1/applications/${a.id}/executors`)
      ).filter((e) => e.id !== 'driver' && e.isActive).length;
    await eventually('two executors', 120_000, async () =>
      (await activeExecutors()) === 2 ? true : undefined,
    );
    const file = path.join(suite.work, 'kill.txt');
    await corpus(file, 6, 6);
    const want = await wordCount(local, file, 8, 3).glom().collect();
    const before = new Set((await sparkJobs()).map((j) => j.jobId));
    let killed: { name: string; pid: number } | undefined;
    const killer = (async () => {
      // Once the job has finished a task, kill a worker running one of the application's executors.
      await eventually('a finished task', 120_000, async () => {
        const js = (await sparkJobs()).filter((j) => !before.has(j.jobId));
        const stages = await rest<{ stageId: number; numCompleteTasks: number }[]>(
          `${a.ui}/api/v1/applications/${a.id}/stages`,
        );
        return js.some((j) => stages.some((s) => j.stageIds.includes(s.stageId) && s.numCompleteTasks > 0))
          ? true
          : undefined;
      });
      killed = await workerOfApp(a.id);
      if (killed) process.kill(killed.pid, 'SIGKILL');
    })();
    const got = await wordCount(suite.sc, file, 8, 3).glom().collect();
    await killer;
    t.truthy(killed, 'a worker was killed while the job ran');
    t.log(`killed ${killed?.name} (pid ${killed?.pid})`);
    t.deepEqual(got, want);
    // The cluster gets its second worker back (for the next spec file and run).
    const replacement = await suite.cluster.addWorker();
    t.log(`${replacement.name} replaces it`);
  },
);

// --- The application's life ---

sparkTest(
  'a driver that exits without stop() leaves no bridge JVM behind; stop() ends the application',
  async (t) => {
    const script = path.join(suite.work, 'no-stop.mts');
    await writeFile(
      script,
      `import { Context } from ${JSON.stringify(path.join(ROOT, 'lib/index.ts'))};
const sc = new Context({ master: 'local[1]', spark: { conf: { 'spark.ui.enabled': false } } });
console.log(await sc.parallelize([1, 2, 3], 2).map((x) => x * 2).sum());
const bridge = await sc._runtime.cluster.bridge();
console.log(bridge.pid);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    t.is(code, 0, err);
    const [sum, pid] = out.trim().split('\n');
    t.is(sum, '12');
    await eventually('the orphaned bridge JVM gone', 90_000, async () =>
      alive(Number(pid)) ? undefined : true,
    );
    // stop(): the application ends and its JVM exits.
    const a = await app();
    suite.sc.stop();
    await eventually('the bridge JVM gone', 90_000, async () => (alive(a.pid as number) ? undefined : true));
    t.throws(() => suite.sc.parallelize([1]), { message: /stopped/ });
  },
);

/** Runs an example as a user would, with `env` added; its output. */
function example(name: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', path.join('examples', name)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${name} exited ${code}: ${err}`)),
    );
  });
}

sparkTest(
  'examples/spark-wordcount.ts runs on the cluster with SPARKLING_MASTER and prints what it prints locally',
  async (t) => {
    const here = await example('spark-wordcount.ts', { SPARKLING_MASTER: '' });
    const there = await example('spark-wordcount.ts', { SPARKLING_MASTER: suite.cluster.master });
    t.true(there.includes(`running on: ${suite.cluster.master}\n`), there);
    t.regex(there, /executor=spark rdds=pipe\(\d+\)<-/);
    const body = (text: string) =>
      text.replace(/running on: .*\n/, '').replace(/ executor=\S+(?: reason="[^"]*")?(?: rdds=\S+)?/g, '');
    t.is(body(there), body(here));
  },
);
