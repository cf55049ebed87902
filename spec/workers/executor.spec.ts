import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ArgumentError, Context, SparklingError, TaskError } from '../../lib/index.js';
import { PARTITIONS, range, sorted } from '../helpers.js';

const workers = (n = 2) => new Context({ defaultParallelism: 2, workers: n });

const data = range(60).map((i) => (i * 7919) % 61);
const words = ['a b c', 'b c', 'c', 'd a b', '', 'e e e'];

/** Whether each partition ran on a worker thread (import() of a builtin is allowed in a shipped function). */
const onWorker = async (sc: Context, n: number): Promise<boolean[]> =>
  sc
    .parallelize(range(n), n)
    .mapPartitions(async function* (it) {
      const { isMainThread } = await import('node:worker_threads');
      for await (const _ of it) yield !isMainThread;
    })
    .collect();

for (const n of PARTITIONS) {
  test(`workers: 2 gives the single-threaded results, at ${n} partitions`, async (t) => {
    const sc = workers();
    const rdd = sc.parallelize(data, n);
    t.deepEqual(
      await rdd
        .map((x) => x * 2)
        .filter((x) => x % 3 !== 0)
        .collect(),
      data.map((x) => x * 2).filter((x) => x % 3 !== 0),
    );
    t.is(await rdd.count(), data.length);
    t.is(
      await rdd.sum(),
      data.reduce((a, b) => a + b, 0),
    );
    t.is(await rdd.reduce((a, b) => Math.max(a, b)), Math.max(...data));
    t.is(
      await rdd.fold(0, (a, b) => a + b),
      data.reduce((a, b) => a + b, 0),
    );
    t.deepEqual(
      await rdd.aggregate(
        [0, 0] as [number, number],
        (acc, x): [number, number] => [acc[0] + x, acc[1] + 1],
        (a, b): [number, number] => [a[0] + b[0], a[1] + b[1]],
      ),
      [data.reduce((a, b) => a + b, 0), data.length],
    );
    const counts = await sc
      .parallelize(words, n)
      .flatMap((l) => l.split(' '))
      .filter((w) => w !== '')
      .map((w): [string, number] => [w, 1])
      .reduceByKey((a, b) => a + b)
      .collect();
    t.deepEqual(sorted(counts), [
      ['a', 2],
      ['b', 3],
      ['c', 3],
      ['d', 1],
      ['e', 3],
    ]);
    const pairs = data.map((x): [number, number] => [x % 5, x]);
    const left = sc.parallelize(pairs, n);
    const right = sc.parallelize(
      [
        [0, 'zero'],
        [1, 'one'],
      ] as [number, string][],
      n,
    );
    const joined = await left.join(right).collect();
    t.deepEqual(
      sorted(joined),
      sorted(pairs.filter(([k]) => k < 2).map(([k, v]) => [k, [v, k === 0 ? 'zero' : 'one']])),
    );
    t.deepEqual(
      await rdd.sortBy((x) => -x).collect(),
      [...data].sort((a, b) => b - a),
    );
    t.deepEqual(
      sorted(
        await rdd
          .map((x) => x % 7)
          .distinct()
          .collect(),
      ),
      range(7),
    );
    t.deepEqual(
      await rdd
        .zipWithIndex()
        .map(([x, i]) => x * 1000 + i)
        .collect(),
      data.map((x, i) => x * 1000 + i),
    );
    const cached = rdd.map((x) => x + 1).cache();
    t.is(await cached.count(), data.length);
    t.deepEqual(await cached.map((x) => x - 1).collect(), data);
    sc.stop();
  });
}

test('shippable stages run on worker threads, and explain() says so per stage', async (t) => {
  const sc = workers();
  t.deepEqual(await onWorker(sc, 3), [true, true, true]);
  const plan = sc
    .parallelize(words, 2)
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b)
    .mapValues((n) => n * 10)
    .explain();
  t.is(
    plan,
    [
      '(2) mapValues[6] executor=workers',
      ' |  reduceByKey[5] numPartitions=2 partitioner=hash',
      ' +-(2) map[4] executor=workers',
      '    |  flatMap[3]',
      '    |  parallelize[2]',
    ].join('\n'),
  );
  sc.stop();
});

