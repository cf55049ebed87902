import test from 'ava';
import { EmptyRDDError, TaskError } from '../lib/index.js';
import { context, PARTITIONS, range, sorted } from './helpers.js';

const data = range(50).map((i) => (i * 7919) % 61);

for (const n of PARTITIONS) {
  test(`narrow operators match the array reference at ${n} partitions`, async (t) => {
    const sc = context();
    const rdd = sc.parallelize(data, n);
    t.deepEqual(
      await rdd.map((x) => x * 2).collect(),
      data.map((x) => x * 2),
    );
    t.deepEqual(
      await rdd.filter((x) => x % 3 === 0).collect(),
      data.filter((x) => x % 3 === 0),
    );
    t.deepEqual(
      await rdd.flatMap((x) => [x, -x]).collect(),
      data.flatMap((x) => [x, -x]),
    );
    t.deepEqual(await rdd.flatMap((x) => new Set([x])).collect(), data);
    t.deepEqual(
      await rdd.keyBy((x) => x % 5).collect(),
      data.map((x) => [x % 5, x]),
    );
    const pairs = data.map((x): [number, number] => [x % 4, x]);
    const prdd = sc.parallelize(pairs, n);
    t.deepEqual(
      await prdd.mapValues((v) => v + 1).collect(),
      pairs.map(([k, v]) => [k, v + 1]),
    );
    t.deepEqual(
      await prdd.flatMapValues((v) => [v, v]).collect(),
      pairs.flatMap(([k, v]) => [
        [k, v],
        [k, v],
      ]),
    );
    t.deepEqual(
      await prdd.keys().collect(),
      pairs.map(([k]) => k),
    );
    t.deepEqual(
      await prdd.values().collect(),
      pairs.map(([, v]) => v),
    );
    t.deepEqual((await rdd.glom().collect()).flat(), data);
    t.is((await rdd.glom().collect()).length, n);
    t.deepEqual(
      await rdd.zipWithIndex().collect(),
      data.map((x, i) => [x, i]),
    );
    const ids = (await rdd.zipWithUniqueId().collect()).map(([, id]) => id);
    t.is(new Set(ids).size, data.length);
    t.deepEqual(await rdd.union(sc.parallelize([1, 2], 3)).collect(), [...data, 1, 2]);
    t.deepEqual(
      await rdd.zip(rdd.map(String)).collect(),
      data.map((x) => [x, String(x)]),
    );
    t.deepEqual(await rdd.coalesce(2).collect(), data);
    t.is(await rdd.coalesce(2).getNumPartitions(), Math.min(2, n));
    t.deepEqual(
      await rdd
        .mapPartitions(async function* (it) {
          for await (const x of it) yield x + 1;
        })
        .collect(),
      data.map((x) => x + 1),
    );
    t.deepEqual(await rdd.mapPartitionsWithIndex((i, _it) => [i]).collect(), range(n));
  });

  test(`actions match the array reference at ${n} partitions`, async (t) => {
    const sc = context();
    const rdd = sc.parallelize(data, n);
    const sum = data.reduce((a, b) => a + b, 0);
    t.is(await rdd.count(), data.length);
    t.is(await rdd.first(), data[0] as number);
    t.deepEqual(await rdd.take(7), data.slice(0, 7));
    t.deepEqual(await rdd.take(500), data);
    t.deepEqual(await rdd.top(4), sorted(data).reverse().slice(0, 4));
    t.deepEqual(await rdd.takeOrdered(4), sorted(data).slice(0, 4));
    t.deepEqual(await rdd.takeOrdered(3, (x) => -x), sorted(data).reverse().slice(0, 3));
    t.is(await rdd.reduce((a, b) => a + b), sum);
    t.is(await rdd.treeReduce((a, b) => a + b, 3), sum);
    t.is(await rdd.fold(0, (a, b) => a + b), sum);
    t.is(await rdd.fold(1, (a, b) => a + b), sum + n + 1);
    t.is(
      await rdd.aggregate(
        0,
        (a, x) => a + x,
        (a, b) => a + b,
      ),
      sum,
    );
    t.is(
      await rdd.treeAggregate(
        0,
        (a, x) => a + x,
        (a, b) => a + b,
        2,
      ),
      sum,
    );
    t.is(await rdd.sum(), sum);
    t.is(await rdd.max(), Math.max(...data));
    t.is(await rdd.min(), Math.min(...data));
    t.is(await rdd.max((x) => -x), Math.min(...data));
    t.true(Math.abs((await rdd.mean()) - sum / data.length) < 1e-9);
    const counts = new Map<number, number>();
    for (const x of data) counts.set(x, (counts.get(x) ?? 0) + 1);
    t.deepEqual(new Map(await rdd.countByValue()), counts);
    t.false(await rdd.isEmpty());
    const seen: number[] = [];
    await rdd.foreach((x) => {
      seen.push(x);
    });
    t.deepEqual(sorted(seen), sorted(data));
    const fromIterator: number[] = [];
    for await (const x of rdd.toLocalIterator()) fromIterator.push(x);
    t.deepEqual(fromIterator, data);
  });
}