test('a captured const travels by value: the stage runs on the workers, and explain() says so', async (t) => {
  const sc = workers();
  const threshold = 30;
  const rdd = sc.parallelize(data, 3).filter((x) => x > threshold);
  t.is(rdd.explain(), '(3) filter[1] executor=workers\n |  parallelize[0]');
  t.deepEqual(
    await rdd.collect(),
    data.filter((x) => x > threshold),
  );
  // Captured Maps, Sets, objects, a helper function and a built-in module's binding travel too.
  const names = new Map([
    [0, 'zero'],
    [1, 'one'],
  ]);
  const limits = { low: 10, high: 50 };
  const parity = (x: number) => names.get(x % 2);
  const described = rdd.map(
    (x) => `${parity(x)}:${x > limits.high}:${createHash('md5').update(String(x)).digest('hex').length}`,
  );
  t.regex(described.explain(), /^\(3\) map\[2\] executor=workers/);
  t.deepEqual(
    await described.collect(),
    data.filter((x) => x > threshold).map((x) => `${x % 2 === 0 ? 'zero' : 'one'}:${x > 50}:32`),
  );
  t.deepEqual(await onWorker(sc, 2), [true, true]);
  sc.stop();
});

test('a function that captures what cannot travel runs on the main thread; explain() names it', async (t) => {
  const sc = workers();
  const base = new URL('http://example.com/');
  const rdd = sc.parallelize(['a', 'b'], 2).map((p) => new URL(p, base).href);
  t.is(
    rdd.explain(),
    `(2) map[1] executor=main reason="map[1] captures 'base' holding a URL, which structured clone would not keep"\n |  parallelize[0]`,
  );
  t.deepEqual(await rdd.collect(), ['http://example.com/a', 'http://example.com/b']);
  // The stage after a shuffle still runs on workers when its own functions ship.
  const after = rdd
    .map((x): [number, string] => [x.length % 2, x])
    .groupByKey()
    .mapValues((vs) => vs.length);
  t.regex(after.explain(), /^\(2\) mapValues\[4\] executor=workers/);
  t.regex(after.explain(), /\+-\(2\) map\[2\] executor=main reason="map\[1\] captures 'base' holding a URL/);
  t.deepEqual(await after.collect(), [[0, 2]]);
  sc.stop();
});

test('strict mode: an unshippable function is an ArgumentError before anything runs', async (t) => {
  const sc = new Context({ defaultParallelism: 2, workers: { n: 2, strict: true } });
  let calls = 0;
  const offset = 1;
  const rdd = sc.parallelize(data, 2).map((x) => {
    calls++;
    return x + offset;
  });
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: ArgumentError });
  t.regex(e?.message ?? '', /map\[1\] assigns to captured 'calls'/);
  t.is(calls, 0);
  // toLocalIterator refuses as collect() does, before anything runs.
  const it = rdd.toLocalIterator()[Symbol.asyncIterator]();
  await t.throwsAsync(() => it.next(), { instanceOf: ArgumentError, message: /assigns to captured 'calls'/ });
  t.is(calls, 0);
  // A captured const is no reason to refuse: it travels by value.
  t.deepEqual(
    await sc
      .parallelize(data, 2)
      .map((x) => x + offset)
      .collect(),
    data.map((x) => x + offset),
  );
  t.deepEqual(
    await sc
      .parallelize(data, 2)
      .map((x) => x + 1)
      .collect(),
    data.map((x) => x + 1),
  );
  t.throws(() => new Context({ workers: { n: 2, strict: 'yes' as unknown as boolean } }), {
    instanceOf: ArgumentError,
  });
  t.throws(() => new Context({ workers: -1 }), { instanceOf: ArgumentError });
  sc.stop();
});

test('broadcast values are read in workers as bc.value', async (t) => {
  const sc = workers();
  const names = sc.broadcast(
    new Map([
      [0, 'zero'],
      [1, 'one'],
    ]),
  );
  const rdd = sc.parallelize(data, 3).map((x) => names.value.get(x % 2));
  t.regex(rdd.explain(), /executor=workers/);
  t.deepEqual(
    await rdd.collect(),
    data.map((x) => (x % 2 === 0 ? 'zero' : 'one')),
  );
  t.deepEqual(await onWorker(sc, 2), [true, true]);
  sc.stop();
});

test('a broadcast destroyed after workers read it fails there as on the main thread', async (t) => {
  for (const n of [0, 2]) {
    const sc = workers(n);
    const offset = sc.broadcast(10);
    const rdd = sc.parallelize(data, 2).map((x) => x + offset.value);
    t.deepEqual(
      await rdd.collect(),
      data.map((x) => x + 10),
      `workers: ${n}`,
    );
    offset.destroy();
    // As on the main thread: the library's own error, not a TaskError around it.
    const e = await t.throwsAsync(
      rdd.collect(),
      { instanceOf: SparklingError, message: /broadcast variable after it was destroyed/ },
      `workers: ${n}`,
    );
    t.false(e instanceof TaskError, `workers: ${n}: ${String(e)}`);
    t.is(e?.constructor, SparklingError, `workers: ${n}`);
    sc.stop();
  }
});

test('an unpersisted broadcast is sent to workers again when a task reads it', async (t) => {
  const sc = workers();
  const table = sc.broadcast(['a', 'b']);
  const rdd = sc.parallelize(range(6), 2).map((i) => table.value[i % 2]);
  t.deepEqual(await rdd.collect(), ['a', 'b', 'a', 'b', 'a', 'b']);
  table.unpersist();
  t.deepEqual(await rdd.collect(), ['a', 'b', 'a', 'b', 'a', 'b']);
  t.deepEqual(await onWorker(sc, 2), [true, true]);
  sc.stop();
});

test('workers read the files the main thread listed: a file added after the first action is not read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-listing-'));
  try {
    writeFileSync(join(dir, 'b.txt'), 'b1\nb2\n');
    writeFileSync(join(dir, 'c.txt'), 'c1\n');
    for (const n of [0, 2]) {
      const sc = workers(n);
      const lines = sc.textFile(dir).map((l) => l.toUpperCase());
      t.deepEqual(await lines.collect(), ['B1', 'B2', 'C1'], `workers: ${n}`);
      const partitions = await lines.getNumPartitions();
      // As in Spark, an RDD's partitions are fixed at its first action: a new file (listed first) is not
      // read, and no partition of a worker's own listing stands in for another.
      writeFileSync(join(dir, 'a.txt'), 'a1\n');
      t.deepEqual(await lines.collect(), ['B1', 'B2', 'C1'], `workers: ${n}`);
      t.is(await lines.getNumPartitions(), partitions, `workers: ${n}`);
      rmSync(join(dir, 'a.txt'));
      sc.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const n of PARTITIONS)
  test(`a cached RDD between two stages on workers is computed once, not waited on by its own task, at ${n} partitions`, async (t) => {
    // The next stage's task pulls the cached partition; the main thread has a worker compute it, and that
    // task used to pull the same partition again and wait on itself: the job hung.
    const sc = workers();
    const calls = sc.accumulator(0);
    const cached = sc
      .parallelize(data, n)
      .map((x) => {
        calls.add(1);
        return x * 2;
      })
      .cache();
    const next = cached.map((x) => x + 1);
    t.regex(next.explain(), /executor=workers/);
    t.deepEqual(
      await next.collect(),
      data.map((x) => x * 2 + 1),
    );
    t.deepEqual(await next.filter((x) => x > 60).count(), data.filter((x) => x * 2 + 1 > 60).length);
    t.is(calls.value, data.length, 'each element computed once, then read from the cache');
    sc.stop();
  });

test('accumulators updated in workers are merged into the driver value', async (t) => {
  const sc = workers();
  const total = sc.accumulator(0);
  const seen = sc.accumulator<number[]>([], { zero: () => [], addInPlace: (a, b) => a.concat(b) });
  const rdd = sc.parallelize(data, 4).map((x) => {
    total.add(x);
    seen.add([x]);
    return x;
  });
  t.regex(rdd.explain(), /executor=workers/);
  t.is(await rdd.count(), data.length);
  t.is(
    total.value,
    data.reduce((a, b) => a + b, 0),
  );
  t.deepEqual(sorted(seen.value), sorted(data));
  sc.stop();
});

test('async functions in mapPartitions run in workers', async (t) => {
  const sc = workers();
  const out = await sc
    .parallelize(data, 3)
    .mapPartitions(async (it) => {
      const xs: number[] = [];
      for await (const x of it) xs.push(x);
      await new Promise((r) => setTimeout(r, 1));
      return [xs.reduce((a, b) => a + b, 0)];
    })
    .collect();
  t.is(out.length, 3);
  t.is(
    out.reduce((a, b) => a + b, 0),
    data.reduce((a, b) => a + b, 0),
  );
  sc.stop();
});

test('an error thrown in a worker is a TaskError with the original message and stack', async (t) => {
  const sc = workers();
  const rdd = sc.parallelize(data, 3).map((x) => {
    // 5 is data[55], in partition 2.
    if (x === 5) throw new TypeError(`bad ${x}`);
    return x;
  });
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: TaskError });
  t.is(e?.operator, 'map');
  t.is(e?.rddId, rdd.id());
  t.is(e?.partition, 2);
  t.true(e?.cause instanceof TypeError);
  t.is((e?.cause as Error).message, 'bad 5');
  t.regex((e?.cause as Error).stack ?? '', /TypeError: bad/);
  t.deepEqual(
    await sc
      .parallelize([1, 2], 2)
      .map((x) => x * 3)
      .collect(),
    [3, 6],
  );
  sc.stop();
});