test('parallelize slices like PySpark', async (t) => {
  const sc = context();
  t.deepEqual(await sc.parallelize([1, 2, 3, 4, 5, 6, 7, 8], 5).glom().collect(), [
    [1],
    [2, 3],
    [4],
    [5, 6],
    [7, 8],
  ]);
  t.deepEqual(await sc.parallelize([], 3).glom().collect(), [[], [], []]);
  t.is(await sc.parallelize([1, 2, 3]).getNumPartitions(), 2);
});

test('range is lazy, sliced like PySpark and accepts undefined optional arguments', async (t) => {
  const sc = context();
  t.deepEqual(await sc.range(0, 10, 3, 3).glom().collect(), [[0], [3], [6, 9]]);
  t.deepEqual(await sc.range(5).glom().collect(), [
    [0, 1],
    [2, 3, 4],
  ]);
  t.deepEqual(await sc.range(5, undefined, undefined, 10).collect(), [0, 1, 2, 3, 4]);
  t.deepEqual(await sc.range(10, 0, -3).collect(), [10, 7, 4, 1]);
  t.deepEqual(await sc.range(0, 1e12, 1, 4).take(3), [0, 1, 2]);
});

test('first() on 20 partitions of 5 computes only the first partition', async (t) => {
  const sc = context();
  let calls = 0;
  const first = await sc
    .parallelize(range(100), 20)
    .map((n) => {
      calls++;
      return n + 10;
    })
    .first();
  t.is(first, 10);
  t.true(calls <= 5, `map called ${calls} times`);
});

test('take(n) stops the source early: its finally runs and no more is pulled', async (t) => {
  const sc = context();
  let pulled = 0;
  let closed = 0;
  const rdd = sc.parallelize([0], 1).mapPartitions(async function* () {
    try {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    } finally {
      closed++;
    }
  });
  t.deepEqual(await rdd.take(3), [0, 1, 2]);
  t.is(closed, 1);
  t.true(pulled < 10_000, `pulled ${pulled}`);
});

test('a cached RDD computes each partition once; first() caches only the partition it touched', async (t) => {
  const sc = context();
  let calls = 0;
  const rdd = sc
    .parallelize(range(100), 20)
    .map((n) => {
      calls++;
      return n + 10;
    })
    .cache();
  t.is(await rdd.first(), 10);
  t.is(calls, 5);
  t.deepEqual(
    await rdd.collect(),
    range(100).map((n) => n + 10),
  );
  t.is(calls, 100);
  t.is(await rdd.count(), 100);
  t.is(calls, 100);
  const results = await Promise.all(range(20).map(() => rdd.sum()));
  t.true(results.every((s) => s === 5950));
  t.is(calls, 100);
  rdd.unpersist();
  await rdd.count();
  t.is(calls, 200);
});

test('empty RDDs: PySpark errors for first/reduce/max, zero for sum and count', async (t) => {
  const sc = context();
  const empty = sc.parallelize([] as number[], 2);
  await t.throwsAsync(() => empty.first(), { instanceOf: EmptyRDDError, message: 'RDD is empty' });
  await t.throwsAsync(() => empty.reduce((a, b) => a + b), {
    instanceOf: EmptyRDDError,
    message: 'Can not reduce() empty RDD',
  });
  await t.throwsAsync(() => empty.max(), { instanceOf: EmptyRDDError });
  t.is(await empty.sum(), 0);
  t.is(await empty.count(), 0);
  t.is(await empty.mean(), 0);
  t.true(Number.isNaN(await empty.variance()));
  t.true(await empty.isEmpty());
  t.true(await sc.emptyRDD().isEmpty());
  t.is(await sc.emptyRDD().getNumPartitions(), 0);
  t.deepEqual(await empty.take(3), []);
});

test('a throw in user code rejects with TaskError naming operator, RDD id and partition', async (t) => {
  const sc = context();
  const boom = new Error('boom');
  const mapped = sc.parallelize(range(10), 5).map((x) => {
    if (x === 7) throw boom;
    return x;
  });
  const err = await t.throwsAsync(() => mapped.collect(), { instanceOf: TaskError });
  t.is(err?.operator, 'map');
  t.is(err?.rddId, mapped.id());
  t.is(err?.partition, 3);
  t.is(err?.cause, boom);
  t.deepEqual(
    await sc
      .parallelize([1, 2])
      .map((x) => x * 3)
      .collect(),
    [3, 6],
  );
});