test.serial(
  'a worker that dies fails the job with a TaskError and is replaced (serial: it kills workers other tests share)',
  async (t) => {
    const sc = workers();
    const rdd = sc.parallelize(data, 3).map((x) => {
      if (x === 5) process.exit(3);
      return x;
    });
    // Never on the main thread: it would end the test process.
    t.regex(rdd.explain(), /^\(3\) map\[1\] executor=workers/);
    const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: TaskError });
    t.regex(e?.message ?? '', /worker thread \d exited with code 3/);
    t.deepEqual(
      await sc
        .parallelize(data, 3)
        .map((x) => x + 1)
        .collect(),
      data.map((x) => x + 1),
    );
    t.deepEqual(await onWorker(sc, 2), [true, true]);
    sc.stop();
  },
);

test('workers end with the process: a script that never calls stop() exits by itself', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-workers-'));
  try {
    const script = join(dir, 'job.mts');
    const lib = join(process.cwd(), 'lib/index.ts');
    writeFileSync(
      script,
      `import { Context } from ${JSON.stringify(lib)};
const sc = new Context({ workers: 2 });
console.log(await sc.range(0, 1000, 1, 4).map((x) => x * 2).sum());`,
    );
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import=tsx', script], { encoding: 'utf8', timeout: 30_000 });
    t.is(r.status, 0, r.stderr);
    t.is(r.stdout.trim(), '999000');
    t.log(`the process exited after ${Date.now() - started} ms (start-up included)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('values structured clone cannot copy (a URL) are computed on the main thread instead', async (t) => {
  const sc = workers();
  const paths = ['a', 'b', 'c', 'd', 'e'];
  const urls = sc.parallelize(paths, 2).map((p) => new URL(`http://example.com/${p}`));
  t.regex(urls.explain(), /executor=workers/);
  const got = await urls.collect();
  t.true(got.every((u) => u instanceof URL));
  t.deepEqual(
    got.map((u) => u.pathname),
    paths.map((p) => `/${p}`),
  );
  const streamed = await urls.glom().collect();
  t.deepEqual(
    streamed.map((part) => part.map((u) => u.href)),
    [
      ['http://example.com/a', 'http://example.com/b'],
      ['http://example.com/c', 'http://example.com/d', 'http://example.com/e'],
    ],
  );
  const keyed = await urls
    .map((u): [string, URL] => [u.pathname, u])
    .groupByKey()
    .mapValues((us) => us.length)
    .collect();
  t.deepEqual(
    sorted(keyed),
    paths.map((p) => [`/${p}`, 1]),
  );
  sc.stop();
});

test('parallelized class instances are not sent to workers: the stage runs on the main thread', async (t) => {
  const sc = workers();
  const urls = ['a', 'b', 'c'].map((p) => new URL(`http://example.com/${p}`));
  const hrefs = await sc
    .parallelize(urls, 2)
    .map((u) => u.href)
    .collect();
  t.deepEqual(
    hrefs,
    urls.map((u) => u.href),
  );
  sc.stop();
});