test('zip checks partition counts at once and element counts when run', async (t) => {
  const sc = context();
  t.throws(() => sc.parallelize([1, 2], 2).zip(sc.parallelize([1, 2], 3)), {
    message: 'Can only zip with RDD which has the same number of partitions',
  });
  await t.throwsAsync(
    () =>
      sc
        .parallelize([1, 2, 3], 2)
        .zip(sc.parallelize([1, 2], 2))
        .collect(),
    {
      message: /same number of elements in each partition/,
    },
  );
});

test('mapPartitions accepts arrays, iterables, async iterables and promises', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([1, 2, 3, 4], 2);
  t.deepEqual(await rdd.mapPartitions(() => [0]).collect(), [0, 0]);
  t.deepEqual(await rdd.mapPartitions(() => new Set([9])).collect(), [9, 9]);
  t.deepEqual(await rdd.mapPartitions(async () => [1]).collect(), [1, 1]);
  t.deepEqual(
    await rdd
      .mapPartitions(async function* (it) {
        for await (const x of it) yield x * 10;
      })
      .collect(),
    [10, 20, 30, 40],
  );
});

test('aggregate and fold give each partition its own copy of a mutable zero value', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([1, 2, 3, 4, 5, 6], 3);
  const result = await rdd.aggregate(
    [] as number[],
    (acc, x) => {
      acc.push(x);
      return acc;
    },
    (a, b) => a.concat(b),
  );
  t.deepEqual(result, [1, 2, 3, 4, 5, 6]);
  t.is(await sc.parallelize([1, 2, 3], 3).fold(10, (a, b) => a + b), 46);
});

test('pipe streams partitions through a command', async (t) => {
  const sc = context();
  t.deepEqual(await sc.parallelize(['b', 'a', 'c', 'd'], 2).pipe('sort -r').collect(), ['b', 'a', 'd', 'c']);
  t.deepEqual(await sc.parallelize(range(5000), 1).pipe('head -n 2').collect(), ['0', '1']);
  await t.throwsAsync(() => sc.parallelize([1], 1).pipe('false', undefined, true).collect(), {
    message: /exited with error code 1/,
  });
});

test('sample and randomSplit are seeded and complete', async (t) => {
  const sc = context();
  const rdd = sc.parallelize(range(1000), 4);
  const a = await rdd.sample(false, 0.3, 11).collect();
  t.deepEqual(await rdd.sample(false, 0.3, 11).collect(), a);
  t.true(a.length > 200 && a.length < 400, `sampled ${a.length}`);
  const splits = rdd.randomSplit([1, 2, 3], 5);
  const parts = await Promise.all(splits.map((s) => s.collect()));
  t.deepEqual(sorted(parts.flat()), range(1000));
  const taken = await rdd.takeSample(false, 10, 3);
  t.is(new Set(taken).size, 10);
  t.deepEqual(await rdd.takeSample(false, 10, 3), taken);
  t.is((await rdd.takeSample(true, 2000, 3)).length, 2000);
});

test('histogram follows PySpark', async (t) => {
  const sc = context();
  const r = sc.parallelize(range(51), 3);
  t.deepEqual(await r.histogram([0, 10, 20, 30, 40, 50]), [
    [0, 10, 20, 30, 40, 50],
    [10, 10, 10, 10, 11],
  ]);
  t.deepEqual(await r.histogram(2), [
    [0, 25, 50],
    [25, 26],
  ]);
  t.deepEqual(await sc.parallelize([1, 2, 3, 4]).histogram(3), [
    [1, 2, 3, 4],
    [1, 1, 2],
  ]);
});

test('stats merges partitions with PySpark numerics', async (t) => {
  const sc = context();
  const s = await sc.parallelize([1, 2, 3, 4], 3).stats();
  t.is(s.count(), 4);
  t.is(s.mean(), 2.5);
  t.is(s.variance(), 1.25);
  t.is(await sc.parallelize([1, 2, 3, 4]).sampleStdev(), 1.2909944487358056);
});

test('setName, name, id and cartesian', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([1, 2], 2);
  t.is(rdd.name(), undefined);
  t.is(rdd.setName('nums'), rdd);
  t.is(rdd.name(), 'nums');
  t.true(rdd.map((x) => x).id() > rdd.id());
  t.deepEqual(
    await rdd
      .cartesian(sc.parallelize(['a', 'b'], 2))
      .glom()
      .collect(),
    [[[1, 'a']], [[1, 'b']], [[2, 'a']], [[2, 'b']]],
  );
});
